package snapshot

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
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
	x := &extractor{root: root, o: o, chown: os.Geteuid() == 0}
	defer x.close()
	err = o.walk(last, func(i int) bool { return selected[i] }, x.entry)
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

type extractor struct {
	root  *os.Root
	o     *object
	chown bool
	dirs  []*Entry
	st    Stats
	// The directory entries are being written to, opened once for the run of entries that
	// share it (tar order keeps them together), so that each file costs single-component
	// system calls rather than a walk from the top.
	cwd     string
	cwdRoot *os.Root
}

func (x *extractor) close() {
	if x.cwdRoot != nil {
		x.cwdRoot.Close()
	}
}

// parent returns the directory holding p, created if need be, and p's last component.
func (x *extractor) parent(p string) (*os.Root, string, error) {
	dir, base := path.Split(p)
	dir = strings.TrimSuffix(dir, "/")
	if dir == "" {
		return x.root, base, nil
	}
	if dir == x.cwd && x.cwdRoot != nil {
		return x.cwdRoot, base, nil
	}
	x.close()
	x.cwd, x.cwdRoot = "", nil
	if err := x.root.MkdirAll(dir, 0o755); err != nil {
		return nil, "", err
	}
	r, err := x.root.OpenRoot(dir)
	if err != nil {
		return nil, "", err
	}
	x.cwd, x.cwdRoot = dir, r
	return r, base, nil
}

func (x *extractor) entry(e *Entry, body io.Reader) error {
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
		if err = clearWay(dir, base); err == nil {
			err = dir.Symlink(e.Link, base)
		}
		if err == nil && x.chown {
			err = dir.Lchown(base, e.Uid, e.Gid)
		}
	case TypeHardlink:
		if err = clearWay(dir, base); err == nil {
			err = x.root.Link(e.Link, e.Path)
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

// file writes content to a temporary name in the same directory and renames it into place
// only once its SHA-256 matched.
func (x *extractor) file(dir *os.Root, base string, e *Entry, body io.Reader) error {
	tmp := fmt.Sprintf(".vigie-restore-%d.tmp", x.st.Entries)
	f, err := dir.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) { // left by an interrupted restore
		if err = dir.Remove(tmp); err == nil {
			f, err = dir.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		}
	}
	if err != nil {
		return err
	}
	n, err := io.CopyBuffer(writerOnly{f}, body, x.o.buf)
	x.st.Bytes += n
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
