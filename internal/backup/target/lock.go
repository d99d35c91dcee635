package target

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"
)

// LockStore is the storage side of a target's lock: one small record that implementations
// keep under LockName. Acquire runs the locking protocol over it. A version is whatever the
// store compares to detect a change since a read (the content itself, an ETag).
type LockStore interface {
	// CreateLock writes data as the lock only if there is none, with all of data visible at
	// once; ErrExists if there is one.
	CreateLock(ctx context.Context, data []byte) error
	// ReadLock returns the lock and its version; ErrNotFound if there is none.
	ReadLock(ctx context.Context) (data []byte, version string, err error)
	// RefreshLock replaces the lock by data if it is still at version; ErrLockLost if not.
	// The holder calls it, so there must be no moment without a lock.
	RefreshLock(ctx context.Context, version string, data []byte) error
	// TakeOverLock replaces a stale lock at version by data, so that of several contenders
	// seeing the same stale lock at most one succeeds; the others get ErrLockLost.
	TakeOverLock(ctx context.Context, version string, data []byte) error
	// RemoveLock removes the lock at version.
	RemoveLock(ctx context.Context, version string) error
}

// lockRecord is the content of the lock: who holds it and when it last said it was alive.
type lockRecord struct {
	Owner     string    `json:"owner"`
	Host      string    `json:"host"`
	PID       int       `json:"pid"`
	Token     string    `json:"token"`
	Since     time.Time `json:"since"`
	Refreshed time.Time `json:"refreshed_at"`
}

// Lock is a held target lock. It refreshes itself in the background until Release.
type Lock struct {
	store    LockStore
	interval time.Duration
	owner    string
	token    string
	record   lockRecord    // the refresher's, then Release's once the refresher is done
	lost     chan struct{} // closed when the refresher finds the lock gone to someone else
	stop     chan struct{}
	done     chan struct{}

	mu       sync.Mutex
	released bool
}

// maxAcquireAttempts bounds the retries when the lock changes under a contender (released,
// or taken over by another contender) between two reads.
const maxAcquireAttempts = 10

// Acquire takes the lock in store for owner; a lock not refreshed within stale is taken over.
// Implementations of Target call it from their Lock method.
//
// Holders and contenders compare their own clocks with the refreshed-at time written by the
// holder, so clocks must agree to well within stale.
func Acquire(ctx context.Context, store LockStore, owner string, stale time.Duration) (*Lock, error) {
	if stale <= 0 {
		return nil, fmt.Errorf("lock: stale duration must be positive, got %s", stale)
	}
	if owner == "" {
		return nil, errors.New("lock: empty owner")
	}
	host, _ := os.Hostname()
	rec := lockRecord{Owner: owner, Host: host, PID: os.Getpid(), Token: rand.Text()}
	for range maxAcquireAttempts {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("lock: %w", err)
		}
		now := time.Now().UTC()
		rec.Since, rec.Refreshed = now, now
		data, err := json.Marshal(rec)
		if err != nil {
			return nil, err
		}
		err = store.CreateLock(ctx, data)
		if err == nil {
			return startLock(store, rec, stale), nil
		}
		if !errors.Is(err, ErrExists) {
			return nil, fmt.Errorf("lock: %w", err)
		}
		cur, version, err := store.ReadLock(ctx)
		if errors.Is(err, ErrNotFound) {
			continue // released in between: try again
		}
		if err != nil {
			return nil, fmt.Errorf("lock: %w", err)
		}
		var held lockRecord
		// An unreadable record has no refreshed-at: it counts as stale. So does the lock of a
		// process of this host that is gone (killed, crashed): the next run need not wait.
		if json.Unmarshal(cur, &held) == nil && time.Since(held.Refreshed) <= stale && !deadHere(held, host) {
			return nil, &LockedError{Owner: held.Owner, Since: held.Since, Refreshed: held.Refreshed}
		}
		err = store.TakeOverLock(ctx, version, data)
		if err == nil {
			return startLock(store, rec, stale), nil
		}
		if !errors.Is(err, ErrLockLost) {
			return nil, fmt.Errorf("lock: taking over stale lock of %q: %w", held.Owner, err)
		}
	}
	return nil, fmt.Errorf("lock: the lock changed hands %d times while we tried; try again later", maxAcquireAttempts)
}

// deadHere reports whether the holder ran on this host and its process no longer exists.
// A reused pid only makes us wait for the lock to go stale.
func deadHere(held lockRecord, host string) bool {
	if held.Host != host || host == "" || held.PID <= 0 {
		return false
	}
	return errors.Is(syscall.Kill(held.PID, 0), syscall.ESRCH)
}

func startLock(store LockStore, rec lockRecord, stale time.Duration) *Lock {
	l := &Lock{
		store:    store,
		interval: max(stale/3, time.Millisecond),
		owner:    rec.Owner,
		token:    rec.Token,
		record:   rec,
		lost:     make(chan struct{}),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	go l.refreshLoop()
	return l
}

// Lost is closed when the lock turns out to have been taken by another holder (because this
// one could not refresh it in time); a job holding it should stop writing.
func (l *Lock) Lost() <-chan struct{} { return l.lost }

// Owner is the owner the lock was taken for.
func (l *Lock) Owner() string { return l.owner }

func (l *Lock) refreshLoop() {
	defer close(l.done)
	tick := time.NewTicker(l.interval)
	defer tick.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-tick.C:
		}
		// A refresh that would end too late to keep the lock fresh is a failed one: the next
		// tick tries again.
		ctx, cancel := context.WithTimeout(context.Background(), l.interval*3/2)
		err := l.refresh(ctx)
		cancel()
		if errors.Is(err, ErrLockLost) {
			close(l.lost)
			return
		}
	}
}

func (l *Lock) refresh(ctx context.Context) error {
	version, err := l.check(ctx)
	if err != nil {
		return err
	}
	rec := l.record
	rec.Refreshed = time.Now().UTC()
	data, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if err := l.store.RefreshLock(ctx, version, data); err != nil {
		return err
	}
	l.record = rec
	return nil
}

// check returns the version of the lock if it is still ours, ErrLockLost if not.
func (l *Lock) check(ctx context.Context) (string, error) {
	cur, version, err := l.store.ReadLock(ctx)
	if errors.Is(err, ErrNotFound) {
		return "", ErrLockLost
	}
	if err != nil {
		return "", err
	}
	var held lockRecord
	if json.Unmarshal(cur, &held) != nil || held.Token != l.token {
		return "", ErrLockLost
	}
	return version, nil
}

// Release stops refreshing and removes the lock. It returns ErrLockLost if the lock was taken
// over in the meantime (the other holder's lock is left alone). Releasing twice is a no-op.
func (l *Lock) Release(ctx context.Context) error {
	l.mu.Lock()
	if l.released {
		l.mu.Unlock()
		return nil
	}
	l.released = true
	l.mu.Unlock()
	close(l.stop)
	<-l.done
	version, err := l.check(ctx)
	if err != nil {
		return fmt.Errorf("releasing lock of %q: %w", l.owner, err)
	}
	if err := l.store.RemoveLock(ctx, version); err != nil {
		return fmt.Errorf("releasing lock of %q: %w", l.owner, err)
	}
	return nil
}
