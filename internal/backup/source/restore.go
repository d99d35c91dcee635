package source

import (
	"bytes"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
)

// Restorer puts a dump back into a database, for `vigie backup restore --to-database` and
// for restore drills.
type Restorer interface {
	// Restore reads dump to its end into target: a database name on the configured server,
	// a connection string, or a path, depending on the database.
	Restore(ctx context.Context, dump io.Reader, target string) error
}

type postgresRestorer struct{ c PostgresConfig }

// PostgresRestorer restores a "postgres" dump with `pg_restore --no-owner --clean
// --if-exists` into target: an existing database on c's server, or a connection string
// (postgres://... or keyword=value; it then uses its own password only). Objects of the
// dump that exist in target are dropped first.
func PostgresRestorer(c PostgresConfig) Restorer { return postgresRestorer{c: c} }

func (r postgresRestorer) Restore(ctx context.Context, dump io.Reader, target string) error {
	if target == "" {
		return errors.New("postgres restore: no target database")
	}
	dsn, password, err := r.c.connect(target)
	if err != nil {
		return fmt.Errorf("postgres restore: %w", err)
	}
	args := []string{"--no-owner", "--clean", "--if-exists", "--no-password", "--dbname=" + dsn}
	if _, err := pgCommand(or(r.c.PgRestore, "pg_restore"), args, password).run(ctx, dump); err != nil {
		return fmt.Errorf("postgres restore: %w", err)
	}
	return nil
}

type mariadbRestorer struct{ c MariaDBConfig }

// MariaDBRestorer restores a "mariadb" dump with `mariadb --database=target`, target being
// an existing database on c's server.
func MariaDBRestorer(c MariaDBConfig) Restorer { return mariadbRestorer{c: c} }

func (r mariadbRestorer) Restore(ctx context.Context, dump io.Reader, target string) error {
	if target == "" {
		return errors.New("mariadb restore: no target database")
	}
	if _, err := r.c.client(target).run(ctx, dump); err != nil {
		return fmt.Errorf("mariadb restore: %w", err)
	}
	return nil
}

// SmokeQuery runs query against a restored database and returns the first column of its
// first row as text ("" for NULL), for drills such as `SELECT count(*) FROM users` > 0.
// typ is TypePostgres (conn a PostgresConfig, target as for PostgresRestorer), TypeMariaDB
// (conn a MariaDBConfig, target a database name) or TypeSQLite (target a path, conn nil).
// A query that returns no row is an error.
func SmokeQuery(ctx context.Context, typ string, target string, query string, conn any) (string, error) {
	v, err := smokeQuery(ctx, typ, target, query, conn)
	if err != nil {
		return "", fmt.Errorf("smoke query on %s %s: %w", typ, printable(target), err)
	}
	return v, nil
}

func smokeQuery(ctx context.Context, typ string, target string, query string, conn any) (string, error) {
	switch typ {
	case TypePostgres:
		var c PostgresConfig
		switch cc := conn.(type) {
		case PostgresConfig:
			c = cc
		case *PostgresConfig:
			c = *cc
		case nil:
		default:
			return "", fmt.Errorf("conn is a %T, not a PostgresConfig", conn)
		}
		dsn, password, err := c.connect(target)
		if err != nil {
			return "", err
		}
		// Fields and records separated by NUL: the first field is what comes before the
		// first NUL, whatever the values hold.
		args := []string{"--no-psqlrc", "--no-password", "--tuples-only", "--no-align",
			"--field-separator-zero", "--record-separator-zero", "--set=ON_ERROR_STOP=1",
			"--command=" + query, "--dbname=" + dsn}
		out, err := pgCommand(or(c.Psql, "psql"), args, password).run(ctx, nil)
		if err != nil {
			return "", err
		}
		if len(out) == 0 {
			return "", errors.New("the query returned no row")
		}
		first, _, _ := bytes.Cut(out, []byte{0})
		return string(bytes.TrimSuffix(first, []byte("\n"))), nil
	case TypeMariaDB:
		var c MariaDBConfig
		switch cc := conn.(type) {
		case MariaDBConfig:
			c = cc
		case *MariaDBConfig:
			c = *cc
		case nil:
		default:
			return "", fmt.Errorf("conn is a %T, not a MariaDBConfig", conn)
		}
		out, err := c.client(target, "--batch", "--skip-column-names", "--execute="+query).run(ctx, nil)
		if err != nil {
			return "", err
		}
		if len(out) == 0 {
			return "", errors.New("the query returned no row")
		}
		line, _, _ := bytes.Cut(out, []byte("\n"))
		first, _, _ := bytes.Cut(line, []byte("\t"))
		if string(first) == "NULL" {
			return "", nil
		}
		return string(first), nil
	case TypeSQLite:
		return sqliteQuery(ctx, target, query)
	}
	return "", fmt.Errorf("no smoke query for %q databases", typ)
}

func sqliteQuery(ctx context.Context, path, query string) (string, error) {
	if err := regularFile(path); err != nil {
		return "", err
	}
	conn, err := openSQLite(ctx, path)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	q, ok := conn.(driver.QueryerContext)
	if !ok {
		return "", errors.New("the SQLite driver cannot run queries")
	}
	rows, err := q.QueryContext(ctx, query, nil)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	if len(rows.Columns()) == 0 {
		return "", errors.New("the query returned no column")
	}
	dest := make([]driver.Value, len(rows.Columns()))
	if err := rows.Next(dest); err == io.EOF {
		return "", errors.New("the query returned no row")
	} else if err != nil {
		return "", err
	}
	switch v := dest[0].(type) {
	case nil:
		return "", nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64), nil
	case bool:
		return strconv.FormatBool(v), nil
	case []byte:
		return string(v), nil
	case string:
		return v, nil
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano), nil
	default:
		return fmt.Sprint(v), nil
	}
}
