package source

import (
	"archive/tar"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"

	"modernc.org/sqlite"
)

// SQLiteConfig is a "sqlite" source: a consistent copy of a database that may be in use.
type SQLiteConfig struct {
	Path string
	// TempDir receives the copy while it is streamed; default os.TempDir(). It needs room
	// for the whole database: not a small tmpfs for a large one.
	TempDir string
}

type sqliteSource struct {
	name string
	c    SQLiteConfig
}

// NewSQLite returns a source storing a copy of a SQLite database as "db/<name>.sqlite".
//
// The copy is made by VACUUM INTO from a read-only connection: one read transaction, so it
// is consistent while other connections keep writing, and the original is left untouched.
// In WAL mode writers are not even blocked; in rollback-journal mode they wait for the copy. SQLite cannot stream such a copy, so it goes
// to a private temporary directory first and is removed once streamed: the one temporary
// file of vigie's sources besides mongodump's configuration.
func NewSQLite(name string, c SQLiteConfig) (Source, error) {
	if err := checkName(TypeSQLite, name); err != nil {
		return nil, err
	}
	if c.Path == "" {
		return nil, configError(TypeSQLite, name, "no path")
	}
	abs, err := filepath.Abs(c.Path)
	if err != nil {
		return nil, configError(TypeSQLite, name, "path: %v", err)
	}
	c.Path = abs
	return &sqliteSource{name: name, c: c}, nil
}

func (s *sqliteSource) Name() string { return s.name }
func (s *sqliteSource) Type() string { return TypeSQLite }

func (s *sqliteSource) Write(ctx context.Context, sink Sink) (Stats, error) {
	st, err := s.write(ctx, sink)
	if err != nil {
		return Stats{}, fmt.Errorf("sqlite source %q: %w", s.name, err)
	}
	return st, nil
}

func (s *sqliteSource) write(ctx context.Context, sink Sink) (Stats, error) {
	if err := regularFile(s.c.Path); err != nil {
		return Stats{}, err
	}
	dir, err := os.MkdirTemp(s.c.TempDir, "vigie-sqlite-")
	if err != nil {
		return Stats{}, err
	}
	defer os.RemoveAll(dir)
	copyPath := filepath.Join(dir, "copy.sqlite")
	if err := vacuumInto(ctx, s.c.Path, copyPath); err != nil {
		return Stats{}, err
	}
	f, err := os.Open(copyPath)
	if err != nil {
		return Stats{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Stats{}, err
	}
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: "db/" + s.name + ".sqlite", Size: fi.Size(), Mode: dumpMode, ModTime: fi.ModTime()}
	if err := sink.Add(hdr, io.LimitReader(f, fi.Size())); err != nil {
		return Stats{}, err
	}
	return Stats{Entries: 1, Bytes: fi.Size()}, nil
}

func vacuumInto(ctx context.Context, src, dst string) error {
	conn, err := openSQLite(ctx, src)
	if err != nil {
		return err
	}
	defer conn.Close()
	ex, ok := conn.(driver.ExecerContext)
	if !ok {
		return errors.New("the SQLite driver cannot execute statements")
	}
	if _, err := ex.ExecContext(ctx, "VACUUM INTO ?", []driver.NamedValue{{Ordinal: 1, Value: dst}}); err != nil {
		return fmt.Errorf("copying %s: %w", printable(src), err)
	}
	return nil
}

// regularFile checks that a database exists before it is opened: SQLite would otherwise
// show a missing one as empty.
func regularFile(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", printable(path))
	}
	return nil
}

// openSQLite opens path read-only, waiting up to 30 s for a lock.
func openSQLite(ctx context.Context, path string) (driver.Conn, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	q := url.Values{"mode": {"ro"}, "_pragma": {"busy_timeout(30000)"}}
	dsn := (&url.URL{Scheme: "file", Path: abs, RawQuery: q.Encode()}).String()
	connector, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	conn, err := connector.Connect(ctx)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", printable(path), err)
	}
	return conn, nil
}

type sqliteRestorer struct{}

// SQLiteRestorer writes a SQLite database to the target path, atomically: a file next to it,
// synced, then renamed over it. The target must not be in use; one with a WAL or rollback
// journal left is refused, as SQLite would replay it into the restored file.
func SQLiteRestorer() Restorer { return sqliteRestorer{} }

func (sqliteRestorer) Restore(ctx context.Context, dump io.Reader, target string) error {
	for _, j := range []string{target + "-wal", target + "-journal"} {
		if fi, err := os.Stat(j); err == nil && fi.Size() > 0 {
			return fmt.Errorf("sqlite restore: %s exists: is the database in use? remove it with its journal first", printable(j))
		}
	}
	dir, base := filepath.Split(target)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".restore-")
	if err != nil {
		return fmt.Errorf("sqlite restore: %w", err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	head := make([]byte, len(sqliteMagic))
	if _, err := io.ReadFull(dump, head); err != nil || string(head) != sqliteMagic {
		return fmt.Errorf("sqlite restore: the dump is not a SQLite database")
	}
	if _, err := tmp.Write(head); err != nil {
		return fmt.Errorf("sqlite restore: %w", err)
	}
	if _, err := io.Copy(tmp, &ctxReader{ctx: ctx, r: dump}); err != nil {
		return fmt.Errorf("sqlite restore: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("sqlite restore: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("sqlite restore: %w", err)
	}
	os.Remove(target + "-shm") // an index of a WAL that is no longer there
	if err := os.Rename(tmp.Name(), target); err != nil {
		return fmt.Errorf("sqlite restore: %w", err)
	}
	done = true
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

const sqliteMagic = "SQLite format 3\x00"

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
