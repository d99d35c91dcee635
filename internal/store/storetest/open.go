// Package storetest is the store conformance suite: the same tests run against every backend,
// so SQLite and PostgreSQL cannot drift apart. It also opens fresh test databases.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"vigie/internal/store"
	"vigie/internal/store/postgres"
	"vigie/internal/store/sqlite"
	"vigie/internal/testutil"
)

// DB is a fresh, migrated store for one test, plus a raw handle on the same database for
// tests that must reach under the store (to fake a newer schema, say).
type DB struct {
	Store *store.Store
	Raw   *sql.DB
}

// Opener opens a DB for one test and closes it at cleanup.
type Opener func(t testing.TB) DB

// OpenSQLite opens a migrated SQLite store in a temp directory.
func OpenSQLite(t testing.TB) DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "vigie.db")
	s, err := sqlite.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return DB{Store: s, Raw: raw}
}

// PostgresAdminDSN is where tests create their databases; VIGIE_TEST_POSTGRES overrides it.
func PostgresAdminDSN() string {
	if dsn := os.Getenv("VIGIE_TEST_POSTGRES"); dsn != "" {
		return dsn
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// NewPostgresDatabase creates an empty database for one test, dropped at cleanup, and
// returns its DSN.
func NewPostgresDatabase(t testing.TB) string {
	t.Helper()
	adminDSN := PostgresAdminDSN()
	admin, err := sql.Open("pgx", adminDSN)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = admin.PingContext(ctx)
		cancel()
	}
	testutil.Need(t, "PostgreSQL server at "+adminDSN, err)
	b := make([]byte, 6)
	rand.Read(b)
	name := "vigie_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
		admin.Close()
	})
	u, err := url.Parse(adminDSN)
	if err != nil {
		t.Fatalf("VIGIE_TEST_POSTGRES must be a postgres:// URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// OpenPostgres opens a migrated store on a fresh PostgreSQL database.
func OpenPostgres(t testing.TB) DB {
	t.Helper()
	dsn := NewPostgresDatabase(t)
	s, err := postgres.Open(context.Background(), dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(fmt.Errorf("migrate: %w", err))
	}
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return DB{Store: s, Raw: raw}
}
