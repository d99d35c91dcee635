package source

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// A password with what shells, URIs and libpq strings treat specially.
const testPassword = `Pa55 wörd'q"$x&y@z/%`

// fakeClient writes a shell script standing for a database client: it records its
// arguments, one a line, in $VIGIE_FAKE_ARGV, records the mode and content of a --config
// file in $VIGIE_FAKE_ARGV.config, says on standard error which password it was given, and
// fails. Passing output makes it print that and succeed instead.
func fakeClient(t *testing.T, name, output string) string {
	t.Helper()
	needBinary(t, "sh", "stat")
	p := filepath.Join(t.TempDir(), name)
	end := `echo "login failed with password $PGPASSWORD$MYSQL_PWD$REDISCLI_AUTH" >&2; exit 1`
	if output != "" {
		end = "printf '%s' '" + output + "'"
	}
	script := `#!/bin/sh
for a in "$@"; do printf '%s\n' "$a"; done >> "$VIGIE_FAKE_ARGV"
for a in "$@"; do case "$a" in --config=*)
	f="${a#--config=}"; printf '%s\n' "$f" >> "$VIGIE_FAKE_ARGV.config"; stat -c '%a' "$f" >> "$VIGIE_FAKE_ARGV.config"; cat "$f" >> "$VIGIE_FAKE_ARGV.config";;
esac; done
` + end + "\n"
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPasswordsStayOutOfArgvAndErrors runs every source, restorer and smoke query with a
// password against fake clients that record the command line they get and echo the
// password on standard error: no command line holds it, and no error shows it.
func TestPasswordsStayOutOfArgvAndErrors(t *testing.T) {
	argv := filepath.Join(t.TempDir(), "argv")
	t.Setenv("VIGIE_FAKE_ARGV", argv)
	ctx := context.Background()
	pgURI := (&url.URL{Scheme: "postgres", User: url.UserPassword("app", testPassword), Host: "127.0.0.1:5432", Path: "/app", RawQuery: "sslmode=disable"}).String()
	pgKV := `host=127.0.0.1 user=app password='` + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(testPassword) + `' dbname=app`
	pgDump, pgRestore, psql := fakeClient(t, "pg_dump", ""), fakeClient(t, "pg_restore", ""), fakeClient(t, "psql", "")
	pgFields := PostgresConfig{Host: "127.0.0.1", User: "app", Password: testPassword, Database: "app", PgDump: pgDump, PgRestore: pgRestore, Psql: psql}
	maria := MariaDBConfig{Host: "127.0.0.1", User: "app", Password: testPassword, Database: "app",
		Dump: fakeClient(t, "mariadb-dump", ""), Client: fakeClient(t, "mariadb", "")}
	redis := RedisConfig{Password: testPassword, User: "app", RedisCLI: fakeClient(t, "redis-cli", "")}
	mongo := MongoConfig{URI: "mongodb://app:" + url.QueryEscape(testPassword) + "@127.0.0.1:27017/app", Mongodump: fakeClient(t, "mongodump", "")}

	write := func(s Source, err error) func() error {
		return func() error {
			if err != nil {
				return err
			}
			_, err := s.Write(ctx, newMemSink())
			return err
		}
	}
	smokeRun := func(typ, target string, conn any) func() error {
		return func() error { _, err := SmokeQuery(ctx, typ, target, "SELECT 1", conn); return err }
	}
	cases := []struct {
		name    string
		run     func() error
		echoed  bool // the fake's stderr shows the password, which must come out blanked
		program string
	}{
		{"postgres uri", write(NewPostgres("p", PostgresConfig{DSN: pgURI, PgDump: pgDump})), true, "pg_dump"},
		{"postgres keyword=value", write(NewPostgres("p", PostgresConfig{DSN: pgKV, PgDump: pgDump})), true, "pg_dump"},
		{"postgres fields", write(NewPostgres("p", pgFields)), true, "pg_dump"},
		{"pg_restore to a name", func() error { return PostgresRestorer(pgFields).Restore(ctx, strings.NewReader("x"), "scratch") }, true, "pg_restore"},
		{"pg_restore to a uri", func() error { return PostgresRestorer(pgFields).Restore(ctx, strings.NewReader("x"), pgURI) }, true, "pg_restore"},
		{"psql", smokeRun(TypePostgres, "scratch", pgFields), true, "psql"},
		{"mariadb-dump", write(NewMariaDB("m", maria)), true, "mariadb-dump"},
		{"mariadb restore", func() error { return MariaDBRestorer(maria).Restore(ctx, strings.NewReader("x"), "scratch") }, true, "mariadb"},
		{"mariadb query", smokeRun(TypeMariaDB, "scratch", &maria), true, "mariadb"},
		{"redis-cli", write(NewRedis("r", redis)), true, "redis-cli"},
		{"mongodump", write(NewMongoDB("g", mongo)), false, "mongodump"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			os.Remove(argv)
			err := tc.run()
			if err == nil {
				t.Fatal("the failing fake client did not fail the call")
			}
			for _, form := range []string{testPassword, url.QueryEscape(testPassword), url.PathEscape(testPassword)} {
				mustNotContain(t, "error", err.Error(), form)
			}
			if tc.echoed && !strings.Contains(err.Error(), "login failed with password <secret>") {
				t.Errorf("the client's complaint should be kept, password blanked: %v", err)
			}
			if ce := asCommandError(t, err); ce.Command != tc.program {
				t.Errorf("command %q, want %q", ce.Command, tc.program)
			}
			args, rerr := os.ReadFile(argv)
			if rerr != nil || len(args) == 0 {
				t.Fatalf("the fake client was not run: %v", rerr)
			}
			for _, form := range []string{testPassword, url.QueryEscape(testPassword), url.PathEscape(testPassword), "pa55", "Pa55"} {
				mustNotContain(t, "command line", string(args), form)
			}
		})
	}
}

// TestCommandLines checks the exec.Cmd each dump builds: the password is in its
// environment, never in Args.
func TestCommandLines(t *testing.T) {
	ctx := context.Background()
	pg, _ := NewPostgres("p", PostgresConfig{DSN: (&url.URL{Scheme: "postgres", User: url.UserPassword("app", testPassword), Host: "db:5432", Path: "/app"}).String()})
	pgc, err := pg.(*postgresSource).dumpCommand()
	if err != nil {
		t.Fatal(err)
	}
	ma, _ := NewMariaDB("m", MariaDBConfig{Host: "db", Port: 3307, User: "app", Password: testPassword, Database: "-odd name"})
	re, _ := NewRedis("r", RedisConfig{Host: "cache", User: "app", Password: testPassword})
	mo, _ := NewMongoDB("g", MongoConfig{URI: "mongodb://app:" + url.QueryEscape(testPassword) + "@db/app"})
	config := filepath.Join(t.TempDir(), "config.yaml")
	moc, err := mo.(*mongoSource).dumpCommand(config)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		c        command
		wantArgs []string
		wantEnv  string
	}{
		{pgc, []string{"--format=custom", "--no-password", "--dbname=postgres://app@db:5432/app"}, "PGPASSWORD=" + testPassword},
		{ma.(*mariadbSource).dumpCommand(), []string{"--host=db", "--port=3307", "--user=app", "--single-transaction", "--routines", "--events", "--", "-odd name"}, "MYSQL_PWD=" + testPassword},
		{re.(*redisSource).dumpCommand(), []string{"-h", "cache", "-p", "6379", "--user", "app", "--rdb", "-"}, "REDISCLI_AUTH=" + testPassword},
		{moc, []string{"--archive", "--config=" + config}, ""},
	} {
		cmd := tc.c.cmd(ctx)
		if !slices.Equal(cmd.Args[1:], tc.wantArgs) {
			t.Errorf("args %q, want %q", cmd.Args, tc.wantArgs)
		}
		for _, a := range cmd.Args {
			mustNotContain(t, "argument", a, testPassword)
			mustNotContain(t, "argument", a, url.QueryEscape(testPassword))
			mustNotContain(t, "argument", a, url.PathEscape(testPassword))
		}
		if tc.wantEnv != "" && !slices.Contains(cmd.Env, tc.wantEnv) {
			t.Errorf("%s: the password is not in the environment", tc.c.path)
		}
	}
	// mongodump reads the URI from its 0600 file.
	fi, err := os.Stat(config)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("config file: %v, mode %v", err, fi.Mode())
	}
	var conf map[string]string
	b, _ := os.ReadFile(config)
	if err := yaml.Unmarshal(b, &conf); err != nil || conf["uri"] != mo.(*mongoSource).c.URI {
		t.Errorf("config %q (%v)", b, err)
	}
}

func TestMongoDB(t *testing.T) {
	argv := filepath.Join(t.TempDir(), "argv")
	t.Setenv("VIGIE_FAKE_ARGV", argv)
	uri := "mongodb://app:" + url.QueryEscape(testPassword) + "@127.0.0.1:27017/?replicaSet=rs0"
	src, err := NewMongoDB("docs", MongoConfig{URI: uri, Mongodump: fakeClient(t, "mongodump", "archive bytes")})
	if err != nil {
		t.Fatal(err)
	}
	if src.Name() != "docs" || src.Type() != TypeMongoDB {
		t.Errorf("Name, Type = %q, %q", src.Name(), src.Type())
	}
	sink := newMemSink()
	if _, err := src.Write(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	if got := string(sink.data["db/docs.archive"]); got != "archive bytes" {
		t.Errorf("stored %q", got)
	}
	rec, err := os.ReadFile(argv + ".config")
	if err != nil {
		t.Fatal(err)
	}
	path, rest, _ := strings.Cut(string(rec), "\n")
	mode, text, _ := strings.Cut(rest, "\n")
	var conf map[string]string
	if err := yaml.Unmarshal([]byte(text), &conf); err != nil || conf["uri"] != uri || mode != "600" {
		t.Errorf("mongodump read mode %s, %q (%v)", mode, text, err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the config file outlived the dump: %v", err)
	}
	if _, err := os.Stat(filepath.Dir(path)); !os.IsNotExist(err) {
		t.Errorf("the config directory outlived the dump: %v", err)
	}

	for _, c := range []MongoConfig{{URI: "http://x"}, {URI: "mongodb://x", ExtraArgs: []string{"--uri=mongodb://u:Secret@x"}}} {
		if _, err := NewMongoDB("docs", c); err == nil {
			t.Errorf("%+v accepted", c)
		} else {
			mustNotContain(t, "config error", err.Error(), "Secret")
		}
	}
}

func TestRedisOutputIsChecked(t *testing.T) {
	t.Setenv("VIGIE_FAKE_ARGV", filepath.Join(t.TempDir(), "argv"))
	for _, tc := range []struct{ output, want string }{
		{"hello, not an RDB", `output does not start with "REDIS"`},
		{"RED", `output ended before "REDIS"`},
	} {
		src, _ := NewRedis("r", RedisConfig{RedisCLI: fakeClient(t, "redis-cli", tc.output)})
		sink := newMemSink()
		if _, err := src.Write(context.Background(), sink); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("output %q: error %v, want %q", tc.output, err, tc.want)
		}
		if len(sink.data) != 0 {
			t.Errorf("output %q kept", tc.output)
		}
	}
}
