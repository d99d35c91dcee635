package local

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vigie/internal/backup/target"
	"vigie/internal/backup/target/targettest"
)

func open(t *testing.T) target.Target {
	tg, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tg.Close() })
	return tg
}

func TestConformance(t *testing.T) {
	targettest.Run(t, open)
}

func TestNewRefusesMissingDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "not-mounted")
	_, err := New(dir)
	if err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("New(missing) error = %v, want one naming %s as missing", err, dir)
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(file); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("New(file) error = %v, want \"not a directory\"", err)
	}
}

func TestString(t *testing.T) {
	dir := t.TempDir()
	tg, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tg.String(), "file://"+dir; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestSpace(t *testing.T) {
	tg, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	free, total, err := tg.Space(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if total <= 0 || free < 0 || free > total {
		t.Errorf("Space() = free %d, total %d; want 0 <= free <= total, total > 0", free, total)
	}
	// The file system holding the test's temporary directory has room for the tests.
	if free < 1<<20 {
		t.Errorf("Space() free = %d, implausibly small", free)
	}
}

func TestCleanupRemovesOldTemporariesOnly(t *testing.T) {
	dir := t.TempDir()
	tg, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := tg.Put(ctx, "web/a", bytes.NewReader([]byte("a"))); err != nil {
		t.Fatal(err)
	}
	// What a killed Put and a killed lock takeover leave behind.
	old := filepath.Join(dir, "web", target.TempPrefix+"killed")
	oldLock := filepath.Join(dir, target.LockDir, target.TempPrefix+"stale-x")
	fresh := filepath.Join(dir, "web", target.TempPrefix+"running")
	for _, p := range []string{old, oldLock, fresh} {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	hourAgo := time.Now().Add(-time.Hour)
	for _, p := range []string{old, oldLock} {
		if err := os.Chtimes(p, hourAgo, hourAgo); err != nil {
			t.Fatal(err)
		}
	}
	objs, err := tg.List(ctx, "")
	if err != nil || len(objs) != 1 || objs[0].Name != "web/a" {
		t.Fatalf("List() = %+v, %v; want only web/a", objs, err)
	}
	n, err := tg.Cleanup(ctx, 10*time.Minute)
	if err != nil || n != 2 {
		t.Fatalf("Cleanup(10m) = %d, %v; want 2", n, err)
	}
	for p, want := range map[string]bool{old: false, oldLock: false, fresh: true, filepath.Join(dir, "web", "a"): true} {
		if _, err := os.Stat(p); (err == nil) != want {
			t.Errorf("%s exists = %v, want %v", p, err == nil, want)
		}
	}
	if n, err := tg.Cleanup(ctx, 0); err != nil || n != 1 {
		t.Errorf("Cleanup(0) = %d, %v; want 1", n, err)
	}
}

func TestPutLeavesPrivateFiles(t *testing.T) {
	dir := t.TempDir()
	tg, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tg.Put(context.Background(), "a/b", bytes.NewReader([]byte("x"))); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, "a", "b"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("object mode = %v, want 0600", fi.Mode().Perm())
	}
}
