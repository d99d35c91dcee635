// Package store is vigie's persistence: one implementation over database/sql that runs on
// SQLite (the embedded default) and PostgreSQL (for several nodes). The two differ only in
// their Dialect and their migration files, which live in the sqlite and postgres packages.
//
// Times are stored as Unix microseconds (UTC) in integer columns on both backends, so the
// same SQL compares and orders them exactly.
package store

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"vigie/internal/errs"
)

// Dialect is what differs between the SQL backends.
type Dialect struct {
	Name string // "sqlite" or "postgres"
	// Positional reports whether placeholders are $1, $2... rather than ?.
	Positional bool
	// IsUniqueViolation recognises the backend's unique-constraint error.
	IsUniqueViolation func(error) bool
	// Migrations holds NNNN_name.sql files.
	Migrations fs.FS
	// LockMigrations serialises migrations across nodes inside tx; nil when the backend
	// already serialises writers.
	LockMigrations func(ctx context.Context, tx *sql.Tx) error
	// SkipLocked is appended to a claiming SELECT so workers on several nodes take different
	// rows; empty where there is one writer anyway.
	SkipLocked string
}

// Store is the database. Reads go through read; writes through write, which for SQLite is a
// single connection so writers queue in Go instead of failing with SQLITE_BUSY.
type Store struct {
	read, write *sql.DB
	d           Dialect
	opDuration  *prometheus.HistogramVec
}

// New wraps open database handles. read and write may be the same pool. reg may be nil.
func New(read, write *sql.DB, d Dialect, reg prometheus.Registerer) (*Store, error) {
	s := &Store{read: read, write: write, d: d,
		opDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "vigie_store_operation_duration_seconds",
			Help:    "Time taken by store operations, by operation.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"op"})}
	if reg != nil {
		if err := reg.Register(s.opDuration); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Driver names the backend.
func (s *Store) Driver() string { return s.d.Name }

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error {
	defer s.observe("ping")()
	if err := s.read.PingContext(ctx); err != nil {
		return errs.Wrap(errs.Unavailable, err, "database unreachable")
	}
	return nil
}

// Close closes the database handles.
func (s *Store) Close() error {
	err := s.read.Close()
	if s.write != s.read {
		err = errors.Join(err, s.write.Close())
	}
	return err
}

func (s *Store) observe(op string) func() {
	start := time.Now()
	return func() { s.opDuration.WithLabelValues(op).Observe(time.Since(start).Seconds()) }
}

// q adapts a query written with ? placeholders to the dialect.
func (s *Store) q(query string) string {
	if !s.d.Positional {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (s *Store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return s.write.ExecContext(ctx, s.q(query), args...)
}

// execOne runs a write that must touch exactly one row; none is errs.NotFound.
func (s *Store) execOne(ctx context.Context, what, query string, args ...any) error {
	res, err := s.exec(ctx, query, args...)
	if err != nil {
		return s.wrap(err, what)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return s.wrap(err, what)
	}
	if n == 0 {
		return errs.E(errs.NotFound, "%s not found", what)
	}
	return nil
}

// insert runs an INSERT ... RETURNING id.
func (s *Store) insert(ctx context.Context, what, query string, args ...any) (int64, error) {
	var id int64
	if err := s.write.QueryRowContext(ctx, s.q(query+" RETURNING id"), args...).Scan(&id); err != nil {
		return 0, s.wrap(err, what)
	}
	return id, nil
}

func (s *Store) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return s.read.QueryRowContext(ctx, s.q(query), args...)
}

func (s *Store) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return s.read.QueryContext(ctx, s.q(query), args...)
}

// wrap turns driver errors into domain errors.
func (s *Store) wrap(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return errs.E(errs.NotFound, "%s not found", what)
	case s.d.IsUniqueViolation != nil && s.d.IsUniqueViolation(err):
		return errs.Wrap(errs.Conflict, err, "%s already exists", what)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return errs.Wrap(errs.Internal, err, "store: %s", what)
}

// micros encodes a time for storage; the zero time is NULL.
func micros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

// fromMicros decodes a stored time; NULL is the zero time.
func fromMicros(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMicro(v.Int64).UTC()
}
