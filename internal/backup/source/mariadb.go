package source

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
)

// MariaDBConfig is a "mariadb" source: `mariadb-dump --single-transaction` of one database
// (MySQL's mysqldump works too).
type MariaDBConfig struct {
	Host      string // default: the client's (the local socket)
	Port      int
	Socket    string
	User      string
	Password  string // passed in MYSQL_PWD
	Database  string
	Dump      string   // default "mariadb-dump", or "mysqldump" when that is the one installed
	Client    string   // default "mariadb", or "mysql"; for MariaDBRestorer and SmokeQuery
	ExtraArgs []string // added to the dump's arguments
}

type mariadbSource struct {
	name string
	c    MariaDBConfig
}

// NewMariaDB returns a source storing `mariadb-dump --single-transaction --routines --events
// DATABASE` as "db/<name>.sql".
//
// The dump names no database (no --databases): it holds neither CREATE DATABASE nor USE, so
// it restores into any database, a scratch one for a drill included, without touching the
// original.
func NewMariaDB(name string, c MariaDBConfig) (Source, error) {
	if err := checkName(TypeMariaDB, name); err != nil {
		return nil, err
	}
	var errs []error
	if c.Database == "" {
		errs = append(errs, configError(TypeMariaDB, name, "no database"))
	}
	if c.Port < 0 || c.Port > 65535 {
		errs = append(errs, configError(TypeMariaDB, name, "port %d out of range", c.Port))
	}
	if err := checkExtraArgs(c.ExtraArgs, "-p", "--password", "--databases", "-B", "--all-databases", "-A"); err != nil {
		errs = append(errs, configError(TypeMariaDB, name, "%v", err))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &mariadbSource{name: name, c: c}, nil
}

func (s *mariadbSource) Name() string { return s.name }
func (s *mariadbSource) Type() string { return TypeMariaDB }

func (s *mariadbSource) Write(ctx context.Context, sink Sink) (Stats, error) {
	st, err := s.dumpCommand().stream(ctx, sink, "db/"+s.name+".sql")
	if err != nil {
		return Stats{}, fmt.Errorf("mariadb source %q: %w", s.name, err)
	}
	return st, nil
}

func (s *mariadbSource) dumpCommand() command {
	args := append(s.c.connArgs(), "--single-transaction", "--routines", "--events")
	args = append(args, s.c.ExtraArgs...)
	args = append(args, "--", s.c.Database)
	return s.c.command(installed(s.c.Dump, "mariadb-dump", "mysqldump"), args)
}

// client runs the mariadb (or mysql) client on database db with more arguments.
func (c MariaDBConfig) client(db string, args ...string) command {
	return c.command(installed(c.Client, "mariadb", "mysql"), append(append(c.connArgs(), "--database="+db), args...))
}

func (c MariaDBConfig) connArgs() []string {
	var args []string
	if c.Host != "" {
		args = append(args, "--host="+c.Host)
	}
	if c.Port != 0 {
		args = append(args, "--port="+strconv.Itoa(c.Port))
	}
	if c.Socket != "" {
		args = append(args, "--socket="+c.Socket)
	}
	if c.User != "" {
		args = append(args, "--user="+c.User)
	}
	return args
}

func (c MariaDBConfig) command(bin string, args []string) command {
	cmd := command{path: bin, args: args, secrets: []string{c.Password}}
	if c.Password != "" {
		cmd.env = []string{"MYSQL_PWD=" + c.Password}
	}
	return cmd
}

// installed returns bin if set, else the first of names found in PATH, else the first name
// (whose absence the error will then tell).
func installed(bin string, names ...string) string {
	if bin != "" {
		return bin
	}
	for _, n := range names {
		if _, err := exec.LookPath(n); err == nil {
			return n
		}
	}
	return names[0]
}
