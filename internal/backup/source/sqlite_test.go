package source

import (
	"bytes"
	"context"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"modernc.org/sqlite"
)

// openWAL opens a database for writing in WAL mode, as an application would.
func openWAL(t *testing.T, path string) *sql.DB {
	t.Helper()
	q := url.Values{"_pragma": {"journal_mode(WAL)", "busy_timeout(10000)"}}
	connector, err := sqlite.NewConnector((&url.URL{Scheme: "file", Path: path, RawQuery: q.Encode()}).String())
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

func TestSQLiteLiveRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app ?#% db.sqlite") // characters a URI must escape
	db := openWAL(t, path)
	const preload = 20000
	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, b BLOB);
		CREATE TABLE counter (n INTEGER); INSERT INTO counter VALUES (0);
		WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 20000)
		INSERT INTO t (v, b) SELECT 'row ' || i, randomblob(200) FROM s;`); err != nil {
		t.Fatal(err)
	}
	// A writer keeps adding a row and counting it in the same transaction: a copy that is
	// not a single point in time breaks the invariant count(t) = preload + counter.n.
	var commits atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			tx, err := db.Begin()
			if err != nil {
				t.Error(err)
				return
			}
			_, err1 := tx.Exec("INSERT INTO t (v, b) VALUES ('live', randomblob(500))")
			_, err2 := tx.Exec("UPDATE counter SET n = n + 1")
			if err := tx.Commit(); err1 != nil || err2 != nil || err != nil {
				t.Error(err1, err2, err)
				return
			}
			commits.Add(1)
		}
	}()
	defer func() {
		close(stop)
		wg.Wait()
	}()
	for commits.Load() < 10 {
		runtime.Gosched() // let the writer get going
	}

	tmp := t.TempDir()
	src, err := NewSQLite("app", SQLiteConfig{Path: path, TempDir: tmp})
	if err != nil {
		t.Fatal(err)
	}
	if src.Name() != "app" || src.Type() != TypeSQLite {
		t.Errorf("Name, Type = %q, %q", src.Name(), src.Type())
	}
	for i := range 3 {
		before := commits.Load()
		sink := newMemSink()
		stats, err := src.Write(context.Background(), sink)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("copy %d: %d bytes while the writer committed %d times", i, stats.Bytes, commits.Load()-before)
		copied := sink.data["db/app.sqlite"]
		if !bytes.HasPrefix(copied, []byte(sqliteMagic)) || stats.Bytes != int64(len(copied)) || stats.Entries != 1 {
			t.Fatalf("copy %d: not a SQLite file (%d bytes, stats %+v)", i, len(copied), stats)
		}
		if h := sink.header("db/app.sqlite"); h.Mode != 0o600 || h.Size != int64(len(copied)) {
			t.Errorf("header %+v", h)
		}
		if left, _ := os.ReadDir(tmp); len(left) != 0 {
			t.Errorf("temporary files left: %v", left)
		}
		restored := filepath.Join(dir, "restored.sqlite")
		if err := SQLiteRestorer().Restore(context.Background(), bytes.NewReader(copied), restored); err != nil {
			t.Fatal(err)
		}
		if got := smoke(t, TypeSQLite, restored, "PRAGMA integrity_check", nil); got != "ok" {
			t.Errorf("copy %d: integrity_check says %q", i, got)
		}
		if got := smoke(t, TypeSQLite, restored, "SELECT (SELECT count(*) FROM t) - (SELECT n FROM counter)", nil); got != "20000" {
			t.Errorf("copy %d is inconsistent: rows minus counted rows = %s, want %d", i, got, preload)
		}
	}
	if got := smoke(t, TypeSQLite, path, "SELECT 'text', 1", nil); got != "text" {
		t.Errorf("smoke query on a live database: %q", got)
	}
	if got := smoke(t, TypeSQLite, path, "SELECT 2.5", nil); got != "2.5" {
		t.Errorf("smoke query on a float: %q", got)
	}
	if got := smoke(t, TypeSQLite, path, "SELECT NULL", nil); got != "" {
		t.Errorf("NULL reads %q", got)
	}
	if _, err := SmokeQuery(context.Background(), TypeSQLite, path, "SELECT 1 WHERE 0", nil); err == nil || !strings.Contains(err.Error(), "no row") {
		t.Errorf("no row: %v", err)
	}
}

func TestSQLiteMissing(t *testing.T) {
	dir, tmp := t.TempDir(), t.TempDir()
	missing := filepath.Join(dir, "missing.sqlite")
	src, err := NewSQLite("app", SQLiteConfig{Path: missing, TempDir: tmp})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Write(context.Background(), newMemSink()); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing database: %v", err)
	}
	if _, err := SmokeQuery(context.Background(), TypeSQLite, missing, "SELECT 1", nil); err == nil {
		t.Error("smoke query on a missing database succeeded")
	}
	for _, d := range []string{dir, tmp} {
		if left, _ := os.ReadDir(d); len(left) != 0 {
			t.Errorf("files left in %s: %v", d, left)
		}
	}
	if _, err := NewSQLite("app", SQLiteConfig{}); err == nil {
		t.Error("no path accepted")
	}
}

func TestSQLiteRestorer(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src.sqlite")
	db := openWAL(t, src)
	if _, err := db.Exec("CREATE TABLE x (v); INSERT INTO x VALUES (42)"); err != nil {
		t.Fatal(err)
	}
	s, _ := NewSQLite("s", SQLiteConfig{Path: src})
	sink := newMemSink()
	if _, err := s.Write(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	dump := sink.data["db/s.sqlite"]

	target := filepath.Join(dir, "target.sqlite")
	if err := os.WriteFile(target, []byte("old content"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := SQLiteRestorer().Restore(context.Background(), strings.NewReader("not a database at all"), target); err == nil {
		t.Error("a dump that is not SQLite was restored")
	}
	if b, _ := os.ReadFile(target); string(b) != "old content" {
		t.Error("a failed restore changed the target")
	}
	os.WriteFile(target+"-wal", []byte("frames"), 0o600)
	if err := SQLiteRestorer().Restore(context.Background(), bytes.NewReader(dump), target); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("restore over a database with a WAL: %v", err)
	}
	os.Remove(target + "-wal")
	if err := SQLiteRestorer().Restore(context.Background(), bytes.NewReader(dump), target); err != nil {
		t.Fatal(err)
	}
	if got := smoke(t, TypeSQLite, target, "SELECT v FROM x", nil); got != "42" {
		t.Errorf("restored value %q", got)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".restore-") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}
