package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"vigie/internal/errs"
)

// Migration is one numbered schema change. AppliedAt is zero while pending.
type Migration struct {
	Version   int
	Name      string
	AppliedAt time.Time
	sql       string
}

// ErrDatabaseNewer is wrapped by Migrate and MigrationStatus when the database holds
// migrations this binary does not know: an older binary must not write to a newer schema.
var ErrDatabaseNewer = errs.E(errs.Conflict, "database schema is newer than this vigie binary")

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	applied_at BIGINT NOT NULL
)`

// LoadMigrations reads NNNN_name.sql files from fsys, in version order. Versions are unique;
// gaps are allowed, because features developed side by side each take their own number and
// land in whatever order they are merged.
func LoadMigrations(fsys fs.FS) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || path.Ext(name) != ".sql" {
			continue
		}
		num, rest, ok := strings.Cut(strings.TrimSuffix(name, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 || rest == "" {
			return nil, fmt.Errorf("migration file %q: want NNNN_name.sql", name)
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: rest, sql: string(body)})
	}
	slices.SortFunc(ms, func(a, b Migration) int { return a.Version - b.Version })
	for i := 1; i < len(ms); i++ {
		if ms[i].Version == ms[i-1].Version {
			return nil, fmt.Errorf("migration %04d_%s: version %d is also %04d_%s (versions must not repeat)",
				ms[i].Version, ms[i].Name, ms[i].Version, ms[i-1].Version, ms[i-1].Name)
		}
	}
	return ms, nil
}

// MigrationStatus lists known migrations with their applied time, without changing anything.
// Versions in the database that this binary does not know give ErrDatabaseNewer.
func (s *Store) MigrationStatus(ctx context.Context) ([]Migration, error) {
	known, err := LoadMigrations(s.d.Migrations)
	if err != nil {
		return nil, err
	}
	applied, err := s.appliedMigrations(ctx, s.read)
	if err != nil {
		return nil, err
	}
	if err := checkNotNewer(known, applied); err != nil {
		return known, err
	}
	for i := range known {
		known[i].AppliedAt = applied[known[i].Version]
	}
	return known, nil
}

// Pending counts migrations not yet applied.
func Pending(ms []Migration) int {
	n := 0
	for _, m := range ms {
		if m.AppliedAt.IsZero() {
			n++
		}
	}
	return n
}

// Migrate applies pending migrations in one transaction: either all of them land or none.
func (s *Store) Migrate(ctx context.Context) (applied int, err error) {
	defer s.observe("migrate")()
	known, err := LoadMigrations(s.d.Migrations)
	if err != nil {
		return 0, err
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return 0, s.wrap(err, "migrations")
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	// Lock before creating the table: two nodes starting together must not race on it.
	if s.d.LockMigrations != nil {
		if err := s.d.LockMigrations(ctx, tx); err != nil {
			return 0, s.wrap(err, "migration lock")
		}
	}
	if _, err := tx.ExecContext(ctx, createMigrationsTable); err != nil {
		return 0, s.wrap(err, "migrations table")
	}
	done, err := s.appliedMigrations(ctx, tx)
	if err != nil {
		return 0, err
	}
	if err := checkNotNewer(known, done); err != nil {
		return 0, err
	}
	now := time.Now().UnixMicro()
	for _, m := range known {
		if _, ok := done[m.Version]; ok {
			continue
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return 0, fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
			m.Version, m.Name, now); err != nil {
			return 0, s.wrap(err, "migration record")
		}
		applied++
	}
	if err := tx.Commit(); err != nil {
		return 0, s.wrap(err, "migrations commit")
	}
	return applied, nil
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func (s *Store) appliedMigrations(ctx context.Context, q querier) (map[int]time.Time, error) {
	exists, err := s.migrationsTableExists(ctx, q)
	if err != nil || !exists {
		return map[int]time.Time{}, err
	}
	rows, err := q.QueryContext(ctx, `SELECT version, applied_at FROM schema_migrations`)
	if err != nil {
		return nil, s.wrap(err, "migrations")
	}
	defer rows.Close()
	out := map[int]time.Time{}
	for rows.Next() {
		var v int
		var at sql.NullInt64
		if err := rows.Scan(&v, &at); err != nil {
			return nil, s.wrap(err, "migrations")
		}
		out[v] = fromMicros(at)
	}
	return out, s.wrap(rows.Err(), "migrations")
}

func (s *Store) migrationsTableExists(ctx context.Context, q querier) (bool, error) {
	query := `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`
	if s.d.Name == "postgres" {
		query = `SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'schema_migrations'`
	}
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return false, s.wrap(err, "migrations")
	}
	defer rows.Close()
	var n int
	if rows.Next() {
		if err := rows.Scan(&n); err != nil {
			return false, s.wrap(err, "migrations")
		}
	}
	return n > 0, s.wrap(rows.Err(), "migrations")
}

// checkNotNewer refuses a database holding a migration this binary does not know.
func checkNotNewer(known []Migration, applied map[int]time.Time) error {
	var unknown []int
	for v := range applied {
		if !slices.ContainsFunc(known, func(m Migration) bool { return m.Version == v }) {
			unknown = append(unknown, v)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	latest := 0
	if len(known) > 0 {
		latest = known[len(known)-1].Version
	}
	return fmt.Errorf("%w: it has migration %d, this binary knows up to %d; run a newer vigie (or restore a backup taken before the upgrade)",
		ErrDatabaseNewer, unknown[len(unknown)-1], latest)
}
