// Package auth owns who may use vigie: admin users with argon2id passwords and optional TOTP,
// browser sessions, scoped API tokens, and login throttling.
//
// Secrets handed to people (session cookies, API tokens) are random and stored only as
// SHA-256 hashes, so a copy of the database gives no live credential.
package auth

import (
	"context"
	"fmt"
	"time"

	"vigie/internal/errs"
)

// Scope is what an API token may do. Each scope includes the ones below it.
type Scope string

const (
	ScopeRead  Scope = "read"  // look at anything
	ScopeWrite Scope = "write" // change runtime state (reload, and later silences, incidents...)
	ScopeAdmin Scope = "admin" // manage users and tokens
)

var scopeRank = map[Scope]int{ScopeRead: 1, ScopeWrite: 2, ScopeAdmin: 3}

// ParseScope validates a scope name.
func ParseScope(s string) (Scope, error) {
	if _, ok := scopeRank[Scope(s)]; !ok {
		return "", errs.E(errs.Invalid, "scope %q is not one of read, write, admin", s)
	}
	return Scope(s), nil
}

// Allows reports whether a holder of s may do what needs scope need.
func (s Scope) Allows(need Scope) bool { return scopeRank[s] >= scopeRank[need] && scopeRank[s] > 0 }

// User is an administrator of this vigie installation.
type User struct {
	ID           int64
	Name         string
	PasswordHash string
	TOTPSecret   string // base32; empty when the second factor is off
	TOTPLastStep int64  // last accepted TOTP time step, so a code is never accepted twice
	CreatedAt    time.Time
	UpdatedAt    time.Time
	LastLoginAt  time.Time // zero if never
}

// TOTPEnabled reports whether the user must give a one-time code at login.
func (u *User) TOTPEnabled() bool { return u.TOTPSecret != "" }

// Session is a logged-in browser. IDHash is the SHA-256 of the cookie value.
type Session struct {
	IDHash     string
	UserID     int64
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastSeenAt time.Time
	IP         string
	UserAgent  string
}

// Token is an API token. Only its hash is stored; Prefix is kept to help people tell tokens apart.
type Token struct {
	ID         int64
	Name       string
	Scope      Scope
	Hash       string
	Prefix     string
	CreatedBy  string
	CreatedAt  time.Time
	LastUsedAt time.Time // zero if never
	RevokedAt  time.Time // zero if active
}

// Active reports whether the token can still be used.
func (t *Token) Active() bool { return t.RevokedAt.IsZero() }

// FailureStats summarises recent failed logins for one account and one client address.
type FailureStats struct {
	UserCount int
	UserLast  time.Time
	IPCount   int
	IPLast    time.Time
}

// Store is what auth needs from storage. Missing rows are errs.NotFound, duplicates errs.Conflict.
type Store interface {
	CreateUser(ctx context.Context, u *User) error
	UserByName(ctx context.Context, name string) (*User, error)
	UserByID(ctx context.Context, id int64) (*User, error)
	ListUsers(ctx context.Context) ([]User, error)
	CountUsers(ctx context.Context) (int, error)
	UpdateUserPassword(ctx context.Context, id int64, hash string, at time.Time) error
	UpdateUserTOTP(ctx context.Context, id int64, secret string, at time.Time) error
	RecordLogin(ctx context.Context, id int64, at time.Time, totpStep int64) error
	DeleteUser(ctx context.Context, id int64) error

	CreateSession(ctx context.Context, s *Session) error
	SessionByHash(ctx context.Context, idHash string) (*Session, error)
	TouchSession(ctx context.Context, idHash string, at time.Time) error
	DeleteSession(ctx context.Context, idHash string) error
	DeleteUserSessions(ctx context.Context, userID int64) error
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error)

	CreateToken(ctx context.Context, t *Token) error
	TokenByHash(ctx context.Context, hash string) (*Token, error)
	TokenByID(ctx context.Context, id int64) (*Token, error)
	ListTokens(ctx context.Context) ([]Token, error)
	RevokeToken(ctx context.Context, id int64, at time.Time) error
	TouchToken(ctx context.Context, id int64, at time.Time) error

	RecordLoginFailure(ctx context.Context, username, ip string, at time.Time) error
	LoginFailures(ctx context.Context, username, ip string, since time.Time) (FailureStats, error)
	ClearLoginFailures(ctx context.Context, username string) error
	DeleteLoginFailuresBefore(ctx context.Context, t time.Time) (int64, error)
}

// ErrBadCredentials is returned for any failed login, whatever the reason, so a caller cannot
// tell a wrong user name from a wrong password or code.
var ErrBadCredentials = errs.E(errs.Unauthenticated, "invalid user name, password or code")

func validateUserName(name string) error {
	if len(name) == 0 || len(name) > 64 {
		return errs.E(errs.Invalid, "user name must be 1 to 64 characters")
	}
	for i, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || i > 0 && (r == '.' || r == '_' || r == '-' || r == '@')
		if !ok {
			return errs.E(errs.Invalid, "user name %q: use lower-case letters, digits and . _ - @ (starting with a letter or digit)", name)
		}
	}
	return nil
}

// MinPasswordLength follows NIST SP 800-63B's advice to favour length over composition rules.
const MinPasswordLength = 12

func validatePassword(pw string) error {
	if n := len([]rune(pw)); n < MinPasswordLength {
		return errs.E(errs.Invalid, "password must be at least %d characters (got %d)", MinPasswordLength, n)
	}
	if len(pw) > 1024 {
		return errs.E(errs.Invalid, "password must be at most 1024 bytes")
	}
	return nil
}

func validateTokenName(name string) error {
	if len(name) == 0 || len(name) > 64 {
		return errs.E(errs.Invalid, "token name must be 1 to 64 characters")
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return errs.E(errs.Invalid, "token name must not contain control characters")
		}
	}
	return nil
}

func formatWait(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%d s", int(d.Seconds()+0.999))
	}
	return fmt.Sprintf("%d min", int(d.Minutes()+0.999))
}
