// Package sqlite opens vigie's store on an embedded SQLite file (modernc.org/sqlite, no cgo).
package sqlite

import (
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path/filepath"
	"runtime"

	"github.com/prometheus/client_golang/prometheus"
	sqlite3 "modernc.org/sqlite"
	sqlite3lib "modernc.org/sqlite/lib"

	"vigie/internal/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Dialect describes SQLite to the shared store.
func Dialect() store.Dialect {
	sub, _ := fs.Sub(migrations, "migrations")
	return store.Dialect{
		Name:       "sqlite",
		Migrations: sub,
		IsUniqueViolation: func(err error) bool {
			var e *sqlite3.Error
			if !errors.As(err, &e) {
				return false
			}
			return e.Code() == sqlite3lib.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3lib.SQLITE_CONSTRAINT_PRIMARYKEY
		},
	}
}

// Open opens (creating if needed) the database file at path. It does not migrate.
//
// Settings and why: WAL lets readers run beside the writer; synchronous=FULL makes every
// commit durable before it returns, so a kill or power cut loses nothing acknowledged;
// one writer connection with BEGIN IMMEDIATE queues writers in Go instead of failing with
// SQLITE_BUSY; the busy timeout covers other processes (the CLI) writing at the same time.
func Open(path string, reg prometheus.Registerer) (*store.Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	pragmas := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(FULL)"} {
		pragmas.Add("_pragma", p)
	}
	dsn := func(extra url.Values) string {
		q := url.Values{}
		for k, v := range pragmas {
			q[k] = v
		}
		for k, v := range extra {
			q[k] = v
		}
		return "file:" + (&url.URL{Path: abs}).EscapedPath() + "?" + q.Encode()
	}

	write, err := sql.Open("sqlite", dsn(url.Values{"_txlock": {"immediate"}}))
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	// Open the file now so a bad path is reported here, not on the first request.
	if err := write.Ping(); err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite database %s: %w", abs, err)
	}

	read, err := sql.Open("sqlite", dsn(url.Values{"_pragma": append(append([]string{}, pragmas["_pragma"]...), "query_only(1)")}))
	if err != nil {
		write.Close()
		return nil, err
	}
	read.SetMaxOpenConns(max(4, runtime.NumCPU()))

	s, err := store.New(read, write, Dialect(), reg)
	if err != nil {
		read.Close()
		write.Close()
		return nil, err
	}
	return s, nil
}
