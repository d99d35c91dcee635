// Package targettest is the conformance suite every backup target passes: round trips,
// atomic and non-replacing writes, failed and cancelled writes, listing, locking and
// bandwidth limits. Each implementation's tests call Run with a function opening a fresh,
// empty target.
package targettest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"vigie/internal/backup/target"
)

// Run runs the suite. open must return a new target on empty storage each time it is called,
// and close it when t ends.
func Run(t *testing.T, open func(t *testing.T) target.Target) {
	t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, open(t)) })
	t.Run("PutNeverOverwrites", func(t *testing.T) { testPutNeverOverwrites(t, open(t)) })
	t.Run("FailingReader", func(t *testing.T) { testFailedPut(t, open(t), false) })
	t.Run("CancelledPut", func(t *testing.T) { testFailedPut(t, open(t), true) })
	t.Run("InProgressPutIsInvisible", func(t *testing.T) { testInProgressPut(t, open(t)) })
	t.Run("ListPrefixes", func(t *testing.T) { testListPrefixes(t, open(t)) })
	t.Run("DeleteMissing", func(t *testing.T) { testDeleteMissing(t, open(t)) })
	t.Run("InvalidNames", func(t *testing.T) { testInvalidNames(t, open(t)) })
	t.Run("Lock", func(t *testing.T) { testLock(t, open(t)) })
	t.Run("LockRefreshes", func(t *testing.T) { testLockRefreshes(t, open(t)) })
	t.Run("StaleLockTakenOver", func(t *testing.T) { testStaleLock(t, open(t)) })
	t.Run("ConcurrentLock", func(t *testing.T) { testConcurrentLock(t, open(t), nil) })
	t.Run("ConcurrentStaleTakeover", func(t *testing.T) {
		tg := open(t)
		// The holder refreshes every 20 minutes, so it looks crashed to contenders counting
		// a second as stale.
		if _, err := tg.Lock(t.Context(), "crashed", time.Hour); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1500 * time.Millisecond)
		testConcurrentLock(t, tg, func(le *target.LockedError) bool { return le.Owner != "crashed" })
	})
	t.Run("Limit", func(t *testing.T) { testLimit(t, open(t)) })
	t.Run("String", func(t *testing.T) {
		if s := open(t).String(); s == "" {
			t.Error("String() is empty")
		}
	})
}

// Data returns n deterministic pseudo-random bytes.
func Data(n int, seed uint64) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16)})
	_, _ = r.Read(b)
	return b
}

func put(t *testing.T, tg target.Target, name string, data []byte) {
	t.Helper()
	n, err := tg.Put(t.Context(), name, bytes.NewReader(data))
	if err != nil {
		t.Fatalf("Put(%q): %v", name, err)
	}
	if n != int64(len(data)) {
		t.Fatalf("Put(%q) = %d bytes, want %d", name, n, len(data))
	}
}

func get(t *testing.T, tg target.Target, name string) []byte {
	t.Helper()
	rc, err := tg.Get(t.Context(), name)
	if err != nil {
		t.Fatalf("Get(%q): %v", name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("reading %q: %v", name, err)
	}
	return b
}

func names(t *testing.T, tg target.Target, prefix string) []string {
	t.Helper()
	objs, err := tg.List(t.Context(), prefix)
	if err != nil {
		t.Fatalf("List(%q): %v", prefix, err)
	}
	out := []string{}
	for _, o := range objs {
		out = append(out, o.Name)
	}
	return out
}

func assertAbsent(t *testing.T, tg target.Target, name string) {
	t.Helper()
	if got := names(t, tg, ""); slices.Contains(got, name) {
		t.Errorf("List shows %q: %v", name, got)
	}
	if _, err := tg.Get(t.Context(), name); !errors.Is(err, target.ErrNotFound) {
		t.Errorf("Get(%q) error = %v, want ErrNotFound", name, err)
	}
	if _, err := tg.Stat(t.Context(), name); !errors.Is(err, target.ErrNotFound) {
		t.Errorf("Stat(%q) error = %v, want ErrNotFound", name, err)
	}
}

func testRoundTrip(t *testing.T, tg target.Target) {
	cases := []struct {
		name string
		size int
	}{
		{"empty", 0},
		{"one", 1},
		{"web/prod-1/20261123T020000Z-ab12cd.tar.zst.age", 20 << 20},
		{"odd names/été 2026/a b+c=d@e,f;g!h'(i).tar", 1000},
	}
	before := time.Now().Add(-time.Minute)
	for i, c := range cases {
		data := Data(c.size, uint64(i))
		put(t, tg, c.name, data)
		got := get(t, tg, c.name)
		if sha256.Sum256(got) != sha256.Sum256(data) {
			t.Errorf("Get(%q) returned %d bytes that differ from the %d put", c.name, len(got), len(data))
		}
		obj, err := tg.Stat(t.Context(), c.name)
		if err != nil {
			t.Fatalf("Stat(%q): %v", c.name, err)
		}
		if obj.Name != c.name || obj.Size != int64(c.size) || obj.ModTime.Before(before) {
			t.Errorf("Stat(%q) = %+v, want size %d and a recent time", c.name, obj, c.size)
		}
	}
	objs, err := tg.List(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, c := range cases {
		want = append(want, c.name)
	}
	slices.Sort(want)
	sizes := map[string]int64{}
	for _, c := range cases {
		sizes[c.name] = int64(c.size)
	}
	var got []string
	for _, o := range objs {
		got = append(got, o.Name)
		if o.Size != sizes[o.Name] {
			t.Errorf("List() has %+v, want size %d", o, sizes[o.Name])
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("List() = %q, want %q", got, want)
	}
	for _, c := range cases {
		if err := tg.Delete(t.Context(), c.name); err != nil {
			t.Fatalf("Delete(%q): %v", c.name, err)
		}
		assertAbsent(t, tg, c.name)
	}
	if got := names(t, tg, ""); len(got) != 0 {
		t.Errorf("List() after deleting everything = %q", got)
	}
}

func testPutNeverOverwrites(t *testing.T, tg target.Target) {
	const name = "web/prod-1/snap.tar"
	first := Data(1000, 1)
	put(t, tg, name, first)
	_, err := tg.Put(t.Context(), name, bytes.NewReader(Data(2000, 2)))
	if !errors.Is(err, target.ErrExists) {
		t.Fatalf("second Put error = %v, want ErrExists", err)
	}
	if got := get(t, tg, name); !bytes.Equal(got, first) {
		t.Errorf("content changed by a refused Put: %d bytes", len(got))
	}
	if got := names(t, tg, ""); !slices.Equal(got, []string{name}) {
		t.Errorf("List() = %q after a refused Put", got)
	}
}

// source yields size pseudo-random bytes; after 1 MiB it calls atMiB, and fails if failErr
// is set.
type source struct {
	size, done int
	atMiB      func()
	failErr    error
	fired      bool
}

func (s *source) Read(p []byte) (int, error) {
	if s.done >= 1<<20 && !s.fired {
		s.fired = true
		if s.atMiB != nil {
			s.atMiB()
		}
		if s.failErr != nil {
			return 0, s.failErr
		}
	}
	if s.done >= s.size {
		return 0, io.EOF
	}
	n := min(len(p), s.size-s.done)
	if s.done < 1<<20 {
		n = min(n, 1<<20-s.done)
	}
	for i := range p[:n] {
		p[i] = byte(s.done + i)
	}
	s.done += n
	return n, nil
}

func testFailedPut(t *testing.T, tg target.Target, cancel bool) {
	const name = "web/prod-1/failed.tar"
	ctx, stop := context.WithCancel(t.Context())
	defer stop()
	src := &source{size: 20 << 20}
	wantErr := errors.New("source failed halfway")
	if cancel {
		src.atMiB = stop
		wantErr = context.Canceled
	} else {
		src.failErr = wantErr
	}
	_, err := tg.Put(ctx, name, src)
	if !errors.Is(err, wantErr) {
		t.Fatalf("Put error = %v, want %v", err, wantErr)
	}
	assertAbsent(t, tg, name)
	if _, err := tg.Cleanup(t.Context(), 0); err != nil {
		t.Fatalf("Cleanup: %v", err)
	}
	if n, err := tg.Cleanup(t.Context(), 0); err != nil || n != 0 {
		t.Errorf("second Cleanup = %d, %v; want 0 leftovers", n, err)
	}
	assertAbsent(t, tg, name)
	put(t, tg, name, []byte("second try"))
	if got := names(t, tg, ""); !slices.Equal(got, []string{name}) {
		t.Errorf("List() = %q", got)
	}
}

// gate passes 1 MiB, then blocks until released.
type gate struct {
	src     *source
	reached chan struct{}
	release chan struct{}
}

func (g *gate) Read(p []byte) (int, error) {
	if g.src.done >= 1<<20 && !g.src.fired {
		close(g.reached)
		<-g.release
	}
	return g.src.Read(p)
}

func testInProgressPut(t *testing.T, tg target.Target) {
	const name = "web/prod-1/in-progress.tar"
	lock, err := tg.Lock(t.Context(), "in-progress test", time.Minute)
	if err != nil {
		t.Fatalf("Lock: %v", err)
	}
	put(t, tg, "web/prod-1/done.tar", []byte("done"))
	g := &gate{src: &source{size: 3 << 20}, reached: make(chan struct{}), release: make(chan struct{})}
	errc := make(chan error, 1)
	go func() {
		_, err := tg.Put(t.Context(), name, g)
		errc <- err
	}()
	select {
	case <-g.reached:
	case err := <-errc:
		t.Fatalf("Put ended before its reader: %v", err)
	}
	// Let the first MiB reach the storage where the implementation streams it.
	time.Sleep(100 * time.Millisecond)
	assertAbsent(t, tg, name)
	if got := names(t, tg, ""); !slices.Equal(got, []string{"web/prod-1/done.tar"}) {
		t.Errorf("List() during a Put and with the lock held = %q, want only the complete object", got)
	}
	close(g.release)
	if err := <-errc; err != nil {
		t.Fatalf("Put: %v", err)
	}
	if got := names(t, tg, "web/"); !slices.Equal(got, []string{"web/prod-1/done.tar", name}) {
		t.Errorf("List() after the Put = %q", got)
	}
	if err := lock.Release(t.Context()); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if n, err := tg.Cleanup(t.Context(), 0); err != nil || n != 0 {
		t.Errorf("Cleanup after clean work = %d, %v; want nothing to clean", n, err)
	}
}

func testListPrefixes(t *testing.T, tg target.Target) {
	all := []string{"db/x", "web/prod-1/b", "web/prod-1/a", "web/prod-2/a", "web/prod-10/a", "webmail/a"}
	for _, n := range all {
		put(t, tg, n, []byte(n))
	}
	for _, c := range []struct {
		prefix string
		want   []string
	}{
		{"", []string{"db/x", "web/prod-1/a", "web/prod-1/b", "web/prod-10/a", "web/prod-2/a", "webmail/a"}},
		{"web/", []string{"web/prod-1/a", "web/prod-1/b", "web/prod-10/a", "web/prod-2/a"}},
		{"web", []string{"web/prod-1/a", "web/prod-1/b", "web/prod-10/a", "web/prod-2/a", "webmail/a"}},
		{"web/prod-1/", []string{"web/prod-1/a", "web/prod-1/b"}},
		{"web/prod-1", []string{"web/prod-1/a", "web/prod-1/b", "web/prod-10/a"}},
		{"web/prod-1/a", []string{"web/prod-1/a"}},
		{"nothing/", []string{}},
		{"nothing/deeper/", []string{}},
	} {
		if got := names(t, tg, c.prefix); !slices.Equal(got, c.want) {
			t.Errorf("List(%q) = %q, want %q", c.prefix, got, c.want)
		}
	}
}

func testDeleteMissing(t *testing.T, tg target.Target) {
	if err := tg.Delete(t.Context(), "never/was"); err != nil {
		t.Errorf("Delete of a missing object: %v", err)
	}
}

func testInvalidNames(t *testing.T, tg target.Target) {
	for _, name := range []string{"", "/abs", "a/../b", "./a", "a//b", "a/", target.LockName,
		"x/" + target.TempPrefix + "1", "a\\b", "a\x00b"} {
		if _, err := tg.Put(t.Context(), name, bytes.NewReader(nil)); !errors.Is(err, target.ErrInvalidName) {
			t.Errorf("Put(%q) error = %v, want ErrInvalidName", name, err)
		}
		if _, err := tg.Get(t.Context(), name); !errors.Is(err, target.ErrInvalidName) {
			t.Errorf("Get(%q) error = %v, want ErrInvalidName", name, err)
		}
		if err := tg.Delete(t.Context(), name); !errors.Is(err, target.ErrInvalidName) {
			t.Errorf("Delete(%q) error = %v, want ErrInvalidName", name, err)
		}
	}
	if _, err := tg.List(t.Context(), "../"); !errors.Is(err, target.ErrInvalidName) {
		t.Errorf("List(\"../\") error = %v, want ErrInvalidName", err)
	}
}

func lockedBy(t *testing.T, err error, owner string) {
	t.Helper()
	var le *target.LockedError
	if !errors.As(err, &le) {
		t.Fatalf("Lock error = %v, want *LockedError", err)
	}
	if le.Owner != owner || time.Since(le.Since) > time.Minute || le.Refreshed.Before(le.Since) {
		t.Errorf("LockedError = %+v, want owner %q and recent times", le, owner)
	}
}

func testLock(t *testing.T, tg target.Target) {
	first, err := tg.Lock(t.Context(), "vigie@a pid 1 job web", time.Minute)
	if err != nil {
		t.Fatalf("Lock: %v", err)
	}
	_, err = tg.Lock(t.Context(), "vigie@b pid 2 job web", time.Minute)
	lockedBy(t, err, "vigie@a pid 1 job web")
	if got := names(t, tg, ""); len(got) != 0 {
		t.Errorf("List() with the lock held = %q", got)
	}
	if err := first.Release(t.Context()); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if err := first.Release(t.Context()); err != nil {
		t.Errorf("second Release: %v", err)
	}
	second, err := tg.Lock(t.Context(), "vigie@b pid 2 job web", time.Minute)
	if err != nil {
		t.Fatalf("Lock after Release: %v", err)
	}
	if err := second.Release(t.Context()); err != nil {
		t.Fatalf("Release: %v", err)
	}
}

func testLockRefreshes(t *testing.T, tg target.Target) {
	const stale = time.Second
	holder, err := tg.Lock(t.Context(), "holder", stale)
	if err != nil {
		t.Fatalf("Lock: %v", err)
	}
	time.Sleep(5 * stale / 2)
	_, err = tg.Lock(t.Context(), "contender", stale)
	lockedBy(t, err, "holder")
	select {
	case <-holder.Lost():
		t.Error("a refreshed lock says it is lost")
	default:
	}
	if err := holder.Release(t.Context()); err != nil {
		t.Fatalf("Release: %v", err)
	}
}

func testStaleLock(t *testing.T, tg target.Target) {
	// The holder refreshes every 20 minutes: for a contender counting 200ms as stale, it has
	// stopped, like a crashed job.
	holder, err := tg.Lock(t.Context(), "crashed", time.Hour)
	if err != nil {
		t.Fatalf("Lock: %v", err)
	}
	time.Sleep(400 * time.Millisecond)
	taker, err := tg.Lock(t.Context(), "taker", 200*time.Millisecond)
	if err != nil {
		t.Fatalf("Lock of a stale lock: %v", err)
	}
	_, err = tg.Lock(t.Context(), "third", time.Hour)
	lockedBy(t, err, "taker")
	if err := holder.Release(t.Context()); !errors.Is(err, target.ErrLockLost) {
		t.Errorf("Release by the old holder = %v, want ErrLockLost", err)
	}
	_, err = tg.Lock(t.Context(), "third", time.Hour)
	lockedBy(t, err, "taker") // the old holder's Release left the new lock alone
	if err := taker.Release(t.Context()); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if got := names(t, tg, ""); len(got) != 0 {
		t.Errorf("List() = %q", got)
	}
	if _, err := tg.Cleanup(t.Context(), 0); err != nil {
		t.Errorf("Cleanup: %v", err)
	}
}

// testConcurrentLock has 8 goroutines take the lock at once; exactly one must win, the others
// get a LockedError that passes loserOK (when set).
func testConcurrentLock(t *testing.T, tg target.Target, loserOK func(*target.LockedError) bool) {
	const n = 8
	stale := time.Minute
	if loserOK != nil {
		stale = time.Second
	}
	locks := make([]*target.Lock, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			locks[i], errs[i] = tg.Lock(t.Context(), fmt.Sprintf("contender %d", i), stale)
		})
	}
	close(start)
	wg.Wait()
	winners := 0
	for i := range n {
		var le *target.LockedError
		switch {
		case errs[i] == nil:
			winners++
			defer func() {
				if err := locks[i].Release(t.Context()); err != nil {
					t.Errorf("Release: %v", err)
				}
			}()
		case errors.As(errs[i], &le):
			if loserOK != nil && !loserOK(le) {
				t.Errorf("contender %d: %v", i, le)
			}
		default:
			t.Errorf("contender %d: %v", i, errs[i])
		}
	}
	if winners != 1 {
		t.Errorf("%d contenders got the lock, want exactly 1 (errors: %v)", winners, errs)
	}
}

func testLimit(t *testing.T, tg target.Target) {
	const size = 2 << 20
	lt := target.Limit(tg, 1<<20)
	start := time.Now()
	data := Data(size, 7)
	put(t, lt, "limited", data)
	// 2 MiB at 1 MiB/s with a 256 KiB burst takes 1.75 s; anything under 1.5 s is no limit.
	if d := time.Since(start); d < 1500*time.Millisecond {
		t.Errorf("limited Put of 2 MiB at 1 MiB/s took %s, want >= 1.5s", d)
	}
	start = time.Now()
	if got := get(t, lt, "limited"); !bytes.Equal(got, data) {
		t.Errorf("limited Get returned other bytes")
	}
	if d := time.Since(start); d < 1500*time.Millisecond {
		t.Errorf("limited Get of 2 MiB at 1 MiB/s took %s, want >= 1.5s", d)
	}
	if _, ok := tg.(target.SpaceReporter); ok {
		if _, ok := lt.(target.SpaceReporter); !ok {
			t.Error("Limit hides the target's Space")
		}
	}
}
