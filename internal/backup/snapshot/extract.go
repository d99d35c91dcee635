package snapshot

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/semaphore"
)

// Extract restores the snapshot's entries under dir: all of them, or those whose path equals or
// is under one of only (plus the files that selected hard links point to). It recreates
// directories, files with their modes and times, symlinks and hard links; owners too when run as
// root, like tar. Streams come back whole under their own name, not as parts.
//
// Every write goes through an os.Root on dir, so no symlink, from the snapshot or already on
// disk, leads a write outside dir. A file's content is checked against its SHA-256 before it is
// renamed into place, so a damaged file never takes the place of a good one. When everything is
// extracted, the whole object is checked as Verify does; otherwise reading stops after the last
// entry asked for.
func Extract(obj io.Reader, m *Manifest, ids Identities, dir string, only []string) (Stats, error) {
	if m == nil {
		return Stats{}, errors.New("snapshot: nil manifest")
	}
	if err := m.validate(); err != nil {
		return Stats{}, fmt.Errorf("snapshot: %w", err)
	}
	selected, last, err := selectEntries(m, only)
	if err != nil {
		return Stats{}, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Stats{}, fmt.Errorf("snapshot: restore directory: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return Stats{}, fmt.Errorf("snapshot: restore directory: %w", err)
	}
	defer root.Close()
	o, err := openObject(obj, m, ids)
	if err != nil {
		return Stats{}, err
	}
	defer o.close()
	x := newExtractor(root, o)
	defer x.close()
	err = o.walk(last, func(i int) bool { return selected[i] }, x.entry)
	if werr := x.drain(); err == nil {
		err = werr
	}
	if err != nil {
		return x.st, err
	}
	return x.st, x.finishDirs()
}

// selectEntries marks the entries to restore and the index of the last one.
func selectEntries(m *Manifest, only []string) (selected []bool, last int, err error) {
	selected = make([]bool, len(m.Entries))
	last = -1
	for _, p := range only {
		if p = strings.Trim(p, "/"); checkName(p) != nil {
			return nil, 0, fmt.Errorf("snapshot: %s: %w", printable(p), ErrUnsafePath)
		}
	}
	index := make(map[string]int, len(m.Entries))
	for i, e := range m.Entries {
		index[e.Path] = i
		selected[i] = len(only) == 0 || slices.ContainsFunc(only, func(p string) bool {
			p = strings.Trim(p, "/")
			return e.Path == p || strings.HasPrefix(e.Path, p+"/")
		})
		if selected[i] && e.Type == TypeHardlink {
			// Its content travels with the file it names, written earlier in the stream.
			selected[index[e.Link]] = true
		}
	}
	for i := range selected {
		if selected[i] {
			last = i
		}
	}
	if last < 0 && len(only) > 0 {
		return nil, 0, fmt.Errorf("%w: no entry matches %s", ErrNotFound, printable(strings.Join(only, ", ")))
	}
	return selected, last, nil
}

// Small files are read whole, checked, and handed to writer goroutines: creating, filling and
// renaming tens of thousands of files one after the other leaves the disk idle between system
// calls, while decoding goes on. Larger files are written by the reading goroutine itself.
const (
	writers       = 4
	smallFile     = 1 << 20  // largest file read whole and written by a writer
	writerBacklog = 32 << 20 // bytes read and not yet written, at most
)

type extractor struct {
	root  *os.Root
	o     *object
	chown bool
	dirs  []*Entry
	st    Stats
	// The directory entries are being written to, opened once for the run of entries that
	// share it (tar order keeps them together), so that each file costs single-component
	// system calls rather than a walk from the top.
	cwd    string
	cwdDir *dirRef

	jobs    chan fileJob
	backlog *semaphore.Weighted
	pending sync.WaitGroup // jobs handed over and not yet done
	workers sync.WaitGroup
	errMu   sync.Mutex
	err     error // the first writer error
}

// dirRef is an open directory shared by the reading goroutine and the writers; the last one
// done with it closes it.
type dirRef struct {
	root *os.Root
	refs atomic.Int32
}

func (d *dirRef) hold() { d.refs.Add(1) }

func (d *dirRef) release() {
	if d.refs.Add(-1) == 0 {
		d.root.Close()
	}
}

// fileJob is a checked file waiting to be written.
type fileJob struct {
	dir  *dirRef
	base string
	tmp  string
	e    *Entry
	data []byte
}

func newExtractor(root *os.Root, o *object) *extractor {
	x := &extractor{root: root, o: o, chown: os.Geteuid() == 0, jobs: make(chan fileJob, writers),
		backlog: semaphore.NewWeighted(writerBacklog)}
	for range writers {
		x.workers.Go(func() {
			for j := range x.jobs {
				if x.failed() == nil {
					if err := x.write(j.dir.root, j.base, j.tmp, j.e, bytes.NewReader(j.data)); err != nil {
						x.fail(x.fsErr(j.e, err))
					}
				}
				x.backlog.Release(int64(len(j.data)))
				j.dir.release()
				x.pending.Done()
			}
		})
	}
	return x
}

func (x *extractor) failed() error {
	x.errMu.Lock()
	defer x.errMu.Unlock()
	return x.err
}

func (x *extractor) fail(err error) {
	x.errMu.Lock()
	defer x.errMu.Unlock()
	if x.err == nil {
		x.err = err
	}
}

// drain waits for the files handed to writers and returns the first writer error.
func (x *extractor) drain() error {
	x.pending.Wait()
	return x.failed()
}

// close stops the writers and lets go of the current directory.
func (x *extractor) close() {
	if x.jobs != nil {
		x.pending.Wait()
		close(x.jobs)
		x.workers.Wait()
		x.jobs = nil
	}
	if x.cwdDir != nil {
		x.cwdDir.release()
		x.cwdDir = nil
	}
}

// parent returns the directory holding p, created if need be, and p's last component.
func (x *extractor) parent(p string) (*dirRef, string, error) {
	dir, base := path.Split(p)
	dir = strings.TrimSuffix(dir, "/")
	if dir == "" {
		dir = "."
	}
	if dir == x.cwd && x.cwdDir != nil {
		return x.cwdDir, base, nil
	}
	if x.cwdDir != nil {
		x.cwdDir.release()
	}
	x.cwd, x.cwdDir = "", nil
	if dir != "." {
		if err := x.root.MkdirAll(dir, 0o755); err != nil {
			return nil, "", err
		}
	}
	r, err := x.root.OpenRoot(dir)
	if err != nil {
		return nil, "", err
	}
	d := &dirRef{root: r}
	d.hold()
	x.cwd, x.cwdDir = dir, d
	return d, base, nil
}

func (x *extractor) entry(e *Entry, body io.Reader) error {
	if err := x.failed(); err != nil {
		return err
	}
	if err := checkName(e.Path); err != nil {
		return err
	}
	dir, base, err := x.parent(e.Path)
	if err != nil {
		return x.fsErr(e, err)
	}
	switch e.Type {
	case TypeDir:
		err = x.dir(e)
	case TypeFile, TypeStream:
		err = x.file(dir, base, e, body)
	case TypeSymlink:
		if err = clearWay(dir.root, base); err == nil {
			err = dir.root.Symlink(e.Link, base)
		}
		if err == nil && x.chown {
			err = dir.root.Lchown(base, e.Uid, e.Gid)
		}
	case TypeHardlink:
		// The file it names may still be with a writer.
		if err = x.drain(); err == nil {
			if err = clearWay(dir.root, base); err == nil {
				err = x.root.Link(e.Link, e.Path)
			}
		}
	}
	if err != nil {
		return x.fsErr(e, err)
	}
	x.st.Entries++
	return nil
}

func (x *extractor) dir(e *Entry) error {
	fi, err := x.root.Lstat(e.Path)
	switch {
	case err == nil && fi.IsDir():
	case err == nil:
		return fmt.Errorf("exists and is not a directory")
	default:
		// Owner-writable until finishDirs gives it its mode, so that its content can be written.
		if err := x.root.Mkdir(e.Path, 0o700); err != nil {
			return err
		}
	}
	x.dirs = append(x.dirs, e)
	return nil
}

// file restores a file: a small one is read whole, checked against its SHA-256 and handed
// to a writer; a large one is written here as it is read. Either way it goes to a temporary
// name in the same directory and is renamed into place only once its content matched.
func (x *extractor) file(dir *dirRef, base string, e *Entry, body io.Reader) error {
	tmp := fmt.Sprintf(".vigie-restore-%d.tmp", x.st.Entries)
	if e.Size > smallFile {
		n, err := x.writeCounted(dir.root, base, tmp, e, body)
		x.st.Bytes += n
		return err
	}
	if err := x.backlog.Acquire(context.Background(), e.Size); err != nil {
		return err
	}
	data := make([]byte, e.Size)
	n, err := io.ReadFull(body, data)
	if err == nil {
		// The last read is the one that checks the size and the SHA-256.
		if _, err = body.Read(make([]byte, 1)); err == io.EOF {
			err = nil
		} else if err == nil {
			err = tampered("entry %s: longer than the %d bytes the manifest says", printable(e.Path), e.Size)
		}
	}
	x.st.Bytes += int64(n)
	if err != nil {
		x.backlog.Release(e.Size)
		return err
	}
	dir.hold()
	x.pending.Add(1)
	x.jobs <- fileJob{dir: dir, base: base, tmp: tmp, e: e, data: data}
	return nil
}

func (x *extractor) writeCounted(dir *os.Root, base, tmp string, e *Entry, body io.Reader) (int64, error) {
	c := &countingReader{r: body}
	err := x.write(dir, base, tmp, e, c)
	return c.n, err
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// write puts content in a temporary file, gives it its owner, mode and time, and renames it
// to base; a failure removes the temporary. content is either checked already or fails its
// last Read when it does not match the manifest.
func (x *extractor) write(dir *os.Root, base, tmp string, e *Entry, content io.Reader) error {
	f, err := dir.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) { // left by an interrupted restore
		if err = dir.Remove(tmp); err == nil {
			f, err = dir.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		}
	}
	if err != nil {
		return err
	}
	if br, ok := content.(*bytes.Reader); ok {
		_, err = br.WriteTo(f)
	} else {
		_, err = io.CopyBuffer(writerOnly{f}, content, x.o.buf)
	}
	if err == nil && x.chown {
		// Owners come from the signed manifest. Before the chmod: changing the owner clears
		// setuid and setgid bits.
		err = f.Chown(e.Uid, e.Gid)
	}
	if err == nil {
		err = f.Chmod(fileMode(e))
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = dir.Chtimes(tmp, e.ModTime, e.ModTime)
	}
	if err == nil {
		err = dir.Rename(tmp, base)
	}
	if err != nil {
		_ = dir.Remove(tmp)
	}
	return err
}

// clearWay removes what stands where a link is to be made; tar does the same.
func clearWay(dir *os.Root, name string) error {
	fi, err := dir.Lstat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case fi.IsDir():
		return fmt.Errorf("a directory is in the way")
	}
	return dir.Remove(name)
}

// finishDirs gives directories their modes and times once their content is written, deepest
// first, since writing into a directory changes its time.
func (x *extractor) finishDirs() error {
	for i := len(x.dirs) - 1; i >= 0; i-- {
		e := x.dirs[i]
		var err error
		if x.chown {
			err = x.root.Lchown(e.Path, e.Uid, e.Gid) // before the chmod, which it would undo
		}
		if err == nil {
			err = x.root.Chmod(e.Path, fileMode(e))
		}
		if err == nil {
			err = x.root.Chtimes(e.Path, e.ModTime, e.ModTime)
		}
		if err != nil {
			return x.fsErr(e, err)
		}
	}
	return nil
}

func (x *extractor) fsErr(e *Entry, err error) error {
	if errors.Is(err, ErrTampered) || errors.Is(err, ErrWrongKey) {
		return err
	}
	if strings.Contains(err.Error(), "path escapes from parent") {
		return fmt.Errorf("snapshot: restore %s: %w: %w", printable(e.Path), ErrUnsafePath, err)
	}
	return fmt.Errorf("snapshot: restore %s: %w", printable(e.Path), err)
}

func fileMode(e *Entry) fs.FileMode {
	h := tar.Header{Mode: e.Mode, Typeflag: tar.TypeReg}
	return h.FileInfo().Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
}
