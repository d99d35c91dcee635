// Package filetree implements the file-system side of backup targets once, for the local and
// SFTP targets: objects are files under a root directory, written to a temporary in the same
// directory, synced, and published under their name with a rename that never replaces.
package filetree

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"

	"vigie/internal/backup/target"
)

// FS is what a Tree needs from a file system. Paths are slash-separated and absolute; errors
// satisfy errors.Is(err, fs.ErrNotExist) for missing files.
type FS interface {
	// CreateExcl creates a new file for writing, failing if it exists.
	CreateExcl(name string) (File, error)
	Open(name string) (io.ReadCloser, error)
	Stat(name string) (fs.FileInfo, error)
	// ReadDir lists a directory without following symbolic links.
	ReadDir(dir string) ([]fs.FileInfo, error)
	MkdirAll(dir string) error
	// Publish renames from to to unless to exists, then it fails with fs.ErrExist; atomic.
	Publish(from, to string) error
	// Replace renames from to to, atomically replacing to if it exists.
	Replace(from, to string) error
	Remove(name string) error
	// SyncDir makes a directory's entries durable where the file system allows it.
	SyncDir(dir string) error
}

// File is a file being written.
type File interface {
	io.Writer
	// Sync makes the content durable where the file system allows it.
	Sync() error
	Close() error
}

// Tree is a Target's storage on a file system, minus Lock's owner-facing parts, String and
// Close, which the local and SFTP packages add.
type Tree struct {
	fs   FS
	root string
}

// New returns a Tree rooted at root, an absolute slash-separated path that must exist.
func New(fsys FS, root string) *Tree {
	return &Tree{fs: fsys, root: path.Clean(root)}
}

func (t *Tree) path(name string) string { return path.Join(t.root, name) }

// Put writes r to a temporary next to name, syncs it and publishes it under name.
func (t *Tree) Put(ctx context.Context, name string, r io.Reader) (int64, error) {
	if err := target.CheckName(name); err != nil {
		return 0, err
	}
	final := t.path(name)
	dir := path.Dir(final)
	if _, err := t.fs.Stat(final); err == nil {
		return 0, fmt.Errorf("%w: %s", target.ErrExists, name)
	}
	if err := t.fs.MkdirAll(dir); err != nil {
		return 0, fmt.Errorf("put %s: %w", name, err)
	}
	tmp, err := t.writeTemp(ctx, dir, r)
	if err != nil {
		return 0, fmt.Errorf("put %s: %w", name, err)
	}
	if err := t.fs.Publish(tmp.name, final); err != nil {
		_ = t.fs.Remove(tmp.name)
		if errors.Is(err, fs.ErrExist) {
			return 0, fmt.Errorf("%w: %s", target.ErrExists, name)
		}
		return 0, fmt.Errorf("put %s: %w", name, err)
	}
	if err := t.fs.SyncDir(dir); err != nil {
		return tmp.size, fmt.Errorf("put %s: syncing directory: %w", name, err)
	}
	return tmp.size, nil
}

type temp struct {
	name string
	size int64
}

// writeTemp copies r into a new temporary in dir and syncs it. On failure it removes what it
// wrote; a crash leaves the temporary to Cleanup.
func (t *Tree) writeTemp(ctx context.Context, dir string, r io.Reader) (temp, error) {
	name := path.Join(dir, target.TempPrefix+rand.Text())
	f, err := t.fs.CreateExcl(name)
	if err != nil {
		return temp{}, err
	}
	n, err := io.Copy(f, target.ContextReader(ctx, r))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = t.fs.Remove(name)
		return temp{}, err
	}
	return temp{name: name, size: n}, nil
}

// Get opens the object's file.
func (t *Tree) Get(ctx context.Context, name string) (io.ReadCloser, error) {
	if _, err := t.Stat(ctx, name); err != nil {
		return nil, err
	}
	f, err := t.fs.Open(t.path(name))
	if err != nil {
		return nil, t.notFound(name, err)
	}
	return f, nil
}

// Stat describes the object's file; directories are not objects.
func (t *Tree) Stat(_ context.Context, name string) (target.Object, error) {
	if err := target.CheckName(name); err != nil {
		return target.Object{}, err
	}
	fi, err := t.fs.Stat(t.path(name))
	if err != nil {
		return target.Object{}, t.notFound(name, err)
	}
	if !fi.Mode().IsRegular() {
		return target.Object{}, fmt.Errorf("%w: %s", target.ErrNotFound, name)
	}
	return target.Object{Name: name, Size: fi.Size(), ModTime: fi.ModTime()}, nil
}

func (t *Tree) notFound(name string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %s", target.ErrNotFound, name)
	}
	return fmt.Errorf("%s: %w", name, err)
}

// List walks the directory holding prefix and returns the regular files under it.
func (t *Tree) List(ctx context.Context, prefix string) ([]target.Object, error) {
	if err := target.CheckPrefix(prefix); err != nil {
		return nil, err
	}
	start := ""
	if i := strings.LastIndex(prefix, "/"); i >= 0 {
		start = prefix[:i]
	}
	var out []target.Object
	// Only directories on the way to prefix, or inside it, can hold matches.
	enter := func(dir string) bool {
		dir += "/"
		return !target.Hidden(dir) && (strings.HasPrefix(dir, prefix) || strings.HasPrefix(prefix, dir))
	}
	err := t.walk(ctx, start, enter, func(name string, fi fs.FileInfo) error {
		if fi.Mode().IsRegular() && !target.Hidden(name) && strings.HasPrefix(name, prefix) {
			out = append(out, target.Object{Name: name, Size: fi.Size(), ModTime: fi.ModTime()})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list %q: %w", prefix, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// walk calls fn for every file under the relative directory rel (the root when empty), depth
// first, entering only the directories enter accepts, without following symbolic links. A
// missing rel is an empty tree.
func (t *Tree) walk(ctx context.Context, rel string, enter func(dir string) bool, fn func(name string, fi fs.FileInfo) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	entries, err := t.fs.ReadDir(t.path(rel))
	if errors.Is(err, fs.ErrNotExist) && rel != "" {
		return nil
	}
	if err != nil {
		return err
	}
	for _, fi := range entries {
		name := path.Join(rel, fi.Name())
		if fi.IsDir() {
			if !enter(name) {
				continue
			}
			if err := t.walk(ctx, name, enter, fn); err != nil {
				return err
			}
			continue
		}
		if err := fn(name, fi); err != nil {
			return err
		}
	}
	return nil
}

// Delete removes the object's file; a missing one is fine.
func (t *Tree) Delete(_ context.Context, name string) error {
	if err := target.CheckName(name); err != nil {
		return err
	}
	if err := t.fs.Remove(t.path(name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	return nil
}

// Cleanup removes temporaries last written more than olderThan ago, anywhere in the tree.
func (t *Tree) Cleanup(ctx context.Context, olderThan time.Duration) (int, error) {
	cutoff := time.Now().Add(-olderThan)
	removed := 0
	everywhere := func(string) bool { return true }
	err := t.walk(ctx, "", everywhere, func(name string, fi fs.FileInfo) error {
		if !strings.HasPrefix(fi.Name(), target.TempPrefix) || fi.ModTime().After(cutoff) {
			return nil
		}
		if err := t.fs.Remove(t.path(name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		removed++
		return nil
	})
	if err != nil {
		return removed, fmt.Errorf("cleanup: %w", err)
	}
	return removed, nil
}

// Lock takes the tree's lock file.
func (t *Tree) Lock(ctx context.Context, owner string, stale time.Duration) (*target.Lock, error) {
	return target.Acquire(ctx, lockStore{t}, owner, stale)
}

// lockStore keeps the lock in a file, always written whole to a temporary first: created with
// a no-replace rename, refreshed with a replacing rename, taken over through a claim only one
// contender can make (see TakeOverLock).
//
// File systems have no compare-and-swap, so between a check of the lock and the rename that
// replaces it there is a window of one round trip. Contenders never race in it; a holder does
// only if it refreshes at the very moment its lock, already stale, is taken over, or releases
// it at the moment a contender checks. The holder that loses finds out at its next refresh
// (Lock.Lost).
type lockStore struct{ t *Tree }

func (s lockStore) lockPath() string { return s.t.path(target.LockName) }

func (s lockStore) lockDir() string { return s.t.path(target.LockDir) }

func (s lockStore) writeTemp(ctx context.Context, data []byte) (string, error) {
	if err := s.t.fs.MkdirAll(s.lockDir()); err != nil {
		return "", err
	}
	tmp, err := s.t.writeTemp(ctx, s.lockDir(), strings.NewReader(string(data)))
	return tmp.name, err
}

func (s lockStore) CreateLock(ctx context.Context, data []byte) error {
	tmp, err := s.writeTemp(ctx, data)
	if err != nil {
		return err
	}
	if err := s.t.fs.Publish(tmp, s.lockPath()); err != nil {
		_ = s.t.fs.Remove(tmp)
		if errors.Is(err, fs.ErrExist) {
			return target.ErrExists
		}
		return err
	}
	return s.t.fs.SyncDir(s.lockDir())
}

func (s lockStore) ReadLock(context.Context) ([]byte, string, error) {
	data, err := s.read(s.lockPath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "", target.ErrNotFound
	}
	return data, string(data), err
}

func (s lockStore) read(name string) ([]byte, error) {
	f, err := s.t.fs.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, 64<<10))
}

// RefreshLock checks and then replaces: a contender could only slip in between by taking
// over a lock that has gone stale, which the refresh interval (stale/3) makes unlikely.
func (s lockStore) RefreshLock(ctx context.Context, version string, data []byte) error {
	cur, err := s.read(s.lockPath())
	if errors.Is(err, fs.ErrNotExist) || err == nil && string(cur) != version {
		return target.ErrLockLost
	}
	if err != nil {
		return err
	}
	tmp, err := s.writeTemp(ctx, data)
	if err != nil {
		return err
	}
	if err := s.t.fs.Replace(tmp, s.lockPath()); err != nil {
		_ = s.t.fs.Remove(tmp)
		return err
	}
	return s.t.fs.SyncDir(s.lockDir())
}

// TakeOverLock first claims the stale version: it publishes its new lock under a name derived
// from that version, which only one contender can do, checks that the lock is still at that
// version, and renames its claim over the lock. The claim's name disappears with the rename,
// so a contender still holding the old version afterwards claims it only to find a newer lock.
func (s lockStore) TakeOverLock(ctx context.Context, version string, data []byte) error {
	sum := sha256.Sum256([]byte(version))
	claim := path.Join(s.lockDir(), target.TempPrefix+"takeover-"+hex.EncodeToString(sum[:12]))
	tmp, err := s.writeTemp(ctx, data)
	if err != nil {
		return err
	}
	defer func() { _ = s.t.fs.Remove(tmp) }() // a no-op once published
	err = s.t.fs.Publish(tmp, claim)
	if errors.Is(err, fs.ErrExist) && s.abandoned(claim, tmp) {
		err = s.removeAbandoned(claim)
		if err == nil {
			err = s.t.fs.Publish(tmp, claim)
		}
	}
	if errors.Is(err, fs.ErrExist) {
		return target.ErrLockLost // another contender is taking it over
	}
	if err != nil {
		return err
	}
	cur, err := s.read(s.lockPath())
	if err != nil || string(cur) != version {
		_ = s.t.fs.Remove(claim)
		if err == nil || errors.Is(err, fs.ErrNotExist) {
			return target.ErrLockLost
		}
		return err
	}
	if err := s.t.fs.Replace(claim, s.lockPath()); err != nil {
		_ = s.t.fs.Remove(claim)
		return err
	}
	return s.t.fs.SyncDir(s.lockDir())
}

// claimTimeout is how long a takeover claim may stay before it counts as left by a contender
// that died halfway; a live one replaces the lock within a few round trips.
const claimTimeout = time.Minute

// abandoned compares the claim's age with our fresh temporary's, both by the storage's clock.
func (s lockStore) abandoned(claim, fresh string) bool {
	c, err := s.t.fs.Stat(claim)
	if err != nil {
		return false
	}
	f, err := s.t.fs.Stat(fresh)
	return err == nil && f.ModTime().Sub(c.ModTime()) > claimTimeout
}

// removeAbandoned moves the claim aside before removing it, so that of several contenders
// finding it abandoned only one removes it, and never a newer claim.
func (s lockStore) removeAbandoned(claim string) error {
	aside := path.Join(s.lockDir(), target.TempPrefix+"abandoned-"+rand.Text())
	if err := s.t.fs.Replace(claim, aside); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w: claim already removed", fs.ErrExist)
		}
		return err
	}
	return s.t.fs.Remove(aside)
}

func (s lockStore) RemoveLock(_ context.Context, _ string) error {
	if err := s.t.fs.Remove(s.lockPath()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
