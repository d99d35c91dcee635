package target

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"vigie/internal/errs"
)

func TestCheckName(t *testing.T) {
	for _, c := range []struct {
		name string
		want string // part of the error, "" for valid
	}{
		{"web/prod-1/20261123T020000Z-ab12cd.tar.zst.age", ""},
		{"a", ""},
		{"odd names/été 2026/a b+c=d@e,f;g!h'(i).tar", ""},
		{"a/.hidden", ""},
		{"a/..b", ""},
		{"", "empty"},
		{"/abs", "empty path segment"},
		{"a/", "empty path segment"},
		{"a//b", "empty path segment"},
		{"a/./b", `"." segment`},
		{"a/../b", `".." segment`},
		{"..", `".." segment`},
		{".vigie-lock/lock.json", "reserved"},
		{"web/.vigie-tmp-123", "reserved"},
		{"a\\b", `contains '\\'`},
		{"a\nb", `contains '\n'`},
		{"a\x7fb", `contains '\x7f'`},
		{"\xff", "not UTF-8"},
		{strings.Repeat("a", 256), "segment longer than 255 bytes"},
		{strings.Repeat("a/", 600) + "a", "longer than 1024 bytes"},
	} {
		err := CheckName(c.name)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("CheckName(%q) = %v, want nil", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, ErrInvalidName)):
			t.Errorf("CheckName(%q) = %v, want ErrInvalidName with %q", c.name, err, c.want)
		}
	}
}

func TestCheckPrefix(t *testing.T) {
	for _, p := range []string{"", "web", "web/", "web/prod-1/2026"} {
		if err := CheckPrefix(p); err != nil {
			t.Errorf("CheckPrefix(%q) = %v", p, err)
		}
	}
	for _, p := range []string{"/", "/web", "../", "web//", "web/../x"} {
		if err := CheckPrefix(p); !errors.Is(err, ErrInvalidName) {
			t.Errorf("CheckPrefix(%q) = %v, want ErrInvalidName", p, err)
		}
	}
}

// FuzzCheckName holds the promise implementations rely on: a valid name is relative, clean
// and never one of the target's own.
func FuzzCheckName(f *testing.F) {
	for _, s := range []string{"web/a.tar", "a/../b", ".vigie-lock/lock.json", "a//b", "é/ü"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if CheckName(name) != nil {
			return
		}
		if Hidden(name) || strings.HasPrefix(name, "/") || strings.HasSuffix(name, "/") ||
			strings.Contains(name, "//") || strings.Contains(name, "\\") {
			t.Errorf("CheckName accepts %q", name)
		}
		for seg := range strings.SplitSeq(name, "/") {
			if seg == "." || seg == ".." {
				t.Errorf("CheckName accepts %q", name)
			}
		}
		if CheckPrefix(name) != nil {
			t.Errorf("a valid name %q is an invalid prefix", name)
		}
	})
}

func TestHidden(t *testing.T) {
	for name, want := range map[string]bool{
		LockName: true, "web/" + TempPrefix + "x": true, "web/a": false, "web/.vig": false,
	} {
		if Hidden(name) != want {
			t.Errorf("Hidden(%q) = %v, want %v", name, !want, want)
		}
	}
}

func TestErrorsCarryCodes(t *testing.T) {
	for err, code := range map[error]errs.Code{
		ErrNotFound:                    errs.NotFound,
		ErrExists:                      errs.Conflict,
		ErrInvalidName:                 errs.Invalid,
		ErrLockLost:                    errs.Conflict,
		&LockedError{Owner: "someone"}: errs.Conflict,
	} {
		if got := errs.CodeOf(err); got != code {
			t.Errorf("CodeOf(%v) = %s, want %s", err, got, code)
		}
	}
}

func TestLockedErrorNamesHolder(t *testing.T) {
	since := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	err := &LockedError{Owner: "vigie@web-1 pid 42 job web", Since: since, Refreshed: since.Add(time.Minute)}
	want := `target is locked by "vigie@web-1 pid 42 job web" since 2026-11-23T02:00:00Z (last refreshed 2026-11-23T02:01:00Z)`
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}

func TestAcquireChecksArguments(t *testing.T) {
	if _, err := Acquire(context.Background(), nil, "owner", 0); err == nil {
		t.Error("Acquire with stale 0 succeeded")
	}
	if _, err := Acquire(context.Background(), nil, "", time.Minute); err == nil {
		t.Error("Acquire without owner succeeded")
	}
}

type stub struct{ Target }

func TestLimitWithoutRateIsNoLimit(t *testing.T) {
	tg := stub{}
	if got := Limit(tg, 0); got != Target(tg) {
		t.Error("Limit(t, 0) wraps t")
	}
	if _, ok := Limit(tg, 1).(SpaceReporter); ok {
		t.Error("Limit makes a target without Space a SpaceReporter")
	}
}

// memLocks is a LockStore in memory, for the protocol's own tests.
type memLocks struct {
	data    []byte
	version int
}

func (m *memLocks) CreateLock(_ context.Context, data []byte) error {
	if m.data != nil {
		return ErrExists
	}
	m.data, m.version = data, m.version+1
	return nil
}

func (m *memLocks) ReadLock(context.Context) ([]byte, string, error) {
	if m.data == nil {
		return nil, "", ErrNotFound
	}
	return m.data, strconv.Itoa(m.version), nil
}

func (m *memLocks) replace(version string, data []byte) error {
	if m.data == nil || version != strconv.Itoa(m.version) {
		return ErrLockLost
	}
	m.data, m.version = data, m.version+1
	return nil
}

func (m *memLocks) RefreshLock(_ context.Context, v string, data []byte) error {
	return m.replace(v, data)
}
func (m *memLocks) TakeOverLock(_ context.Context, v string, data []byte) error {
	return m.replace(v, data)
}
func (m *memLocks) RemoveLock(_ context.Context, v string) error {
	if v != strconv.Itoa(m.version) {
		return ErrLockLost
	}
	m.data = nil
	return nil
}

// A lock left by a killed process of this host is taken over at once, without waiting for
// it to go stale; one of a live process, or of another host, is not.
func TestLockOfDeadProcessIsTakenOver(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	dead := cmd.Process.Pid
	host, _ := os.Hostname()
	for _, tc := range []struct {
		name     string
		pid      int
		host     string
		takeOver bool
	}{
		{"dead process here", dead, host, true},
		{"live process here", os.Getppid(), host, false},
		{"other host", dead, "elsewhere.example", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := time.Now().UTC()
			rec, _ := json.Marshal(lockRecord{Owner: "killed run", Host: tc.host, PID: tc.pid, Token: "t", Since: now, Refreshed: now})
			store := &memLocks{data: rec, version: 1}
			l, err := Acquire(context.Background(), store, "next run", time.Hour)
			if tc.takeOver {
				if err != nil {
					t.Fatalf("Acquire: %v", err)
				}
				l.Release(context.Background())
				return
			}
			var le *LockedError
			if !errors.As(err, &le) || le.Owner != "killed run" {
				t.Fatalf("Acquire = %v, want locked by the killed run", err)
			}
		})
	}
}
