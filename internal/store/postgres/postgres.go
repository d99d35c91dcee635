// Package postgres opens vigie's store on PostgreSQL through pgx, for installations with
// several vigie nodes sharing one database.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/prometheus/client_golang/prometheus"

	"vigie/internal/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLockID is an arbitrary constant naming vigie's advisory lock ("vigie" in ASCII).
const migrationLockID = 0x7669676965

// Dialect describes PostgreSQL to the shared store.
func Dialect() store.Dialect {
	sub, _ := fs.Sub(migrations, "migrations")
	return store.Dialect{
		Name:       "postgres",
		Positional: true,
		SkipLocked: " FOR UPDATE SKIP LOCKED",
		Migrations: sub,
		IsUniqueViolation: func(err error) bool {
			var e *pgconn.PgError
			return errors.As(err, &e) && e.Code == "23505"
		},
		LockMigrations: func(ctx context.Context, tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLockID)
			return err
		},
	}
}

// Open connects to the database named by dsn (a postgres:// URL or key=value string).
// It does not migrate.
func Open(ctx context.Context, dsn string, reg prometheus.Registerer) (*store.Store, error) {
	// pgx parses the DSN on first use and masks its password in errors; a test holds it to that.
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	db.SetMaxOpenConns(16)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	s, err := store.New(db, db, Dialect(), reg)
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}
