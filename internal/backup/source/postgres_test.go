package source

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	"vigie/internal/testutil"
)

// postgresAdmin is where the tests create their databases; VIGIE_TEST_POSTGRES overrides it.
func postgresAdmin(t *testing.T) string {
	t.Helper()
	needBinary(t, "psql", "pg_dump", "pg_restore")
	dsn := os.Getenv("VIGIE_TEST_POSTGRES")
	if dsn == "" {
		dsn = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	_, err := SmokeQuery(context.Background(), TypePostgres, "", "SELECT 1", PostgresConfig{DSN: dsn})
	testutil.Need(t, "PostgreSQL (VIGIE_TEST_POSTGRES)", err)
	return dsn
}

// withDB returns the admin URI pointing at database db, password included.
func withDB(t *testing.T, admin, db string) string {
	t.Helper()
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + db
	return u.String()
}

// fieldsConfig is the admin URI as separate fields, on database db.
func fieldsConfig(t *testing.T, admin, db string) PostgresConfig {
	t.Helper()
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := u.User.Password()
	port, _ := strconv.Atoi(u.Port())
	return PostgresConfig{Host: u.Hostname(), Port: port, User: u.User.Username(), Password: pw, Database: db}
}

func psqlExec(t *testing.T, dsn, sql string) {
	t.Helper()
	conn, password, err := PostgresConfig{DSN: dsn}.connect("")
	if err != nil {
		t.Fatal(err)
	}
	cmd := pgCommand("psql", []string{"--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--command=" + sql, "--dbname=" + conn}, password)
	if _, err := cmd.run(context.Background(), nil); err != nil {
		t.Fatalf("psql %s: %v", sql, err)
	}
}

// createPostgresDB makes a database of the test's own, dropped after it.
func createPostgresDB(t *testing.T, admin string) string {
	t.Helper()
	name := "vigie_src_" + randomHex(6)
	psqlExec(t, admin, "CREATE DATABASE "+name)
	t.Cleanup(func() { psqlExec(t, admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	return name
}

func smoke(t *testing.T, typ, target, query string, conn any) string {
	t.Helper()
	v, err := SmokeQuery(context.Background(), typ, target, query, conn)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestPostgresRoundTrip(t *testing.T) {
	admin := postgresAdmin(t)
	ctx := context.Background()
	db := createPostgresDB(t, admin)
	psqlExec(t, withDB(t, admin, db), `
		CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL, avatar bytea);
		INSERT INTO users (name, avatar) SELECT 'user ' || i || ' ✓ ''quoted''', decode(md5(i::text), 'hex') FROM generate_series(1, 1000) i;
		CREATE VIEW active AS SELECT * FROM users WHERE id % 2 = 0;
		CREATE FUNCTION twice(int) RETURNS int LANGUAGE sql AS 'SELECT $1 * 2';`)
	const digest = `SELECT md5(string_agg(id || name || encode(avatar, 'hex'), ',' ORDER BY id)) FROM users`

	src, err := NewPostgres("main", PostgresConfig{DSN: withDB(t, admin, db)})
	if err != nil {
		t.Fatal(err)
	}
	if src.Name() != "main" || src.Type() != TypePostgres {
		t.Errorf("Name, Type = %q, %q", src.Name(), src.Type())
	}
	sink := newMemSink()
	stats, err := src.Write(ctx, sink)
	if err != nil {
		t.Fatal(err)
	}
	dump := sink.data["db/main.pgdump"]
	if !bytes.HasPrefix(dump, []byte("PGDMP")) || sink.modes["db/main.pgdump"] != 0o600 {
		t.Fatalf("not a pg_dump custom archive (mode %o): %q", sink.modes["db/main.pgdump"], dump[:min(len(dump), 16)])
	}
	if stats.Entries != 1 || stats.Bytes != int64(len(dump)) {
		t.Errorf("stats %+v for a %d-byte dump", stats, len(dump))
	}

	// Into a fresh database named on the configured server, twice (--clean makes it idempotent),
	// and into one given as a connection string.
	c := fieldsConfig(t, admin, db)
	restored := createPostgresDB(t, admin)
	for range 2 {
		if err := PostgresRestorer(c).Restore(ctx, bytes.NewReader(dump), restored); err != nil {
			t.Fatal(err)
		}
	}
	other := createPostgresDB(t, admin)
	if err := PostgresRestorer(PostgresConfig{}).Restore(ctx, bytes.NewReader(dump), withDB(t, admin, other)); err != nil {
		t.Fatal(err)
	}
	want := smoke(t, TypePostgres, db, digest, c)
	for _, target := range []string{restored, withDB(t, admin, other)} {
		if n := smoke(t, TypePostgres, target, "SELECT count(*) FROM users", c); n != "1000" {
			t.Errorf("restored %d users, want 1000", atoi(n))
		}
		if got := smoke(t, TypePostgres, target, digest, &c); got != want {
			t.Errorf("restored data digest %s, want %s", got, want)
		}
		if got := smoke(t, TypePostgres, target, "SELECT twice(21), (SELECT count(*) FROM active)", c); got != "42" {
			t.Errorf("function or view not restored: %q", got)
		}
	}
	if v := smoke(t, TypePostgres, restored, "SELECT NULL", c); v != "" {
		t.Errorf("NULL reads %q", v)
	}
	if _, err := SmokeQuery(ctx, TypePostgres, restored, "SELECT 1 WHERE false", c); err == nil || !strings.Contains(err.Error(), "no row") {
		t.Errorf("no row: %v", err)
	}
	if _, err := SmokeQuery(ctx, TypePostgres, restored, "SELECT * FROM nowhere", c); err == nil || !strings.Contains(err.Error(), `"nowhere" does not exist`) {
		t.Errorf("bad query: %v", err)
	}
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

func TestPostgresDumpFails(t *testing.T) {
	admin := postgresAdmin(t)
	const password = "Wr0ng-Pässwörd-42!"
	u, _ := url.Parse(admin)
	u.User = url.UserPassword(u.User.Username(), password)
	u.Path = "/vigie_src_missing_" + randomHex(4)
	src, err := NewPostgres("bad", PostgresConfig{DSN: u.String()})
	if err != nil {
		t.Fatal(err)
	}
	sink := newMemSink()
	_, err = src.Write(context.Background(), sink)
	if err == nil {
		t.Fatal("dumping a missing database succeeded")
	}
	// The server refuses the password or the database, depending on its pg_hba.
	if !strings.Contains(err.Error(), "does not exist") && !strings.Contains(err.Error(), "password authentication failed") {
		t.Errorf("error does not say why: %v", err)
	}
	mustNotContain(t, "error", err.Error(), password)
	mustNotContain(t, "error", err.Error(), url.QueryEscape(password))
	ce := asCommandError(t, err)
	if ce.Command != "pg_dump" || ce.Stderr == "" {
		t.Errorf("CommandError %+v", ce)
	}
	if _, kept := sink.data["db/bad.pgdump"]; kept {
		t.Errorf("the sink kept the stream of a failed dump")
	}
	if err := PostgresRestorer(PostgresConfig{DSN: u.String()}).Restore(context.Background(), strings.NewReader("not a dump"), u.Path[1:]); err == nil {
		t.Error("restoring garbage succeeded")
	} else {
		mustNotContain(t, "restore error", err.Error(), password)
	}
}

func TestParsePGDSN(t *testing.T) {
	tests := []struct {
		in, dsn, password, withDB string
	}{
		{"postgres://u:p%40ss%20w@h:5432/db?sslmode=disable", "postgres://u@h:5432/db?sslmode=disable", "p@ss w", "postgres://u@h:5432/other?sslmode=disable"},
		{"postgresql://u@h/db?password=x%26y&sslmode=require", "postgresql://u@h/db?sslmode=require", "x&y", "postgresql://u@h/other?sslmode=require"},
		{"postgres://:pw@h/db", "postgres://h/db", "pw", "postgres://h/other"},
		{"postgres:///db?host=/run/postgresql", "postgres:///db?host=/run/postgresql", "", "postgres:///other?host=/run/postgresql"},
		{"host=h port=5432 user=u password='a b\\'c' dbname=d", "host='h' port='5432' user='u' dbname='d'", "a b'c", "host='h' port='5432' user='u' dbname='other'"},
		{"  host = h\tpassword=p\\ q  sslmode=verify-full ", "host='h' sslmode='verify-full'", "p q", "host='h' sslmode='verify-full' dbname='other'"},
		{"dbname='it''s'", "", "", ""}, // an error: libpq has no '' escape
	}
	for _, tt := range tests {
		d, pw, err := parsePGDSN(tt.in)
		if tt.dsn == "" {
			if err == nil {
				t.Errorf("%q: no error", tt.in)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if d.String() != tt.dsn || pw != tt.password || d.withDBName("other").String() != tt.withDB {
			t.Errorf("%q: got %q, %q, %q; want %q, %q, %q", tt.in, d, pw, d.withDBName("other"), tt.dsn, tt.password, tt.withDB)
		}
	}
	// Errors never quote the string, which holds a password.
	for _, in := range []string{"postgres://u:S3cretPW@h:port/db", "postgres://u:S3cretPW@h/db?%zz", "password=S3cretPW host", "password='S3cretPW"} {
		_, _, err := parsePGDSN(in)
		if err == nil {
			t.Errorf("%q: no error", in)
			continue
		}
		mustNotContain(t, "DSN error", err.Error(), "S3cretPW")
	}
}

func TestNewPostgresConfigErrors(t *testing.T) {
	for _, tt := range []struct {
		c    PostgresConfig
		want string
	}{
		{PostgresConfig{}, "set dsn or database"},
		{PostgresConfig{DSN: "host=h", Database: "d"}, "not both"},
		{PostgresConfig{Database: "d", Port: 70000}, "port 70000 out of range"},
		{PostgresConfig{DSN: "postgres://u:Secret@h:x/d"}, "not a valid postgres:// URI"},
		{PostgresConfig{Database: "d", ExtraArgs: []string{"--dbname=postgres://u:Secret@h/d"}}, "extra argument --dbname is not allowed"},
		{PostgresConfig{Database: "d", ExtraArgs: []string{"-dpostgres://u:Secret@h/d"}}, "extra argument -d is not allowed"},
	} {
		_, err := NewPostgres("n", tt.c)
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: error %v, want %q", tt.c, err, tt.want)
		}
		if err != nil {
			mustNotContain(t, "config error", err.Error(), "Secret")
		}
	}
	if _, err := NewPostgres("n", PostgresConfig{Database: "d", ExtraArgs: []string{"--schema=public", "--data-only"}}); err != nil {
		t.Errorf("harmless extra arguments refused: %v", err)
	}
}
