package source

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Scratch is a database made for one restore drill and dropped after it.
type Scratch struct {
	// Target is what a Restorer and SmokeQuery take: a database name on the source's server,
	// or a file path for SQLite.
	Target string
	drop   func(context.Context) error
}

// Drop removes the scratch database. It is safe to call more than once.
func (s *Scratch) Drop(ctx context.Context) error {
	if s == nil || s.drop == nil {
		return nil
	}
	drop := s.drop
	s.drop = nil
	return drop(ctx)
}

// NewScratch creates an empty database named vigie_drill_<random> next to the source's own:
// on its PostgreSQL or MariaDB server (the configured user needs the right to create
// databases), or in a private temporary directory for SQLite. conn is the source's
// PostgresConfig or MariaDBConfig, nil for SQLite.
func NewScratch(ctx context.Context, typ string, conn any) (*Scratch, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	name := "vigie_drill_" + hex.EncodeToString(b[:])
	switch typ {
	case TypePostgres:
		c, ok := conn.(PostgresConfig)
		if !ok {
			return nil, fmt.Errorf("scratch database: conn is a %T, not a PostgresConfig", conn)
		}
		if err := c.admin(ctx, `CREATE DATABASE "`+name+`"`); err != nil {
			return nil, fmt.Errorf("scratch database: %w", err)
		}
		return &Scratch{Target: name, drop: func(ctx context.Context) error {
			return c.admin(ctx, `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`)
		}}, nil
	case TypeMariaDB:
		c, ok := conn.(MariaDBConfig)
		if !ok {
			return nil, fmt.Errorf("scratch database: conn is a %T, not a MariaDBConfig", conn)
		}
		if _, err := c.client("", "--execute=CREATE DATABASE `"+name+"`").run(ctx, nil); err != nil {
			return nil, fmt.Errorf("scratch database: %w", err)
		}
		return &Scratch{Target: name, drop: func(ctx context.Context) error {
			_, err := c.client("", "--execute=DROP DATABASE IF EXISTS `"+name+"`").run(ctx, nil)
			return err
		}}, nil
	case TypeSQLite:
		dir, err := os.MkdirTemp("", "vigie-drill-")
		if err != nil {
			return nil, fmt.Errorf("scratch database: %w", err)
		}
		return &Scratch{Target: filepath.Join(dir, name+".sqlite"), drop: func(context.Context) error {
			return os.RemoveAll(dir)
		}}, nil
	}
	return nil, errors.New("scratch database: no restore for " + typ + " databases")
}

// admin runs one statement on the server's "postgres" maintenance database, outside any
// transaction (CREATE DATABASE cannot run in one).
func (c PostgresConfig) admin(ctx context.Context, statement string) error {
	dsn, password, err := c.connect("postgres")
	if err != nil {
		return err
	}
	args := []string{"--no-psqlrc", "--no-password", "--quiet", "--set=ON_ERROR_STOP=1", "--command=" + statement, "--dbname=" + dsn}
	_, err = pgCommand(or(c.Psql, "psql"), args, password).run(ctx, nil)
	return err
}

// Restorable reports whether a drill can restore dumps of this source type into a scratch
// database and question it.
func Restorable(typ string) bool {
	return typ == TypePostgres || typ == TypeMariaDB || typ == TypeSQLite
}

// RestorerFor returns the Restorer of a source type; conn as for NewScratch.
func RestorerFor(typ string, conn any) (Restorer, error) {
	switch typ {
	case TypePostgres:
		if c, ok := conn.(PostgresConfig); ok {
			return PostgresRestorer(c), nil
		}
	case TypeMariaDB:
		if c, ok := conn.(MariaDBConfig); ok {
			return MariaDBRestorer(c), nil
		}
	case TypeSQLite:
		return SQLiteRestorer(), nil
	}
	return nil, fmt.Errorf("no restorer for %s databases with %T", typ, conn)
}
