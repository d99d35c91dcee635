package auth

import (
	"strings"
	"testing"
	"time"
)

var cheap = HashParams{Memory: 64, Time: 1, Threads: 1}

// RFC 6238 appendix B, SHA-1 rows, truncated to 6 digits (the RFC prints 8).
func TestTOTPMatchesRFC6238(t *testing.T) {
	secret := b32.EncodeToString([]byte("12345678901234567890"))
	for _, c := range []struct {
		unix int64
		want string
	}{
		{59, "287082"},
		{1111111109, "081804"},
		{1111111111, "050471"},
		{1234567890, "005924"},
		{2000000000, "279037"},
		{20000000000, "353130"},
	} {
		got, err := TOTPCode(secret, TOTPStep(time.Unix(c.unix, 0)))
		if err != nil || got != c.want {
			t.Errorf("T=%d: %q, %v; want %q", c.unix, got, err, c.want)
		}
	}
}

func TestVerifyTOTP(t *testing.T) {
	secret, _ := NewTOTPSecret()
	now := time.Unix(1_800_000_000, 0)
	step := TOTPStep(now)
	code := func(s int64) string { c, _ := TOTPCode(secret, s); return c }
	cases := []struct {
		name     string
		code     string
		lastStep int64
		want     int64
	}{
		{"current", code(step), 0, step},
		{"with a space", code(step)[:3] + " " + code(step)[3:], 0, step},
		{"previous step (clock drift)", code(step - 1), 0, step - 1},
		{"next step", code(step + 1), 0, step + 1},
		{"two steps old", code(step - 2), 0, 0},
		{"already used", code(step), step, 0},
		{"short", "12345", 0, 0},
		{"letters", "abcdef", 0, 0},
	}
	for _, c := range cases {
		if got := verifyTOTP(secret, c.code, now, c.lastStep); got != c.want {
			t.Errorf("%s: got step %d, want %d", c.name, got, c.want)
		}
	}
}

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("correct horse battery", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %q is not PHC argon2id", h)
	}
	h2, _ := HashPassword("correct horse battery", cheap)
	if h == h2 {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
	if ok, err := VerifyPassword("correct horse battery", h); !ok || err != nil {
		t.Fatalf("right password: %v %v", ok, err)
	}
	if ok, _ := VerifyPassword("correct horse batterY", h); ok {
		t.Fatal("wrong password accepted")
	}
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=64,t=1,p=1$c2FsdA$a2V5", "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdA$a2V5",
		"$argon2id$v=19$m=64,t=1,p=1$!!$a2V5", "$argon2id$v=18$m=64,t=1,p=1$c2FsdA$a2V5"} {
		if ok, err := VerifyPassword("x", bad); ok || err == nil {
			t.Errorf("malformed hash %q: ok=%v err=%v", bad, ok, err)
		}
	}
}

func FuzzVerifyPassword(f *testing.F) {
	h, _ := HashPassword("pw", cheap)
	f.Add("pw", h)
	f.Add("x", "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$a2V5")
	f.Add("", "$$$$$")
	f.Fuzz(func(t *testing.T, pw, hash string) {
		ok, err := VerifyPassword(pw, hash)
		if ok && err != nil {
			t.Fatal("accepted with an error")
		}
		if ok && hash != h {
			// Only a hash made from pw can verify; the fuzzer cannot forge argon2.
			if again, _ := VerifyPassword(pw+"\x00different", hash); again {
				t.Fatalf("hash %q accepts anything", hash)
			}
		}
	})
}

func TestThrottleSchedule(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	cases := []struct {
		failures int
		ago      time.Duration
		want     time.Duration
	}{
		{4, 0, 0},
		{5, 0, 30 * time.Second},
		{5, 10 * time.Second, 20 * time.Second},
		{5, 30 * time.Second, 0},
		{6, 0, time.Minute},
		{7, 0, 2 * time.Minute},
		{9, 0, 8 * time.Minute},
		{10, 0, ThrottleMax},
		{50, 0, ThrottleMax},
	}
	for _, c := range cases {
		got := throttleWait(FailureStats{UserCount: c.failures, UserLast: now.Add(-c.ago)}, now)
		if got != c.want {
			t.Errorf("%d failures, last %s ago: wait %s, want %s", c.failures, c.ago, got, c.want)
		}
		// The address count throttles the same way; the larger wait wins.
		got = throttleWait(FailureStats{UserCount: 1, UserLast: now, IPCount: c.failures, IPLast: now.Add(-c.ago)}, now)
		if got != c.want {
			t.Errorf("by address, %d failures: wait %s, want %s", c.failures, got, c.want)
		}
	}
}

func TestScopes(t *testing.T) {
	for _, c := range []struct {
		have, need Scope
		ok         bool
	}{
		{ScopeRead, ScopeRead, true}, {ScopeRead, ScopeWrite, false}, {ScopeRead, ScopeAdmin, false},
		{ScopeWrite, ScopeRead, true}, {ScopeWrite, ScopeWrite, true}, {ScopeWrite, ScopeAdmin, false},
		{ScopeAdmin, ScopeAdmin, true}, {"", ScopeRead, false}, {"root", ScopeRead, false},
	} {
		if got := c.have.Allows(c.need); got != c.ok {
			t.Errorf("%q allows %q = %v, want %v", c.have, c.need, got, c.ok)
		}
	}
	if _, err := ParseScope("Admin"); err == nil {
		t.Error("scopes are lower-case; Admin was accepted")
	}
}

func TestCSRFToken(t *testing.T) {
	a, b := CSRFToken("cookie-a"), CSRFToken("cookie-b")
	if a == b || !CheckCSRF("cookie-a", a) || CheckCSRF("cookie-b", a) || CheckCSRF("", CSRFToken("")) || CheckCSRF("cookie-a", "") {
		t.Fatal("CSRF tokens do not bind to their cookie")
	}
}

func TestUserNames(t *testing.T) {
	for name, ok := range map[string]bool{
		"alice": true, "a.b-c_d@example.org": true, "0ps": true,
		"": false, "Alice": false, ".alice": false, "al ice": false, "élise": false, strings.Repeat("a", 65): false,
	} {
		if err := validateUserName(name); (err == nil) != ok {
			t.Errorf("%q: err=%v, want ok=%v", name, err, ok)
		}
	}
}
