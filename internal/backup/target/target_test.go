package target

import (
	"context"
	"errors"
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
