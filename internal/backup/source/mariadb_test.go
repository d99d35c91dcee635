package source

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"vigie/internal/testutil"
)

// mariadbAdmin is MariaDB's root over the server's Unix socket, as Debian sets it up for the
// system's root.
func mariadbAdmin(t *testing.T) MariaDBConfig {
	t.Helper()
	needBinary(t, "mariadb", "mariadb-dump")
	admin := MariaDBConfig{User: "root"}
	_, err := SmokeQuery(context.Background(), TypeMariaDB, "mysql", "SELECT 1", admin)
	testutil.Need(t, "MariaDB server (root over its socket)", err)
	return admin
}

func mariaExec(t *testing.T, c MariaDBConfig, db, sql string) {
	t.Helper()
	if _, err := c.client(db, "--execute="+sql).run(context.Background(), nil); err != nil {
		t.Fatalf("mariadb %s: %v", sql, err)
	}
}

// mariadbUser creates databases and a user of the test's own, with a password, over TCP;
// all dropped after the test.
func mariadbUser(t *testing.T, admin MariaDBConfig, dbs ...string) MariaDBConfig {
	t.Helper()
	user := MariaDBConfig{Host: "127.0.0.1", Port: 3306, User: "vsrc_" + randomHex(4), Password: "S3cr3t-" + randomHex(8) + "!x"}
	mariaExec(t, admin, "mysql", "CREATE USER '"+user.User+"'@'127.0.0.1' IDENTIFIED BY '"+user.Password+"'")
	t.Cleanup(func() { mariaExec(t, admin, "mysql", "DROP USER '"+user.User+"'@'127.0.0.1'") })
	for _, db := range dbs {
		mariaExec(t, admin, "mysql", "CREATE DATABASE `"+db+"`")
		t.Cleanup(func() { mariaExec(t, admin, "mysql", "DROP DATABASE IF EXISTS `"+db+"`") })
		mariaExec(t, admin, "mysql", "GRANT ALL ON `"+db+"`.* TO '"+user.User+"'@'127.0.0.1'")
	}
	return user
}

func TestMariaDBRoundTrip(t *testing.T) {
	admin := mariadbAdmin(t)
	ctx := context.Background()
	db, restored := "vsrc_"+randomHex(6), "vsrc_"+randomHex(6)
	c := mariadbUser(t, admin, db, restored)
	mariaExec(t, c, db, `
		CREATE TABLE users (id INT AUTO_INCREMENT PRIMARY KEY, name TEXT NOT NULL, avatar BLOB) CHARSET utf8mb4;
		INSERT INTO users (name, avatar) SELECT CONCAT('user ', seq, ' ✓ ''quoted'''), UNHEX(MD5(seq)) FROM seq_1_to_1000;
		CREATE VIEW even AS SELECT * FROM users WHERE id % 2 = 0;
		CREATE PROCEDURE twice(IN x INT) SELECT x * 2;`)
	const digest = `SELECT MD5(GROUP_CONCAT(id, name, HEX(avatar) ORDER BY id SEPARATOR ',')) FROM users`
	want := smoke(t, TypeMariaDB, db, digest, c)

	c.Database = db
	src, err := NewMariaDB("shop", c)
	if err != nil {
		t.Fatal(err)
	}
	if src.Name() != "shop" || src.Type() != TypeMariaDB {
		t.Errorf("Name, Type = %q, %q", src.Name(), src.Type())
	}
	sink := newMemSink()
	stats, err := src.Write(ctx, sink)
	if err != nil {
		t.Fatal(err)
	}
	dump := sink.data["db/shop.sql"]
	if !bytes.Contains(dump, []byte("CREATE TABLE `users`")) || stats.Bytes != int64(len(dump)) || stats.Entries != 1 {
		t.Fatalf("dump of %d bytes, stats %+v: %.200s", len(dump), stats, dump)
	}
	if bytes.Contains(dump, []byte("CREATE DATABASE")) || bytes.Contains(dump, []byte("\nUSE ")) {
		t.Errorf("the dump names its database: it would restore over the original")
	}

	// The original changes after the dump; restoring elsewhere must not touch it.
	mariaExec(t, c, db, "INSERT INTO users (name) VALUES ('late')")
	if err := MariaDBRestorer(c).Restore(ctx, bytes.NewReader(dump), restored); err != nil {
		t.Fatal(err)
	}
	if n := smoke(t, TypeMariaDB, restored, "SELECT count(*) FROM users", c); n != "1000" {
		t.Errorf("restored %s users, want 1000", n)
	}
	if n := smoke(t, TypeMariaDB, db, "SELECT count(*) FROM users", &c); n != "1001" {
		t.Errorf("the original has %s users after the restore, want 1001", n)
	}
	if got := smoke(t, TypeMariaDB, restored, digest, c); got != want {
		t.Errorf("restored digest %s, want %s", got, want)
	}
	if got := smoke(t, TypeMariaDB, restored, "SELECT GROUP_CONCAT(ROUTINE_NAME), (SELECT count(*) FROM even) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()", c); got != "twice" {
		t.Errorf("routines restored: %q", got)
	}
	if got := smoke(t, TypeMariaDB, restored, "SELECT NULL", c); got != "" {
		t.Errorf("NULL reads %q", got)
	}
	if _, err := SmokeQuery(ctx, TypeMariaDB, restored, "SELECT 1 FROM users WHERE false", c); err == nil || !strings.Contains(err.Error(), "no row") {
		t.Errorf("no row: %v", err)
	}
}

func TestMariaDBDumpFails(t *testing.T) {
	admin := mariadbAdmin(t)
	db := "vsrc_" + randomHex(6)
	c := mariadbUser(t, admin, db)
	c.Database = db
	right := c.Password
	c.Password = "Wr0ng-" + randomHex(8)
	src, err := NewMariaDB("shop", c)
	if err != nil {
		t.Fatal(err)
	}
	sink := newMemSink()
	_, err = src.Write(context.Background(), sink)
	if err == nil || !strings.Contains(err.Error(), "Access denied") {
		t.Fatalf("wrong password: %v", err)
	}
	mustNotContain(t, "error", err.Error(), c.Password)
	mustNotContain(t, "error", err.Error(), right)
	if ce := asCommandError(t, err); ce.Command != "mariadb-dump" {
		t.Errorf("command %q", ce.Command)
	}
	if _, kept := sink.data["db/shop.sql"]; kept {
		t.Error("the sink kept a failed dump")
	}
	c.Password = right
	err = MariaDBRestorer(c).Restore(context.Background(), strings.NewReader("THIS IS NOT SQL;"), db)
	if err == nil || !strings.Contains(err.Error(), "SQL syntax") {
		t.Errorf("restoring garbage: %v", err)
	}
}

func TestNewMariaDBConfigErrors(t *testing.T) {
	for _, tt := range []struct {
		c    MariaDBConfig
		want string
	}{
		{MariaDBConfig{}, "no database"},
		{MariaDBConfig{Database: "d", Port: -1}, "port -1 out of range"},
		{MariaDBConfig{Database: "d", ExtraArgs: []string{"-pSecret"}}, "extra argument -p is not allowed"},
		{MariaDBConfig{Database: "d", ExtraArgs: []string{"--password=Secret"}}, "extra argument --password is not allowed"},
		{MariaDBConfig{Database: "d", ExtraArgs: []string{"--databases"}}, "extra argument --databases is not allowed"},
	} {
		_, err := NewMariaDB("n", tt.c)
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: error %v, want %q", tt.c, err, tt.want)
		}
		if err != nil {
			mustNotContain(t, "config error", err.Error(), "Secret")
		}
	}
	if _, err := NewMariaDB("n", MariaDBConfig{Database: "d", ExtraArgs: []string{"-P3307", "--hex-blob"}}); err != nil {
		t.Errorf("harmless extra arguments refused: %v", err)
	}
}
