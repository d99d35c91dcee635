// Package local is a backup target in a directory of the local file system, typically a
// mounted disk or network share. Objects are plain files under the directory; see package
// target for the promises every target keeps.
package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"vigie/internal/backup/target"
	"vigie/internal/backup/target/internal/filetree"
)

// Target stores objects as files under a directory.
type Target struct {
	*filetree.Tree
	dir string
}

var (
	_ target.Target        = (*Target)(nil)
	_ target.SpaceReporter = (*Target)(nil)
)

// New returns a target storing under dir, which must exist: a missing directory is more
// often an unmounted disk than a place to create.
func New(dir string) (*Target, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("backup directory %s: %w", dir, err)
	}
	fi, err := os.Stat(abs)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("backup directory %s does not exist (create it, or mount its disk)", abs)
	}
	if err != nil {
		return nil, fmt.Errorf("backup directory %s: %w", abs, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("backup directory %s is not a directory", abs)
	}
	return &Target{Tree: filetree.New(osFS{}, filepath.ToSlash(abs)), dir: abs}, nil
}

func (t *Target) String() string { return "file://" + filepath.ToSlash(t.dir) }

// Close has nothing to release.
func (t *Target) Close() error { return nil }

// Space reports the file system's space available to this process's user, and its size.
func (t *Target) Space(context.Context) (free, total int64, err error) {
	var st unix.Statfs_t
	if err := unix.Statfs(t.dir, &st); err != nil {
		return 0, 0, fmt.Errorf("space of %s: %w", t.dir, err)
	}
	return int64(st.Bavail) * int64(st.Bsize), int64(st.Blocks) * int64(st.Bsize), nil
}

// osFS is filetree.FS on the operating system's files.
type osFS struct{}

func (osFS) CreateExcl(name string) (filetree.File, error) {
	return os.OpenFile(filepath.FromSlash(name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
}

func (osFS) Open(name string) (io.ReadCloser, error) { return os.Open(filepath.FromSlash(name)) }

func (osFS) Stat(name string) (fs.FileInfo, error) { return os.Stat(filepath.FromSlash(name)) }

func (osFS) ReadDir(dir string) ([]fs.FileInfo, error) {
	entries, err := os.ReadDir(filepath.FromSlash(dir))
	if err != nil {
		return nil, err
	}
	out := make([]fs.FileInfo, 0, len(entries))
	for _, e := range entries {
		fi, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed since the directory was read
		}
		if err != nil {
			return nil, err
		}
		out = append(out, fi)
	}
	return out, nil
}

func (osFS) MkdirAll(dir string) error { return os.MkdirAll(filepath.FromSlash(dir), 0o700) }

// Publish links the temporary under its final name, which fails if the name is taken, then
// drops the temporary name. File systems without hard links fall back to a check and a rename,
// which leaves a small race, as OpenSSH's sftp-server does.
func (osFS) Publish(from, to string) error {
	from, to = filepath.FromSlash(from), filepath.FromSlash(to)
	err := os.Link(from, to)
	if err != nil && !errors.Is(err, fs.ErrExist) && noHardLinks(err) {
		if _, serr := os.Lstat(to); serr == nil {
			return fmt.Errorf("%s: %w", to, fs.ErrExist)
		}
		return os.Rename(from, to)
	}
	if err != nil {
		return err
	}
	return os.Remove(from)
}

func noHardLinks(err error) bool {
	return errors.Is(err, unix.EPERM) || errors.Is(err, unix.ENOTSUP) || errors.Is(err, unix.EOPNOTSUPP) ||
		errors.Is(err, unix.EXDEV) || errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EMLINK)
}

func (osFS) Replace(from, to string) error {
	return os.Rename(filepath.FromSlash(from), filepath.FromSlash(to))
}

func (osFS) Remove(name string) error { return os.Remove(filepath.FromSlash(name)) }

// SyncDir fsyncs the directory so that a rename in it survives a crash; file systems that
// cannot sync a directory are left as they are.
func (osFS) SyncDir(dir string) error {
	d, err := os.Open(filepath.FromSlash(dir))
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOTSUP) {
		return err
	}
	return nil
}
