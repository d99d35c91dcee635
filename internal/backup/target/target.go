// Package target stores backup objects off the host: in a local directory, over SFTP or in S3
// compatible storage (sub-packages local, sftp and s3), behind one Target interface.
//
// Every implementation keeps the same promises, held by the conformance suite in targettest:
// an object is either complete or invisible (writes go to a temporary and are renamed, or a
// multipart upload is completed, only at the end), an existing object is never overwritten, a
// failed write leaves at most a temporary that Cleanup removes, and one job at a time holds a
// target's lock, which a crashed holder does not keep forever.
//
// On storage, names starting with ".vigie" are the target's own: temporaries are called
// ".vigie-tmp-*" and the lock lives in ".vigie-lock/". They never list and cannot be written
// through Put.
package target

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"vigie/internal/errs"
)

// Object is one stored object.
type Object struct {
	Name    string
	Size    int64
	ModTime time.Time
}

// Target stores backup objects under slash-separated names like
// "web/prod-1/20261123T020000Z-ab12cd.tar.zst.age".
type Target interface {
	// Put stores r under name atomically: until Put returns nil, nothing lists or reads under
	// name. A failed or interrupted Put leaves at most a temporary leftover that Cleanup
	// removes. Put never overwrites an existing object (ErrExists).
	Put(ctx context.Context, name string, r io.Reader) (int64, error)
	// Get opens a stored object; ErrNotFound if there is none.
	Get(ctx context.Context, name string) (io.ReadCloser, error)
	// Stat describes a stored object; ErrNotFound if there is none.
	Stat(ctx context.Context, name string) (Object, error)
	// List lists complete objects whose name starts with prefix, sorted by name; never
	// temporaries or lock files.
	List(ctx context.Context, prefix string) ([]Object, error)
	// Delete removes an object; deleting a missing object is not an error.
	Delete(ctx context.Context, name string) error
	// Cleanup removes temporaries (and incomplete multipart uploads) older than olderThan and
	// returns how many. Run it while holding the lock: with a small olderThan it also removes
	// the temporaries of a Put in progress.
	Cleanup(ctx context.Context, olderThan time.Duration) (int, error)
	// Lock takes the target's lock for owner (e.g. "vigie@host pid 123 job web"), failing
	// with *LockedError when another live holder has it. A lock whose holder has not
	// refreshed it within stale is taken over. The returned Lock refreshes itself in the
	// background every stale/3 until Release.
	Lock(ctx context.Context, owner string, stale time.Duration) (*Lock, error)
	// String names the target for logs, without secrets: "sftp://backup@10.0.0.5:22/srv/backups".
	String() string
	Close() error
}

// SpaceReporter is implemented by targets that can say how full they are.
type SpaceReporter interface {
	// Space returns the bytes available to the target's user and the size of the storage.
	Space(ctx context.Context) (free, total int64, err error)
}

// The errors carry domain codes so that the edges (CLI, API) map them without knowing targets.
var (
	ErrNotFound    error = errs.E(errs.NotFound, "backup object not found")
	ErrExists      error = errs.E(errs.Conflict, "backup object already exists")
	ErrInvalidName error = errs.E(errs.Invalid, "invalid backup object name")
	// ErrLockLost says the lock changed hands: it was taken over as stale, or released by hand.
	ErrLockLost error = errs.E(errs.Conflict, "target lock lost to another holder")
)

// LockedError says who holds a target's lock.
type LockedError struct {
	Owner     string
	Since     time.Time // when the holder took the lock
	Refreshed time.Time // when the holder last said it was alive
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("target is locked by %q since %s (last refreshed %s)",
		e.Owner, e.Since.UTC().Format(time.RFC3339), e.Refreshed.UTC().Format(time.RFC3339))
}

// Unwrap lets callers test for errs.Conflict.
func (e *LockedError) Unwrap() error {
	return errs.E(errs.Conflict, "target is locked")
}

// Names the implementations keep for themselves; see the package comment.
const (
	ReservedPrefix = ".vigie"
	TempPrefix     = ".vigie-tmp-"
	LockDir        = ".vigie-lock"
	LockName       = LockDir + "/lock.json"
)

// maxSegment is the longest path segment most file systems accept.
const maxSegment = 255

// CheckName returns an error wrapping ErrInvalidName unless name is a clean relative
// slash-separated path that no implementation would read differently: no empty, "." or ".."
// segments, no control characters, no backslashes, and nothing reserved.
func CheckName(name string) error {
	if name == "" {
		return fmt.Errorf("%w: empty", ErrInvalidName)
	}
	if len(name) > 1024 {
		return fmt.Errorf("%w: longer than 1024 bytes", ErrInvalidName)
	}
	if err := checkPath(name); err != nil {
		return fmt.Errorf("%w %q: %s", ErrInvalidName, name, err)
	}
	return nil
}

// CheckPrefix is CheckName for a List prefix, which may be empty, end with "/" or stop in the
// middle of a segment.
func CheckPrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	if err := checkPath(strings.TrimSuffix(prefix, "/")); err != nil {
		return fmt.Errorf("%w: prefix %q: %s", ErrInvalidName, prefix, err)
	}
	return nil
}

func checkPath(p string) error {
	if !utf8.ValidString(p) {
		return errors.New("not UTF-8")
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return fmt.Errorf("contains %q", r)
		}
	}
	for seg := range strings.SplitSeq(p, "/") {
		switch {
		case seg == "":
			return errors.New("empty path segment (leading, trailing or double slash)")
		case seg == "." || seg == "..":
			return fmt.Errorf("%q segment", seg)
		case strings.HasPrefix(seg, ReservedPrefix):
			return fmt.Errorf("segments starting with %q are reserved", ReservedPrefix)
		case len(seg) > maxSegment:
			return fmt.Errorf("segment longer than %d bytes", maxSegment)
		}
	}
	return nil
}

// Hidden reports whether a stored name is one of the target's own (a temporary or the lock),
// which List must not show.
func Hidden(name string) bool {
	for seg := range strings.SplitSeq(name, "/") {
		if strings.HasPrefix(seg, ReservedPrefix) {
			return true
		}
	}
	return false
}
