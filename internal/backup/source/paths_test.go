package source

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"vigie/internal/testutil"
)

func isRoot() bool { return os.Geteuid() == 0 }

func needRoot(t *testing.T) {
	t.Helper()
	if !isRoot() {
		testutil.Need(t, "root (owners, setuid, devices and mounts)", errors.New("not running as root"))
	}
}

func writeFile(t *testing.T, p string, data string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(p, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil { // past the umask
		t.Fatal(err)
	}
}

func mkdir(t *testing.T, p string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
}

// arcRoot is where a root's entries sit in the snapshot.
func arcRoot(name, root string) string { return "files/" + name + root }

// TestPathsRoundTrip writes a tree with everything a file system holds into a real tar
// stream, extracts it with GNU tar and compares both trees.
func TestPathsRoundTrip(t *testing.T) {
	needBinary(t, "tar")
	base := t.TempDir()
	src := filepath.Join(base, "data")
	mkdir(t, src, 0o755)

	writeFile(t, filepath.Join(src, "plain.txt"), "hello\n", 0o644)
	writeFile(t, filepath.Join(src, "secret"), "s3cret", 0o600)
	writeFile(t, filepath.Join(src, "script.sh"), "#!/bin/sh\necho hi\n", 0o755)
	writeFile(t, filepath.Join(src, "empty"), "", 0o640)
	odd := []string{"with space.txt", "new\nline", "tab\there", "bad\xffname\xfe", "-leading-dash", "ünïcödé ✓", "back\\slash", "quote'\"",
		strings.Repeat("long-name-", 20)}
	for i, n := range odd {
		writeFile(t, filepath.Join(src, n), strings.Repeat("x", i*100), 0o644)
	}
	mkdir(t, filepath.Join(src, "empty-dir"), 0o750)
	mkdir(t, filepath.Join(src, "sub", "deep", strings.Repeat("d", 60), strings.Repeat("e", 60)), 0o755)
	writeFile(t, filepath.Join(src, "sub", "deep", strings.Repeat("d", 60), strings.Repeat("e", 60), "file"), "deep\n", 0o644)
	for link, target := range map[string]string{"link-rel": "plain.txt", "link-abs": "/etc/passwd", "dangling": "no/such/file", "link-dir": "sub"} {
		if err := os.Symlink(target, filepath.Join(src, link)); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(src, "hard1"), "linked content\n", 0o644)
	for _, l := range []string{"hard2", "sub/hard3"} {
		if err := os.Link(filepath.Join(src, "hard1"), filepath.Join(src, l)); err != nil {
			t.Fatal(err)
		}
	}
	// A 64 MiB sparse file with data at both ends and in the middle.
	sparse, err := os.Create(filepath.Join(src, "sparse"))
	if err != nil {
		t.Fatal(err)
	}
	for _, off := range []int64{0, 32 << 20, 64<<20 - 5} {
		if _, err := sparse.WriteAt([]byte("data!"), off); err != nil {
			t.Fatal(err)
		}
	}
	sparse.Close()
	if err := unix.Mkfifo(filepath.Join(src, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("unix", filepath.Join(src, "sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if isRoot() {
		writeFile(t, filepath.Join(src, "setuid"), "#!/bin/sh\n", 0o755)
		writeFile(t, filepath.Join(src, "owned"), "someone else's\n", 0o640)
		if err := os.Chown(filepath.Join(src, "owned"), 1234, 2345); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(filepath.Join(src, "setuid"), os.ModeSetuid|os.ModeSetgid|0o755); err != nil {
			t.Fatal(err)
		}
		mkdir(t, filepath.Join(src, "sticky"), 0o777|os.ModeSticky)
	}
	// Distinct times, set last, deepest first, so that writing entries changes none.
	mtime := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	var all []string
	filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		all = append(all, p)
		return err
	})
	for i := len(all) - 1; i >= 0; i-- {
		m := mtime.Add(time.Duration(i) * time.Hour)
		if err := unix.Lutimes(all[i], []unix.Timeval{unix.NsecToTimeval(m.UnixNano()), unix.NsecToTimeval(m.UnixNano())}); err != nil {
			t.Fatal(err)
		}
	}

	s, err := NewPaths("site", PathsConfig{Paths: []string{src}})
	if err != nil {
		t.Fatal(err)
	}
	if s.Name() != "site" || s.Type() != TypePaths {
		t.Fatalf("Name, Type = %q, %q", s.Name(), s.Type())
	}
	out := filepath.Join(base, "restored")
	mkdir(t, out, 0o755)
	stats := extractWith(t, out, func(sink *tarSink) (Stats, error) { return s.Write(context.Background(), sink) })

	wantWarnings := []string{src + "/fifo: skipped a FIFO", src + "/sock: skipped a socket"}
	if !reflect.DeepEqual(stats.Warnings, wantWarnings) {
		t.Errorf("warnings = %q, want %q", stats.Warnings, wantWarnings)
	}
	if stats.Bytes < 64<<20 {
		t.Errorf("Bytes = %d, want at least the sparse file's 64 MiB", stats.Bytes)
	}
	restored := filepath.Join(out, arcRoot("site", src))
	compareTrees(t, src, restored)
	// The ancestors of the root are stored too, with their own metadata.
	fi, err := os.Stat(filepath.Join(out, arcRoot("site", filepath.Dir(src))))
	if err != nil || !fi.IsDir() {
		t.Errorf("ancestor of the root not restored: %v", err)
	}
	if a, b := inode(t, filepath.Join(restored, "hard1")), inode(t, filepath.Join(restored, "sub/hard3")); a != b {
		t.Errorf("hard links restored as separate files")
	}
	if a, b := inode(t, filepath.Join(restored, "hard1")), inode(t, filepath.Join(restored, "plain.txt")); a == b {
		t.Errorf("distinct files restored as one")
	}
}

// extractWith pipes the tar a source writes into `tar -x` in dir.
func extractWith(t *testing.T, dir string, write func(*tarSink) (Stats, error)) Stats {
	t.Helper()
	args := []string{"-x", "-f", "-", "-C", dir, "--numeric-owner", "--preserve-permissions"}
	cmd := exec.Command("tar", args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sink := newTarSink(stdin, t.TempDir())
	stats, werr := write(sink)
	if err := sink.Close(); err != nil && werr == nil {
		werr = err
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("tar -x: %v: %s", err, stderr.String())
	}
	if werr != nil {
		t.Fatal(werr)
	}
	if stderr.Len() > 0 {
		t.Errorf("tar -x says: %s", stderr.String())
	}
	return stats
}

func inode(t *testing.T, p string) uint64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

// compareTrees checks that got holds what want holds, sockets and FIFOs aside: types,
// permission bits, owners (as root), modification times, contents and link targets.
func compareTrees(t *testing.T, want, got string) {
	t.Helper()
	seen := map[string]bool{}
	err := filepath.WalkDir(want, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(want, p)
		var w, g unix.Stat_t
		if err := unix.Lstat(p, &w); err != nil {
			return err
		}
		switch w.Mode & unix.S_IFMT {
		case unix.S_IFSOCK, unix.S_IFIFO, unix.S_IFCHR, unix.S_IFBLK:
			return nil
		}
		seen[rel] = true
		gp := filepath.Join(got, rel)
		if err := unix.Lstat(gp, &g); err != nil {
			t.Errorf("%q: not restored: %v", rel, err)
			return nil
		}
		if w.Mode != g.Mode && w.Mode&unix.S_IFMT != unix.S_IFLNK {
			t.Errorf("%q: mode %o, want %o", rel, g.Mode, w.Mode)
		}
		if w.Mode&unix.S_IFMT != g.Mode&unix.S_IFMT {
			t.Errorf("%q: type %o, want %o", rel, g.Mode&unix.S_IFMT, w.Mode&unix.S_IFMT)
			return nil
		}
		if isRoot() && (w.Uid != g.Uid || w.Gid != g.Gid) {
			t.Errorf("%q: owner %d:%d, want %d:%d", rel, g.Uid, g.Gid, w.Uid, w.Gid)
		}
		if w.Mode&unix.S_IFMT != unix.S_IFLNK && w.Mtim.Sec != g.Mtim.Sec {
			t.Errorf("%q: mtime %v, want %v", rel, time.Unix(g.Mtim.Sec, 0), time.Unix(w.Mtim.Sec, 0))
		}
		switch w.Mode & unix.S_IFMT {
		case unix.S_IFREG:
			if a, b := fileSum(t, p), fileSum(t, gp); a != b || w.Size != g.Size {
				t.Errorf("%q: content differs (size %d, want %d)", rel, g.Size, w.Size)
			}
		case unix.S_IFLNK:
			a, _ := os.Readlink(p)
			b, _ := os.Readlink(gp)
			if a != b {
				t.Errorf("%q: link to %q, want %q", rel, b, a)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	filepath.WalkDir(got, func(p string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(got, p)
		if err == nil && !seen[rel] {
			t.Errorf("%q: restored but not in the source", rel)
		}
		return nil
	})
}

func fileSum(t *testing.T, p string) [32]byte {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return [32]byte(h.Sum(nil))
}

func writePaths(t *testing.T, c PathsConfig, sink Sink) (Stats, error) {
	t.Helper()
	s, err := NewPaths("n", c)
	if err != nil {
		t.Fatal(err)
	}
	return s.Write(context.Background(), sink)
}

// relNames lists the sink's entries below root, relative to it, in order.
func relNames(sink *memSink, root string) []string {
	prefix := arcRoot("n", root)
	var out []string
	for _, n := range sink.names() {
		if n == prefix {
			out = append(out, ".")
		} else if strings.HasPrefix(n, prefix+"/") {
			out = append(out, strings.TrimPrefix(n, prefix+"/"))
		}
	}
	return out
}

func TestPathsIncludeExclude(t *testing.T) {
	src := t.TempDir()
	for _, f := range []string{"a.conf", "a.log", "b.tmp", "logs/x.log", "cache/big.conf", "cache/sub/y",
		"www/index.html", "www/img/p.png", "www/img/deep/q.png", "www/x.tmp", "etc/app/app.conf", "etc/app/other",
		"etc/empty/.keep", "node_modules/m/index.js", "src/node_modules/n/i.js"} {
		mkdir(t, filepath.Dir(filepath.Join(src, f)), 0o755)
		writeFile(t, filepath.Join(src, f), f, 0o644)
	}
	tests := []struct {
		name             string
		include, exclude []string
		want             []string
	}{
		{"everything", nil, nil, []string{".", "a.conf", "a.log", "b.tmp", "cache", "cache/big.conf", "cache/sub", "cache/sub/y",
			"etc", "etc/app", "etc/app/app.conf", "etc/app/other", "etc/empty", "etc/empty/.keep", "logs", "logs/x.log",
			"node_modules", "node_modules/m", "node_modules/m/index.js", "src", "src/node_modules", "src/node_modules/n", "src/node_modules/n/i.js",
			"www", "www/img", "www/img/deep", "www/img/deep/q.png", "www/img/p.png", "www/index.html", "www/x.tmp"}},
		{"exclude names anywhere, directories not descended", nil, []string{"*.tmp", "node_modules/", "cache", "*.log"},
			[]string{".", "a.conf", "etc", "etc/app", "etc/app/app.conf", "etc/app/other", "etc/empty", "etc/empty/.keep", "logs",
				"src", "www", "www/img", "www/img/deep", "www/img/deep/q.png", "www/img/p.png", "www/index.html"}},
		{"anchored exclude and **", nil, []string{"/www/img/**", "etc/*/other", "**/n"},
			[]string{".", "a.conf", "a.log", "b.tmp", "cache", "cache/big.conf", "cache/sub", "cache/sub/y",
				"etc", "etc/app", "etc/app/app.conf", "etc/empty", "etc/empty/.keep", "logs", "logs/x.log",
				"node_modules", "node_modules/m", "node_modules/m/index.js", "src", "src/node_modules",
				"www", "www/index.html", "www/x.tmp"}},
		{"include files with their directories; exclude wins", []string{"*.conf", "www/"}, []string{"cache/", "www/img/deep", "*.tmp"},
			[]string{".", "a.conf", "etc", "etc/app", "etc/app/app.conf", "www", "www/img", "www/img/p.png", "www/index.html"}},
		{"include nothing matching", []string{"*.nothing"}, nil, []string{"."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := newMemSink()
			if _, err := writePaths(t, PathsConfig{Paths: []string{src}, Include: tt.include, Exclude: tt.exclude}, sink); err != nil {
				t.Fatal(err)
			}
			if got := relNames(sink, src); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("entries:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestPathsSymlinkRoot(t *testing.T) {
	base := t.TempDir()
	mkdir(t, filepath.Join(base, "releases", "42"), 0o755)
	writeFile(t, filepath.Join(base, "releases", "42", "app"), "v42", 0o644)
	if err := os.Symlink("releases/42", filepath.Join(base, "current")); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(base, "current")

	sink := newMemSink()
	if _, err := writePaths(t, PathsConfig{Paths: []string{link}}, sink); err != nil {
		t.Fatal(err)
	}
	h := sink.header(arcRoot("n", link))
	if h == nil || h.Typeflag != tar.TypeSymlink || h.Linkname != "releases/42" || len(relNames(sink, link)) != 1 {
		t.Errorf("a symlink root is stored as the link alone; got %q, header %+v", relNames(sink, link), h)
	}

	sink = newMemSink()
	if _, err := writePaths(t, PathsConfig{Paths: []string{link + "/"}}, sink); err != nil {
		t.Fatal(err)
	}
	if got, want := relNames(sink, link), []string{".", "app"}; !reflect.DeepEqual(got, want) {
		t.Errorf("with a trailing slash the link is followed: got %q, want %q", got, want)
	}
	if h := sink.header(arcRoot("n", link)); h == nil || h.Typeflag != tar.TypeDir {
		t.Errorf("followed root stored as %+v, want a directory", h)
	}
	if string(sink.data[arcRoot("n", link)+"/app"]) != "v42" {
		t.Errorf("content under a followed root not stored")
	}
}

func TestPathsSeveralRoots(t *testing.T) {
	base := t.TempDir()
	for _, f := range []string{"b/data/x", "a/data/y", "a b/z"} {
		mkdir(t, filepath.Dir(filepath.Join(base, f)), 0o755)
		writeFile(t, filepath.Join(base, f), f, 0o644)
	}
	if err := os.Link(filepath.Join(base, "a/data/y"), filepath.Join(base, "b/data/hard")); err != nil {
		t.Fatal(err)
	}
	sink := newMemSink()
	roots := []string{filepath.Join(base, "b/data"), filepath.Join(base, "a/data"), filepath.Join(base, "a b/z")}
	stats, err := writePaths(t, PathsConfig{Paths: roots}, sink)
	if err != nil {
		t.Fatal(err)
	}
	prefix := arcRoot("n", base)
	var got []string
	for _, n := range sink.names() {
		if strings.HasPrefix(n, prefix+"/") {
			got = append(got, strings.TrimPrefix(n, prefix+"/"))
		}
	}
	// Roots in lexical order ("a b/z" before "a/data": ' ' < '/'), each after its ancestors,
	// which are stored once.
	want := []string{"a b", "a b/z", "a", "a/data", "a/data/y", "b", "b/data", "b/data/hard", "b/data/x"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("entries:\n got %q\nwant %q", got, want)
	}
	if h := sink.header(prefix + "/b/data/hard"); h == nil || h.Typeflag != tar.TypeLink || h.Linkname != prefix+"/a/data/y" {
		t.Errorf("a hard link across roots: %+v", h)
	}
	if stats.Entries != len(sink.headers) {
		t.Errorf("Entries = %d, sink got %d", stats.Entries, len(sink.headers))
	}
}

func TestPathsLiveChanges(t *testing.T) {
	src := t.TempDir()
	content := strings.Repeat("0123456789", 1000)
	for _, f := range []string{"a", "b", "grows", "shrinks"} {
		writeFile(t, filepath.Join(src, f), content, 0o644)
	}
	sink := newMemSink()
	sink.beforeBody = func(h *tar.Header) {
		switch filepath.Base(h.Name) {
		case "a": // b is listed already: it vanishes between the walk and its open
			os.Remove(filepath.Join(src, "b"))
		case "grows":
			f, _ := os.OpenFile(filepath.Join(src, "grows"), os.O_APPEND|os.O_WRONLY, 0)
			f.WriteString("more and more")
			f.Close()
		case "shrinks":
			os.Truncate(filepath.Join(src, "shrinks"), 10)
		}
	}
	stats, err := writePaths(t, PathsConfig{Paths: []string{src}}, sink)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := relNames(sink, src), []string{".", "a", "grows", "shrinks"}; !reflect.DeepEqual(got, want) {
		t.Errorf("entries %q, want %q", got, want)
	}
	arc := arcRoot("n", src)
	if got := sink.data[arc+"/grows"]; string(got) != content {
		t.Errorf("a growing file is stored at its size when opened; got %d bytes", len(got))
	}
	if got := sink.data[arc+"/shrinks"]; len(got) != len(content) || string(got[:10]) != content[:10] || strings.Trim(string(got[10:]), "\x00") != "" {
		t.Errorf("a shrinking file is padded with zeros to its size when opened; got %q...", got[:20])
	}
	want := []string{
		src + "/b: vanished before it was read",
		src + "/grows: changed size while being read (10000 bytes when opened, 10013 after); stored 10000 bytes, truncated",
		src + "/shrinks: changed size while being read (10000 bytes when opened, 10 after); stored 10000 bytes, padded with zeros",
	}
	if !reflect.DeepEqual(stats.Warnings, want) {
		t.Errorf("warnings:\n got %q\nwant %q", stats.Warnings, want)
	}
}

func TestPathsSkipsSpecialFiles(t *testing.T) {
	needRoot(t)
	src := t.TempDir()
	if err := unix.Mknod(filepath.Join(src, "null"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mknod(filepath.Join(src, "blk"), unix.S_IFBLK|0o600, int(unix.Mkdev(7, 0))); err != nil {
		t.Fatal(err)
	}
	for i := range maxWarnings + 5 {
		if err := unix.Mkfifo(filepath.Join(src, fmt.Sprintf("fifo%04d", i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sink := newMemSink()
	stats, err := writePaths(t, PathsConfig{Paths: []string{src}}, sink)
	if err != nil {
		t.Fatal(err)
	}
	if got := relNames(sink, src); !reflect.DeepEqual(got, []string{"."}) {
		t.Errorf("entries %q", got)
	}
	if len(stats.Warnings) != maxWarnings+1 || stats.Warnings[0] != src+"/blk: skipped a device" ||
		stats.Warnings[maxWarnings] != "7 more warnings not listed" {
		t.Errorf("warnings (%d): first %q, last %q", len(stats.Warnings), stats.Warnings[0], stats.Warnings[len(stats.Warnings)-1])
	}
}

// TestPathsPermissionDenied reads a tree as an unprivileged user: a directory it may not
// read fails the source with an error naming it. As root the walk runs in a thread whose
// file-system uid is nobody's, which drops root's power to read anything.
func TestPathsPermissionDenied(t *testing.T) {
	base, err := os.MkdirTemp("", "vigie-perm-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	mkdir(t, base, 0o755)
	mkdir(t, filepath.Join(base, "a-open"), 0o755)
	writeFile(t, filepath.Join(base, "a-open", "f"), "x", 0o644)
	mkdir(t, filepath.Join(base, "closed"), 0o700)
	writeFile(t, filepath.Join(base, "closed", "f"), "x", 0o644)
	writeFile(t, filepath.Join(base, "unreadable"), "x", 0o600)
	if isRoot() {
		// Owned by root, closed to others: closed to nobody.
		if err := os.Chown(filepath.Join(base, "closed"), 0, 0); err != nil {
			t.Fatal(err)
		}
	} else {
		for _, p := range []string{"closed", "unreadable"} {
			os.Chmod(filepath.Join(base, p), 0)
		}
		t.Cleanup(func() { os.Chmod(filepath.Join(base, "closed"), 0o700) })
	}
	for _, tt := range []struct {
		name, root, want string
	}{
		{"directory", base, "open " + base + "/closed: permission denied"},
		{"file", filepath.Join(base, "unreadable"), "open " + base + "/unreadable: permission denied"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewPaths("n", PathsConfig{Paths: []string{tt.root}})
			if err != nil {
				t.Fatal(err)
			}
			_, err = asUnprivileged(func() (Stats, error) { return s.Write(context.Background(), newMemSink()) })
			if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, fs.ErrPermission) {
				t.Fatalf("error %v, want one saying %q", err, tt.want)
			}
		})
	}
}

// asUnprivileged runs f as nobody when the test runs as root; the thread it ran on is
// thrown away after.
func asUnprivileged(f func() (Stats, error)) (Stats, error) {
	if !isRoot() {
		return f()
	}
	type result struct {
		st  Stats
		err error
	}
	done := make(chan result)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with the goroutine
		if err := unix.Setfsuid(65534); err != nil {
			done <- result{err: err}
			return
		}
		st, err := f()
		done <- result{st, err}
	}()
	r := <-done
	return r.st, r.err
}

func TestPathsOneFileSystem(t *testing.T) {
	needRoot(t)
	src := t.TempDir()
	mnt := filepath.Join(src, "mnt")
	mkdir(t, mnt, 0o755)
	writeFile(t, filepath.Join(src, "here"), "x", 0o644)
	err := unix.Mount("tmpfs", mnt, "tmpfs", 0, "size=1m")
	testutil.Need(t, "mounting a tmpfs (CAP_SYS_ADMIN)", err)
	t.Cleanup(func() { unix.Unmount(mnt, unix.MNT_DETACH) })
	writeFile(t, filepath.Join(mnt, "there"), "y", 0o644)

	for _, one := range []bool{false, true} {
		sink := newMemSink()
		if _, err := writePaths(t, PathsConfig{Paths: []string{src}, OneFileSystem: one}, sink); err != nil {
			t.Fatal(err)
		}
		want := []string{".", "here", "mnt", "mnt/there"}
		if one {
			want = want[:3] // the mount point, empty
		}
		if got := relNames(sink, src); !reflect.DeepEqual(got, want) {
			t.Errorf("OneFileSystem %v: entries %q, want %q", one, got, want)
		}
	}
}

func TestPathsRootErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	_, err := writePaths(t, PathsConfig{Paths: []string{missing}}, newMemSink())
	if err == nil || !strings.Contains(err.Error(), missing) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing root: %v", err)
	}
	// A root that is a file is stored as the file.
	f := filepath.Join(t.TempDir(), "single")
	writeFile(t, f, "one", 0o600)
	sink := newMemSink()
	if _, err := writePaths(t, PathsConfig{Paths: []string{f}, Include: []string{"*.nothing"}}, sink); err != nil {
		t.Fatal(err)
	}
	if string(sink.data[arcRoot("n", f)]) != "one" {
		t.Errorf("a file root: entries %q", sink.names())
	}
}

func TestPathsCancel(t *testing.T) {
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "f"), "x", 0o644)
	s, err := NewPaths("n", PathsConfig{Paths: []string{src}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Write(ctx, newMemSink()); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// failingSink refuses regular files.
type failingSink struct {
	memSink
	err error
}

func (s *failingSink) Add(hdr *tar.Header, body io.Reader) error {
	if hdr.Typeflag == tar.TypeReg {
		return s.err
	}
	return s.memSink.Add(hdr, body)
}

func TestPathsSinkError(t *testing.T) {
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "f"), "x", 0o644)
	boom := errors.New("target full")
	_, err := writePaths(t, PathsConfig{Paths: []string{src}}, &failingSink{memSink: *newMemSink(), err: boom})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), src+"/f") {
		t.Errorf("error %v, want the sink's, naming the file", err)
	}
}

func TestNewPathsConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		c    PathsConfig
		want []string
	}{
		{"bad/name", PathsConfig{Paths: []string{"/x"}}, []string{`paths source name "bad/name"`}},
		{"n", PathsConfig{}, []string{"no paths"}},
		{"n", PathsConfig{Paths: []string{"rel/x", "/a\x00b"}}, []string{"path rel/x is not absolute", `path "/a\x00b" contains a NUL byte`}},
		{"n", PathsConfig{Paths: []string{"/srv/www/", "/srv/www", "/srv", "/srv x"}}, []string{"path /srv/www is given twice", "path /srv/www is inside /srv"}},
		{"n", PathsConfig{Paths: []string{"/", "/etc"}}, []string{"path /etc is inside /"}},
		{"n", PathsConfig{Paths: []string{"/x"}, Include: []string{"a//b", "[x"}, Exclude: []string{"../x", ""}},
			[]string{`include: pattern "a//b" has an empty segment`, `pattern "[x": syntax error in pattern`, `exclude: pattern "../x" has a ".." segment`, `pattern "" matches nothing`}},
	}
	for _, tt := range tests {
		_, err := NewPaths(tt.name, tt.c)
		if !errors.Is(err, ErrConfig) {
			t.Errorf("%+v: error %v, want ErrConfig", tt.c, err)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%+v: error %q does not say %q", tt.c, err, w)
			}
		}
	}
	if _, err := NewPaths("ok-name_1.x", PathsConfig{Paths: []string{"/srv/a", "/srv/ab", "/srv/a b"}}); err != nil {
		t.Errorf("valid config: %v", err)
	}
}

func TestPathsOrderIsLexical(t *testing.T) {
	src := t.TempDir()
	names := []string{"b", "B", "a", "a.b", "a-b", "a b", "ä", "1"}
	for _, n := range names {
		writeFile(t, filepath.Join(src, n), n, 0o644)
	}
	sink := newMemSink()
	if _, err := writePaths(t, PathsConfig{Paths: []string{src}}, sink); err != nil {
		t.Fatal(err)
	}
	got := relNames(sink, src)[1:]
	want := slices.Clone(names)
	slices.Sort(want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("order %q, want %q", got, want)
	}
}
