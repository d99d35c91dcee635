package snapshot_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vigie/internal/backup/snapshot"
)

// The promise to operators: a snapshot restores with Debian's age (or gpg), zstd and tar alone.

func TestRestoreWithAgeZstdTar(t *testing.T) {
	needTools(t, "age", "zstd", "tar")
	fx := newFixture(t)
	key := newAgeKey(t)
	s := writeSnapshot(t, key.enc, key.ids, snapshot.Options{ChunkSize: chunk}, fx.fill(t))
	out := restoreDir(t)
	env := []string{"KEY=" + key.keyFile, "OBJ=" + s.objPath, "OUT=" + out}
	mustRun(t, env, `age -d -i "$KEY" "$OBJ" | zstd -d -q | tar -xpf - -C "$OUT"`)
	checkPlainRestore(t, fx, out, env)
}

func TestRestoreWithGPGZstdTar(t *testing.T) {
	needTools(t, "gpg", "gpgconf", "zstd", "tar")
	fx := newFixture(t)
	key := newPGPKey(t, nil)
	s := writeSnapshot(t, key.enc, key.ids, snapshot.Options{ChunkSize: chunk}, fx.fill(t))

	home := t.TempDir()
	if err := os.Chmod(home, 0o700); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "secret.asc")
	if err := os.WriteFile(keyFile, []byte(key.secretArmor), 0o600); err != nil {
		t.Fatal(err)
	}
	out := restoreDir(t)
	env := []string{"GNUPGHOME=" + home, "KEY=" + keyFile, "OBJ=" + s.objPath, "OUT=" + out}
	t.Cleanup(func() { mustRun(t, env, `gpgconf --kill all`) })
	mustRun(t, env, `gpg --batch --quiet --import "$KEY"`)
	mustRun(t, env, `gpg --batch --quiet --pinentry-mode loopback --passphrase '' -d "$OBJ" | zstd -d -q | tar -xpf - -C "$OUT"`)
	checkPlainRestore(t, fx, out, env)
}

func restoreDir(t *testing.T) string {
	out := filepath.Join(t.TempDir(), "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	writableOnCleanup(t, out)
	return out
}

// checkPlainRestore compares what tar restored with the source, and the streams' parts,
// joined with cat, with the streams.
func checkPlainRestore(t *testing.T, fx fixture, out string, env []string) {
	t.Helper()
	got := scanTree(t, out)
	compareTrees(t, scanTree(t, fx.dir), got)
	for name, data := range fx.streams {
		joined := mustRun(t, append(env, "NAME="+name), `cat "$OUT/$NAME".part*`)
		if joined != string(data) {
			t.Errorf("cat %s.part* gives %d bytes, want the %d of the stream", name, len(joined), len(data))
		}
	}
	if n := countPrefix(got, "db/app.dump.part"); n != 3 {
		t.Errorf("%d parts of db/app.dump, want 3", n)
	}
	if n := countPrefix(got, "db/empty.dump.part"); n != 1 {
		t.Errorf("%d parts of db/empty.dump, want 1", n)
	}
}

func countPrefix(tree map[string]node, prefix string) int {
	n := 0
	for p := range tree {
		if strings.HasPrefix(p, prefix) {
			n++
		}
	}
	return n
}
