package source

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// PostgresConfig is a "postgres" source: `pg_dump --format=custom` of one database.
// Set either DSN or Database (with Host, Port and User as needed).
type PostgresConfig struct {
	// DSN is a libpq connection string, as a URI (postgres://user:pw@host:5432/db?sslmode=...)
	// or as keyword=value pairs (host=... dbname=...). Its password is taken out of it and
	// passed in the environment.
	DSN       string
	Host      string
	Port      int
	User      string
	Password  string // used with the fields, or with a DSN that has none
	Database  string
	PgDump    string   // default "pg_dump"
	PgRestore string   // default "pg_restore", for PostgresRestorer
	Psql      string   // default "psql", for SmokeQuery
	ExtraArgs []string // added to pg_dump's arguments
}

type postgresSource struct {
	name string
	c    PostgresConfig
}

// NewPostgres returns a source storing `pg_dump --format=custom` as "db/<name>.pgdump".
func NewPostgres(name string, c PostgresConfig) (Source, error) {
	if err := checkName(TypePostgres, name); err != nil {
		return nil, err
	}
	var errs []error
	switch {
	case c.DSN == "" && c.Database == "":
		errs = append(errs, configError(TypePostgres, name, "set dsn or database"))
	case c.DSN != "" && (c.Host != "" || c.Port != 0 || c.User != "" || c.Database != ""):
		errs = append(errs, configError(TypePostgres, name, "set either dsn or host, port, user and database, not both"))
	}
	if c.Port < 0 || c.Port > 65535 {
		errs = append(errs, configError(TypePostgres, name, "port %d out of range", c.Port))
	}
	if _, _, err := c.connect(""); err != nil {
		errs = append(errs, configError(TypePostgres, name, "%v", err))
	}
	if err := checkExtraArgs(c.ExtraArgs, "-d", "--dbname", "--password"); err != nil {
		errs = append(errs, configError(TypePostgres, name, "%v", err))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &postgresSource{name: name, c: c}, nil
}

func (s *postgresSource) Name() string { return s.name }
func (s *postgresSource) Type() string { return TypePostgres }

func (s *postgresSource) Write(ctx context.Context, sink Sink) (Stats, error) {
	cmd, err := s.dumpCommand()
	if err == nil {
		var st Stats
		if st, err = cmd.stream(ctx, sink, "db/"+s.name+".pgdump"); err == nil {
			return st, nil
		}
	}
	return Stats{}, fmt.Errorf("postgres source %q: %w", s.name, err)
}

func (s *postgresSource) dumpCommand() (command, error) {
	dsn, password, err := s.c.connect("")
	if err != nil {
		return command{}, err
	}
	args := append([]string{"--format=custom", "--no-password", "--dbname=" + dsn}, s.c.ExtraArgs...)
	return pgCommand(or(s.c.PgDump, "pg_dump"), args, password), nil
}

// pgCommand runs a PostgreSQL client with the password in PGPASSWORD.
func pgCommand(bin string, args []string, password string) command {
	c := command{path: bin, args: args, secrets: []string{password}}
	if password != "" {
		c.env = []string{"PGPASSWORD=" + password}
	}
	return c
}

// connect returns the connection string for database db (the configured one if db is
// empty), without its password, and the password. A db that is itself a connection string
// is used as it is, with its own password only: the configured one is not sent to a server
// it was not configured for.
func (c PostgresConfig) connect(db string) (dsn, password string, err error) {
	if isPGDSN(db) {
		d, pw, err := parsePGDSN(db)
		if err != nil {
			return "", "", err
		}
		return d.String(), pw, nil
	}
	var d pgDSN
	password = c.Password
	if c.DSN != "" {
		var pw string
		if d, pw, err = parsePGDSN(c.DSN); err != nil {
			return "", "", err
		}
		if pw != "" {
			password = pw
		}
	} else {
		for _, kv := range [][2]string{{"host", c.Host}, {"port", portString(c.Port)}, {"user", c.User}, {"dbname", c.Database}} {
			if kv[1] != "" {
				d.kv = append(d.kv, kv)
			}
		}
	}
	if db != "" {
		d = d.withDBName(db)
	}
	return d.String(), password, nil
}

func isPGDSN(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://") || strings.Contains(s, "=")
}

// pgDSN is a libpq connection string without its password, in one of its two forms.
type pgDSN struct {
	uri *url.URL
	kv  [][2]string
}

// parsePGDSN splits a connection string into the string without its password and the
// password. Its errors never quote the string, which holds a secret.
func parsePGDSN(s string) (pgDSN, string, error) {
	if strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://") {
		u, err := url.Parse(s)
		if err != nil {
			return pgDSN{}, "", errors.New("dsn is not a valid postgres:// URI (percent-encode special characters in the password; several hosts need the host=h1,h2 form)")
		}
		var password string
		if u.User != nil {
			password, _ = u.User.Password()
			u.User = url.User(u.User.Username())
			if u.User.Username() == "" {
				u.User = nil
			}
		}
		if u.RawQuery != "" {
			q, err := url.ParseQuery(u.RawQuery)
			if err != nil {
				return pgDSN{}, "", errors.New("dsn: invalid query string")
			}
			if q.Has("password") {
				password = q.Get("password")
				q.Del("password")
				u.RawQuery = q.Encode()
			}
		}
		return pgDSN{uri: u}, password, nil
	}
	kv, err := parseConninfo(s)
	if err != nil {
		return pgDSN{}, "", err
	}
	var d pgDSN
	var password string
	for _, p := range kv {
		if p[0] == "password" {
			password = p[1]
			continue
		}
		d.kv = append(d.kv, p)
	}
	return d, password, nil
}

func (d pgDSN) withDBName(db string) pgDSN {
	if d.uri != nil {
		u := *d.uri
		u.Path, u.RawPath = "/"+db, ""
		return pgDSN{uri: &u}
	}
	kv := make([][2]string, 0, len(d.kv)+1)
	for _, p := range d.kv {
		if p[0] != "dbname" {
			kv = append(kv, p)
		}
	}
	return pgDSN{kv: append(kv, [2]string{"dbname", db})}
}

func (d pgDSN) String() string {
	if d.uri != nil {
		return d.uri.String()
	}
	parts := make([]string, len(d.kv))
	for i, p := range d.kv {
		v := strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(p[1])
		parts[i] = p[0] + "='" + v + "'"
	}
	return strings.Join(parts, " ")
}

// parseConninfo parses keyword = value pairs as libpq does: values bare or single-quoted,
// a backslash escaping the next character.
func parseConninfo(s string) ([][2]string, error) {
	var kv [][2]string
	i := 0
	space := func() {
		for i < len(s) && strings.IndexByte(" \t\n\r\f\v", s[i]) >= 0 {
			i++
		}
	}
	for {
		space()
		if i == len(s) {
			return kv, nil
		}
		start := i
		for i < len(s) && s[i] != '=' && strings.IndexByte(" \t\n\r\f\v", s[i]) < 0 {
			i++
		}
		key := s[start:i]
		space()
		if key == "" || i == len(s) || s[i] != '=' {
			return nil, fmt.Errorf("dsn: expected keyword=value at byte %d", start)
		}
		i++
		space()
		var v strings.Builder
		quoted := i < len(s) && s[i] == '\''
		if quoted {
			i++
		}
		for {
			if i == len(s) {
				if quoted {
					return nil, fmt.Errorf("dsn: unterminated quoted value for %s", printable(key))
				}
				break
			}
			c := s[i]
			if quoted && c == '\'' {
				i++
				break
			}
			if !quoted && strings.IndexByte(" \t\n\r\f\v", c) >= 0 {
				break
			}
			if c == '\\' && i+1 < len(s) {
				i++
				c = s[i]
			}
			v.WriteByte(c)
			i++
		}
		kv = append(kv, [2]string{key, v.String()})
	}
}

// checkExtraArgs refuses extra arguments that would carry a password on the command line
// or override the connection the source manages.
func checkExtraArgs(args []string, forbidden ...string) error {
	for _, a := range args {
		for _, f := range forbidden {
			long := strings.HasPrefix(f, "--")
			if a == f || long && strings.HasPrefix(a, f+"=") || !long && strings.HasPrefix(a, f) {
				return fmt.Errorf("extra argument %s is not allowed: the connection and its password come from the source's own settings", f)
			}
		}
	}
	return nil
}

func portString(p int) string {
	if p == 0 {
		return ""
	}
	return strconv.Itoa(p)
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
