package snapshot_test

import (
	"archive/tar"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/klauspost/compress/zstd"

	"vigie/internal/backup/snapshot"
)

const chunk = 16 << 20

// fixture is a source tree with the awkward cases of real file systems, plus two streams.
type fixture struct {
	dir     string
	streams map[string][]byte
}

func newFixture(t testing.TB) fixture {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "src")
	base := time.Date(2025, 11, 3, 14, 15, 16, 0, time.UTC)
	files := []struct {
		name string
		data []byte
		mode fs.FileMode
	}{
		{"plain.txt", []byte("hello\n"), 0o644},
		{"with space.txt", []byte("spaces"), 0o644},
		{"new\nline", []byte("newline in the name"), 0o644},
		{"unicodé 日本語 ✓.txt", []byte("unicode"), 0o644},
		{strings.Repeat("n", 200), []byte("a 200-character name"), 0o644},
		{"dir/" + strings.Repeat("long-component-", 12) + "/file", []byte("long path"), 0o644},
		{"-rf", []byte("leading dash"), 0o644},
		{"empty", nil, 0o600},
		{"dir/secret", []byte("0600"), 0o600},
		{"dir/sub/deep.bin", randomBytes(1, 300<<10), 0o755},
		{"setuid-tool", []byte("#!/bin/sh\n"), 0o755 | fs.ModeSetuid},
		{"ro-dir/inside", []byte("in a read-only directory"), 0o444},
	}
	for i, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.name))
		mustWrite(t, p, f.data, f.mode)
		mt := base.Add(time.Duration(i) * time.Hour)
		if err := os.Chtimes(p, mt, mt); err != nil {
			t.Fatal(err)
		}
	}
	// A 64 MiB file of zeros but for a few bytes, sparse on disk.
	sparse := filepath.Join(dir, "sparse.img")
	f, err := os.Create(sparse)
	if err != nil {
		t.Fatal(err)
	}
	for _, off := range []int64{0, 1 << 20, 40 << 20, 64<<20 - 5} {
		if _, err := f.WriteAt([]byte("data!"), off); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	if err := os.Link(filepath.Join(dir, "plain.txt"), filepath.Join(dir, "zz-hardlink")); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "links"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]string{"rel": "../plain.txt", "dangling": "nowhere/at/all", "abs": "/etc/hostname"} {
		if err := os.Symlink(target, filepath.Join(dir, "links", name)); err != nil {
			t.Fatal(err)
		}
	}
	if isRoot() {
		if err := os.Lchown(filepath.Join(dir, "dir", "secret"), 1234, 5678); err != nil {
			t.Fatal(err)
		}
	}
	// Directories last, deepest first: writing into them moved their times.
	var dirs []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && p != dir {
			dirs = append(dirs, p)
		}
		return err
	})
	sort.Sort(sort.Reverse(sort.StringSlice(dirs)))
	for i, d := range dirs {
		mt := base.Add(-time.Duration(i+1) * 24 * time.Hour)
		if err := os.Chtimes(d, mt, mt); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(dir, "ro-dir"), 0o555); err != nil {
		t.Fatal(err)
	}
	writableOnCleanup(t, dir)
	return fixture{dir: dir, streams: map[string][]byte{
		"db/app.dump":   randomBytes(2, 40<<20),
		"db/empty.dump": {},
	}}
}

func (fx fixture) fill(t testing.TB) func(*snapshot.Writer) {
	return func(w *snapshot.Writer) {
		addTree(t, w, fx.dir)
		for _, name := range []string{"db/app.dump", "db/empty.dump"} {
			if err := w.Stream(name, 0o600, bytes.NewReader(fx.streams[name])); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestRoundTrip(t *testing.T) {
	fx := newFixture(t)
	key := newAgeKey(t)
	s := writeSnapshot(t, key.enc, key.ids, snapshot.Options{ChunkSize: chunk}, fx.fill(t))
	want := scanTree(t, fx.dir)

	byPath := map[string]snapshot.Entry{}
	for _, e := range s.m.Entries {
		byPath[e.Path] = e
	}
	app := byPath["db/app.dump"]
	if app.Type != snapshot.TypeStream || app.Parts != 3 || app.Size != 40<<20 || app.SHA256 != sha(fx.streams["db/app.dump"]) {
		t.Errorf("stream entry = %+v, want 3 parts of 40 MiB in all", app)
	}
	if e := byPath["db/empty.dump"]; e.Parts != 1 || e.Size != 0 || e.SHA256 != sha(nil) {
		t.Errorf("empty stream entry = %+v, want one empty part", e)
	}
	if e := byPath["setuid-tool"]; e.Mode != 0o4755 {
		t.Errorf("setuid-tool mode = %o in the manifest, want 4755", e.Mode)
	}
	if e := byPath["zz-hardlink"]; e.Type != snapshot.TypeHardlink || e.Link != "plain.txt" {
		t.Errorf("hard link entry = %+v", e)
	}
	if got, wantN := len(s.m.Entries), len(want)+2; got != wantN {
		t.Errorf("%d entries in the manifest, want %d", got, wantN)
	}
	if s.m.Time.Location() != time.UTC || s.m.Encryption != "age" || len(s.m.Recipients) != 1 || s.m.Format != snapshot.FormatVersion {
		t.Errorf("manifest header = %v %q %v format %d", s.m.Time, s.m.Encryption, s.m.Recipients, s.m.Format)
	}

	st, err := snapshot.Verify(s.open(t), s.m, key.ids)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	var bytesIn int64
	for _, e := range s.m.Entries {
		if e.Type == snapshot.TypeFile || e.Type == snapshot.TypeStream {
			bytesIn += e.Size
		}
	}
	if st.Entries != len(s.m.Entries) || st.Bytes != bytesIn {
		t.Errorf("Verify stats = %+v, want %d entries and %d bytes", st, len(s.m.Entries), bytesIn)
	}

	out := filepath.Join(t.TempDir(), "restore")
	writableOnCleanup(t, out)
	st, err = snapshot.Extract(s.open(t), s.m, key.ids, out, nil)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if st.Entries != len(s.m.Entries) {
		t.Errorf("Extract stats = %+v", st)
	}
	got := scanTree(t, out)
	compareTrees(t, want, got)
	for name, data := range fx.streams {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil || !bytes.Equal(b, data) {
			t.Errorf("stream %s restored as %d bytes (%v), want %d", name, len(b), err, len(data))
		}
	}
	for p := range got {
		if strings.Contains(p, ".part") || strings.Contains(p, ".vigie-restore") {
			t.Errorf("%q left in the restore directory", p)
		}
	}

	var dump bytes.Buffer
	if err := snapshot.StreamTo(s.open(t), s.m, key.ids, "db/app.dump", &dump); err != nil {
		t.Fatalf("StreamTo: %v", err)
	}
	if !bytes.Equal(dump.Bytes(), fx.streams["db/app.dump"]) {
		t.Error("StreamTo gave other bytes than the stream")
	}
	if err := snapshot.StreamTo(s.open(t), s.m, key.ids, "db/nope", io.Discard); !errors.Is(err, snapshot.ErrNotFound) {
		t.Errorf("StreamTo of a missing stream: %v, want ErrNotFound", err)
	}
}

func TestExtractOnly(t *testing.T) {
	key := newAgeKey(t)
	src := filepath.Join(t.TempDir(), "src")
	mustWrite(t, filepath.Join(src, "a/one"), []byte("1"), 0o644)
	mustWrite(t, filepath.Join(src, "a/two"), []byte("2"), 0o644)
	mustWrite(t, filepath.Join(src, "b/three"), []byte("3"), 0o644)
	if err := os.Link(filepath.Join(src, "a/one"), filepath.Join(src, "b/link-to-one")); err != nil {
		t.Fatal(err)
	}
	s := writeSnapshot(t, key.enc, key.ids, snapshot.Options{}, func(w *snapshot.Writer) {
		addTree(t, w, src)
		if err := w.Stream("dumps/x", 0o640, strings.NewReader("dump")); err != nil {
			t.Fatal(err)
		}
	})
	tests := []struct {
		only []string
		want []string
	}{
		{[]string{"a/two"}, []string{"a", "a/two"}},
		{[]string{"a"}, []string{"a", "a/one", "a/two"}},
		{[]string{"b/"}, []string{"a", "a/one", "b", "b/three", "b/link-to-one"}}, // the link's file comes along
		{[]string{"dumps/x"}, []string{"dumps", "dumps/x"}},
	}
	for _, tt := range tests {
		out := filepath.Join(t.TempDir(), "out")
		if _, err := snapshot.Extract(s.open(t), s.m, key.ids, out, tt.only); err != nil {
			t.Fatalf("Extract %v: %v", tt.only, err)
		}
		var got []string
		for p := range scanTree(t, out) {
			got = append(got, p)
		}
		sort.Strings(got)
		sort.Strings(tt.want)
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("Extract %v restored %v, want %v", tt.only, got, tt.want)
		}
	}
	if _, err := snapshot.Extract(s.open(t), s.m, key.ids, t.TempDir(), []string{"c"}); !errors.Is(err, snapshot.ErrNotFound) {
		t.Errorf("Extract of a missing path: %v, want ErrNotFound", err)
	}
}

func TestAddRejects(t *testing.T) {
	key := newAgeKey(t)
	w, err := snapshot.NewWriter(io.Discard, key.enc, snapshot.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Add(&tar.Header{Typeflag: tar.TypeReg, Name: "ok", Size: 2, Mode: 0o644}, strings.NewReader("ok")); err != nil {
		t.Fatal(err)
	}
	unsafe := []string{"../x", "a/../../x", "a/..", "..", "/etc/passwd", "/", "", ".", "./a", "a//b", "a/./b", "a/", "x\x00y"}
	for _, name := range unsafe {
		err := w.Add(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644}, strings.NewReader(""))
		if !errors.Is(err, snapshot.ErrUnsafePath) {
			t.Errorf("Add(%q) = %v, want ErrUnsafePath", name, err)
		}
		if err := w.Stream(name, 0o600, strings.NewReader("")); !errors.Is(err, snapshot.ErrUnsafePath) {
			t.Errorf("Stream(%q) = %v, want ErrUnsafePath", name, err)
		}
	}
	others := []struct {
		what string
		hdr  tar.Header
	}{
		{"duplicate", tar.Header{Typeflag: tar.TypeReg, Name: "ok"}},
		{"hard link to nothing", tar.Header{Typeflag: tar.TypeLink, Name: "l", Linkname: "missing"}},
		{"hard link escaping", tar.Header{Typeflag: tar.TypeLink, Name: "l", Linkname: "../ok"}},
		{"device", tar.Header{Typeflag: tar.TypeChar, Name: "dev"}},
		{"fifo", tar.Header{Typeflag: tar.TypeFifo, Name: "fifo"}},
		{"empty symlink", tar.Header{Typeflag: tar.TypeSymlink, Name: "s"}},
	}
	for _, tt := range others {
		if err := w.Add(&tt.hdr, nil); err == nil {
			t.Errorf("Add accepted a %s", tt.what)
		}
	}
	// The writer is still usable after refused headers, and the object is complete.
	if _, entries, err := w.Close(); err != nil || len(entries) != 1 {
		t.Errorf("Close = %v, %d entries; want the one good entry", err, len(entries))
	}
}

func TestAddBodyLength(t *testing.T) {
	key := newAgeKey(t)
	for _, tt := range []struct {
		what string
		size int64
		body string
	}{{"short body", 10, "12345"}, {"long body", 3, "12345"}} {
		w, err := snapshot.NewWriter(io.Discard, key.enc, snapshot.Options{})
		if err != nil {
			t.Fatal(err)
		}
		err = w.Add(&tar.Header{Typeflag: tar.TypeReg, Name: "f", Size: tt.size, Mode: 0o644}, strings.NewReader(tt.body))
		if err == nil {
			t.Errorf("%s accepted", tt.what)
		}
		if err2 := w.Add(&tar.Header{Typeflag: tar.TypeDir, Name: "d"}, nil); err2 == nil {
			t.Errorf("%s: the writer accepted more after a broken entry", tt.what)
		}
		if _, _, err := w.Close(); err == nil {
			t.Errorf("%s: Close succeeded on a broken object", tt.what)
		}
	}
}

func TestStreamParts(t *testing.T) {
	key := newAgeKey(t)
	for _, tt := range []struct {
		size, chunk, parts int
	}{{0, 4, 1}, {3, 4, 1}, {4, 4, 1}, {5, 4, 2}, {8, 4, 2}, {9, 4, 3}} {
		data := randomBytes(uint64(tt.size), tt.size)
		s := writeSnapshot(t, key.enc, key.ids, snapshot.Options{ChunkSize: tt.chunk}, func(w *snapshot.Writer) {
			if err := w.Stream("s", 0o600, bytes.NewReader(data)); err != nil {
				t.Fatal(err)
			}
		})
		if e := s.m.Entries[0]; e.Parts != tt.parts || e.Size != int64(tt.size) {
			t.Errorf("%d bytes in chunks of %d: %d parts, want %d", tt.size, tt.chunk, e.Parts, tt.parts)
		}
		var got bytes.Buffer
		if err := snapshot.StreamTo(bytes.NewReader(s.obj), s.m, key.ids, "s", &got); err != nil || !bytes.Equal(got.Bytes(), data) {
			t.Errorf("%d bytes in chunks of %d: StreamTo = %v, %d bytes", tt.size, tt.chunk, err, got.Len())
		}
	}
}

func TestStreamReadError(t *testing.T) {
	key := newAgeKey(t)
	w, err := snapshot.NewWriter(io.Discard, key.enc, snapshot.Options{ChunkSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("pg_dump exited with status 1")
	err = w.Stream("db", 0o600, io.MultiReader(strings.NewReader("123456"), errReader{boom}))
	if !errors.Is(err, boom) {
		t.Errorf("Stream = %v, want the dump's error", err)
	}
	if _, _, err := w.Close(); !errors.Is(err, boom) {
		t.Errorf("Close = %v, want the dump's error", err)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestPGPRoundTrip(t *testing.T) {
	key := newPGPKey(t, []byte("correct horse"))
	src := filepath.Join(t.TempDir(), "src")
	mustWrite(t, filepath.Join(src, "etc/app.conf"), []byte("x=1\n"), 0o640)
	mustWrite(t, filepath.Join(src, "big"), randomBytes(3, 1<<20), 0o644)
	s := writeSnapshot(t, key.enc, key.ids, snapshot.Options{}, func(w *snapshot.Writer) { addTree(t, w, src) })
	if s.m.Encryption != "pgp" || len(s.m.Recipients) != 1 || len(s.m.Recipients[0]) != 40 || key.enc.Ext() != ".gpg" {
		t.Errorf("manifest says %q %v, ext %q", s.m.Encryption, s.m.Recipients, key.enc.Ext())
	}
	if _, err := snapshot.Verify(s.open(t), s.m, key.ids); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	out := t.TempDir()
	if _, err := snapshot.Extract(s.open(t), s.m, key.ids, out, nil); err != nil {
		t.Fatalf("Extract: %v", err)
	}
	compareTrees(t, scanTree(t, src), scanTree(t, out))
}

func TestSigningKeyEncoding(t *testing.T) {
	key := newSigningKey(t)
	pemBytes, err := snapshot.MarshalSigningKey(key)
	if err != nil {
		t.Fatal(err)
	}
	back, err := snapshot.ParseSigningKey(pemBytes)
	if err != nil || !back.Equal(key) {
		t.Fatalf("ParseSigningKey = %v", err)
	}
	line := snapshot.MarshalPublicKey(key.Public().(ed25519.PublicKey))
	if strings.ContainsAny(line, "\n") || !strings.HasPrefix(line, "vigie-ed25519-pub ") {
		t.Errorf("public key line %q", line)
	}
	pub, err := snapshot.ParsePublicKey(line + "\n")
	if err != nil || !pub.Equal(key.Public()) {
		t.Fatalf("ParsePublicKey = %v", err)
	}
	for _, bad := range []string{"", "vigie-ed25519-pub", "vigie-ed25519-pub AAAA", "ssh-ed25519 AAAA"} {
		if _, err := snapshot.ParsePublicKey(bad); err == nil {
			t.Errorf("ParsePublicKey(%q) accepted", bad)
		}
	}
	sum := sha256.Sum256(key.Public().(ed25519.PublicKey))
	if snapshot.KeyID(key.Public().(ed25519.PublicKey)) != hex.EncodeToString(sum[:8]) {
		t.Error("KeyID is not the first 8 bytes of the key's SHA-256")
	}
}

func TestEmptySnapshot(t *testing.T) {
	key := newAgeKey(t)
	s := writeSnapshot(t, key.enc, key.ids, snapshot.Options{}, func(*snapshot.Writer) {})
	if st, err := snapshot.Verify(bytes.NewReader(s.obj), s.m, key.ids); err != nil || st.Entries != 0 {
		t.Errorf("Verify = %+v, %v", st, err)
	}
	out := filepath.Join(t.TempDir(), "out")
	if st, err := snapshot.Extract(bytes.NewReader(s.obj), s.m, key.ids, out, nil); err != nil || st.Entries != 0 {
		t.Errorf("Extract = %+v, %v", st, err)
	}
	if _, err := snapshot.Verify(bytes.NewReader(flip(s.obj, len(s.obj)-1)), s.m, key.ids); !errors.Is(err, snapshot.ErrTampered) {
		t.Errorf("Verify of a flipped empty snapshot = %v, want ErrTampered", err)
	}
}

func TestAddKeepsHeaderFields(t *testing.T) {
	key := newAgeKey(t)
	mtime := time.Date(2025, 6, 7, 8, 9, 10, 123456789, time.UTC)
	in := &tar.Header{
		Typeflag: tar.TypeReg, Name: "etc/app.conf", Size: 3, Mode: 0o4750,
		Uid: 1001, Gid: 1002, Uname: "app", Gname: "staff", ModTime: mtime,
		PAXRecords: map[string]string{"SCHILY.xattr.user.comment": "kept", "SCHILY.xattr.security.selinux": "system_u:object_r:etc_t:s0"},
	}
	s := writeSnapshot(t, key.enc, key.ids, snapshot.Options{}, func(w *snapshot.Writer) {
		if err := w.Add(in, strings.NewReader("x=1")); err != nil {
			t.Fatal(err)
		}
	})
	if e := s.m.Entries[0]; !e.ModTime.Equal(mtime) || e.Uid != 1001 || e.Gid != 1002 || e.Mode != 0o4750 {
		t.Errorf("manifest entry = %+v", e)
	}
	plain, err := age.Decrypt(bytes.NewReader(s.obj), key.id)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zstd.NewReader(plain)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	got, err := tar.NewReader(zr).Next()
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != in.Name || got.Mode != in.Mode || got.Uid != in.Uid || got.Gid != in.Gid ||
		got.Uname != in.Uname || got.Gname != in.Gname || !got.ModTime.Equal(mtime) {
		t.Errorf("tar header = %+v, want the fields of %+v", got, in)
	}
	for k, v := range in.PAXRecords {
		if got.PAXRecords[k] != v {
			t.Errorf("PAX record %s = %q, want %q", k, got.PAXRecords[k], v)
		}
	}
}
