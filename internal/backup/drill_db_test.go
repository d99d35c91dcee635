package backup_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"

	"vigie/internal/backup"
	"vigie/internal/backup/source"
	"vigie/internal/testutil"
)

func randomName(prefix string) string {
	b := make([]byte, 4)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// postgresAdmin is a role that may create databases: VIGIE_TEST_POSTGRES, as scripts/test.sh sets it.
func postgresAdmin(t *testing.T) string {
	t.Helper()
	for _, bin := range []string{"psql", "pg_dump", "pg_restore"} {
		_, err := exec.LookPath(bin)
		testutil.Need(t, bin+" (apt-get install postgresql-client)", err)
	}
	dsn := os.Getenv("VIGIE_TEST_POSTGRES")
	if dsn == "" {
		dsn = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	_, err := psql(dsn, "SELECT 1")
	testutil.Need(t, "PostgreSQL (VIGIE_TEST_POSTGRES)", err)
	return dsn
}

func psql(dsn, sql string) (string, error) {
	out, err := exec.Command("psql", "--no-psqlrc", "-X", "-v", "ON_ERROR_STOP=1", "-tAc", sql, dsn).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func onDB(t *testing.T, dsn, db string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + db
	return u.String()
}

// drillDatabase backs up one database source with the fixture's job and drills it.
func drillDatabase(t *testing.T, src source.Source, db backup.DrillDatabase) (*backup.Run, error) {
	t.Helper()
	f := newFixture(t)
	f.job.Sources = append(f.job.Sources, src)
	f.job.Drill = &backup.Drill{Identities: f.ids, Databases: []backup.DrillDatabase{db}}
	if _, err := f.runner.Backup(context.Background(), f.job); err != nil {
		t.Fatal(err)
	}
	return f.runner.Drill(context.Background(), f.job)
}

func TestDrillRestoresPostgres(t *testing.T) {
	admin := postgresAdmin(t)
	db := randomName("vigie_bk_")
	if out, err := psql(admin, `CREATE DATABASE "`+db+`"`); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	t.Cleanup(func() { psql(admin, `DROP DATABASE IF EXISTS "`+db+`" WITH (FORCE)`) })
	if out, err := psql(onDB(t, admin, db), "CREATE TABLE users (id serial PRIMARY KEY, name text); INSERT INTO users (name) SELECT 'u' || g FROM generate_series(1, 250) g"); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	conn := source.PostgresConfig{DSN: onDB(t, admin, db)}
	src, err := source.NewPostgres("app", conn)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		expect string
		ok     bool
	}{{"== 250", true}, {"> 250", false}} {
		expect, _ := backup.ParseExpectation(tc.expect)
		run, err := drillDatabase(t, src, backup.DrillDatabase{Source: "app", Type: source.TypePostgres, Conn: conn, Query: "SELECT count(*) FROM users", Expect: expect})
		if (err == nil) != tc.ok {
			t.Errorf("expect %s: %v (%+v)", tc.expect, err, run)
		}
	}
	// Every scratch database is gone, whatever the drill's outcome.
	if left, err := psql(admin, "SELECT count(*) FROM pg_database WHERE datname LIKE 'vigie_drill_%'"); err != nil || left != "0" {
		t.Errorf("scratch databases left: %s %v", left, err)
	}
}

func TestDrillRestoresMariaDB(t *testing.T) {
	for _, bin := range []string{"mariadb", "mariadb-dump"} {
		_, err := exec.LookPath(bin)
		testutil.Need(t, bin+" (apt-get install mariadb-client)", err)
	}
	mariadb := func(sql string) (string, error) {
		out, err := exec.Command("mariadb", "--batch", "--skip-column-names", "-e", sql).CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	_, err := mariadb("SELECT 1")
	testutil.Need(t, "MariaDB server (root over its socket)", err)
	db := randomName("vigie_bk_")
	if out, err := mariadb("CREATE DATABASE `" + db + "`; CREATE TABLE `" + db + "`.orders (id INT PRIMARY KEY, total DECIMAL(10,2)); INSERT INTO `" + db + "`.orders VALUES (1, 9.50), (2, 12.00), (3, 7.25)"); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	t.Cleanup(func() { mariadb("DROP DATABASE IF EXISTS `" + db + "`") })
	conn := source.MariaDBConfig{User: "root", Database: db}
	src, err := source.NewMariaDB("shop", conn)
	if err != nil {
		t.Fatal(err)
	}
	expect, _ := backup.ParseExpectation("28.75")
	run, err := drillDatabase(t, src, backup.DrillDatabase{Source: "shop", Type: source.TypeMariaDB, Conn: conn, Query: "SELECT SUM(total) FROM orders", Expect: expect})
	if err != nil || run.Status != backup.StatusOK {
		t.Fatalf("drill: %v %+v", err, run)
	}
	if left, err := mariadb("SELECT count(*) FROM information_schema.schemata WHERE schema_name LIKE 'vigie_drill_%'"); err != nil || left != "0" {
		t.Errorf("scratch databases left: %s %v", left, err)
	}
}
