package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"strings"
	"time"

	"vigie/internal/clock"
	"vigie/internal/errs"
)

// Throttling: after ThrottleAfter failures within ThrottleWindow (per account or per client
// address), each further attempt must wait, doubling from ThrottleBase up to ThrottleMax.
const (
	ThrottleAfter  = 5
	ThrottleWindow = 15 * time.Minute
	ThrottleBase   = 30 * time.Second
	ThrottleMax    = 15 * time.Minute
)

// touchEvery bounds how often using a session or token turns a read into a write.
const touchEvery = time.Minute

// TokenPrefix starts every API token, so secret scanners and people recognise one.
const TokenPrefix = "vigie_"

// Options configure a Service.
type Options struct {
	Store  Store
	Clock  clock.Clock
	Logger *slog.Logger
	Hash   HashParams
	// SessionLifetime is read on every login so a config reload takes effect at once.
	SessionLifetime func() time.Duration
}

// Service is the auth domain: it validates input, applies the rules and calls the store.
type Service struct {
	store           Store
	clock           clock.Clock
	log             *slog.Logger
	hash            HashParams
	sessionLifetime func() time.Duration
	dummyHash       string // verified against when the user does not exist, to keep timing flat
}

// NewService returns a Service. Zero options get sensible defaults.
func NewService(o Options) (*Service, error) {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Hash == (HashParams{}) {
		o.Hash = DefaultHashParams
	}
	if o.SessionLifetime == nil {
		o.SessionLifetime = func() time.Duration { return 12 * time.Hour }
	}
	dummy, err := HashPassword("vigie-timing-equaliser", o.Hash)
	if err != nil {
		return nil, err
	}
	return &Service{store: o.Store, clock: o.Clock, log: o.Logger, hash: o.Hash,
		sessionLifetime: o.SessionLifetime, dummyHash: dummy}, nil
}

// NormalizeUserName is how names are compared and stored: trimmed and lower-case.
func NormalizeUserName(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// AddUser creates an administrator.
func (s *Service) AddUser(ctx context.Context, name, password string) (*User, error) {
	name = NormalizeUserName(name)
	if err := validateUserName(name); err != nil {
		return nil, err
	}
	if err := validatePassword(password); err != nil {
		return nil, err
	}
	hash, err := HashPassword(password, s.hash)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	u := &User{Name: name, PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	s.log.Info("user added", "user", name)
	return u, nil
}

// HasUsers reports whether any administrator exists (first-run setup is offered when not).
func (s *Service) HasUsers(ctx context.Context) (bool, error) {
	n, err := s.store.CountUsers(ctx)
	return n > 0, err
}

// SetPassword changes a user's password and ends all their sessions.
func (s *Service) SetPassword(ctx context.Context, name, password string) error {
	u, err := s.store.UserByName(ctx, NormalizeUserName(name))
	if err != nil {
		return err
	}
	if err := validatePassword(password); err != nil {
		return err
	}
	hash, err := HashPassword(password, s.hash)
	if err != nil {
		return err
	}
	if err := s.store.UpdateUserPassword(ctx, u.ID, hash, s.clock.Now()); err != nil {
		return err
	}
	s.log.Info("password changed", "user", u.Name)
	return s.store.DeleteUserSessions(ctx, u.ID)
}

// EnableTOTP gives the user a new second-factor secret and returns its provisioning URI.
func (s *Service) EnableTOTP(ctx context.Context, name, issuer string) (string, error) {
	u, err := s.store.UserByName(ctx, NormalizeUserName(name))
	if err != nil {
		return "", err
	}
	secret, err := NewTOTPSecret()
	if err != nil {
		return "", err
	}
	if err := s.store.UpdateUserTOTP(ctx, u.ID, secret, s.clock.Now()); err != nil {
		return "", err
	}
	s.log.Info("totp enabled", "user", u.Name)
	return TOTPURI(issuer, u.Name, secret), nil
}

// DisableTOTP removes the user's second factor.
func (s *Service) DisableTOTP(ctx context.Context, name string) error {
	u, err := s.store.UserByName(ctx, NormalizeUserName(name))
	if err != nil {
		return err
	}
	s.log.Info("totp disabled", "user", u.Name)
	return s.store.UpdateUserTOTP(ctx, u.ID, "", s.clock.Now())
}

// DeleteUser removes a user and their sessions. The last user cannot be removed, so nobody
// is locked out of the UI.
func (s *Service) DeleteUser(ctx context.Context, name string) error {
	u, err := s.store.UserByName(ctx, NormalizeUserName(name))
	if err != nil {
		return err
	}
	n, err := s.store.CountUsers(ctx)
	if err != nil {
		return err
	}
	if n <= 1 {
		return errs.E(errs.Conflict, "%q is the last user and cannot be removed", u.Name)
	}
	s.log.Info("user deleted", "user", u.Name)
	return s.store.DeleteUser(ctx, u.ID)
}

// ListUsers returns all users by name.
func (s *Service) ListUsers(ctx context.Context) ([]User, error) { return s.store.ListUsers(ctx) }

// LoginRequest is one login attempt.
type LoginRequest struct {
	UserName  string
	Password  string
	Code      string // TOTP code, required when the user has a second factor
	IP        string
	UserAgent string
}

// Login checks credentials under throttling and opens a session. It returns the raw session
// secret for the cookie; only its hash is stored.
func (s *Service) Login(ctx context.Context, req LoginRequest) (string, *Session, error) {
	now := s.clock.Now()
	name := NormalizeUserName(req.UserName)
	stats, err := s.store.LoginFailures(ctx, name, req.IP, now.Add(-ThrottleWindow))
	if err != nil {
		return "", nil, err
	}
	if wait := throttleWait(stats, now); wait > 0 {
		s.log.Warn("login throttled", "user", name, "ip", req.IP, "wait", wait)
		return "", nil, &errs.Error{Code: errs.TooManyRequests, RetryAfter: wait,
			Message: "too many failed logins; try again in " + formatWait(wait)}
	}

	step, ok, err := s.checkCredentials(ctx, name, req, now)
	if err != nil {
		return "", nil, err
	}
	if !ok {
		if err := s.store.RecordLoginFailure(ctx, name, req.IP, now); err != nil {
			return "", nil, err
		}
		s.log.Warn("login failed", "user", name, "ip", req.IP)
		return "", nil, ErrBadCredentials
	}

	u, err := s.store.UserByName(ctx, name)
	if err != nil {
		return "", nil, err
	}
	raw, hash, err := newSecret("")
	if err != nil {
		return "", nil, err
	}
	sess := &Session{IDHash: hash, UserID: u.ID, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(s.sessionLifetime()), IP: req.IP, UserAgent: truncate(req.UserAgent, 256)}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return "", nil, err
	}
	if err := s.store.RecordLogin(ctx, u.ID, now, step); err != nil {
		return "", nil, err
	}
	if err := s.store.ClearLoginFailures(ctx, name); err != nil {
		return "", nil, err
	}
	s.log.Info("login", "user", name, "ip", req.IP)
	return raw, sess, nil
}

// checkCredentials returns the accepted TOTP step (the user's previous one when TOTP is off)
// and whether the password and code are right.
func (s *Service) checkCredentials(ctx context.Context, name string, req LoginRequest, now time.Time) (int64, bool, error) {
	u, err := s.store.UserByName(ctx, name)
	if errs.Is(err, errs.NotFound) {
		_, _ = VerifyPassword(req.Password, s.dummyHash)
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	ok, err := VerifyPassword(req.Password, u.PasswordHash)
	if err != nil {
		return 0, false, errs.Wrap(errs.Internal, err, "stored password hash of %q", u.Name)
	}
	if !ok {
		return 0, false, nil
	}
	if !u.TOTPEnabled() {
		return u.TOTPLastStep, true, nil
	}
	step := verifyTOTP(u.TOTPSecret, req.Code, now, u.TOTPLastStep)
	return step, step != 0, nil
}

// throttleWait is how long the next attempt must still wait, given recent failures.
func throttleWait(st FailureStats, now time.Time) time.Duration {
	wait := func(count int, last time.Time) time.Duration {
		if count < ThrottleAfter {
			return 0
		}
		d := ThrottleBase
		for i := ThrottleAfter; i < count && d < ThrottleMax; i++ {
			d *= 2
		}
		return min(d, ThrottleMax) - now.Sub(last)
	}
	return max(wait(st.UserCount, st.UserLast), wait(st.IPCount, st.IPLast), 0)
}

// SessionUser resolves a session cookie to its user. Expired or unknown sessions are
// errs.Unauthenticated.
func (s *Service) SessionUser(ctx context.Context, raw string) (*User, *Session, error) {
	if raw == "" {
		return nil, nil, errs.E(errs.Unauthenticated, "not logged in")
	}
	sess, err := s.store.SessionByHash(ctx, hashSecret(raw))
	if errs.Is(err, errs.NotFound) {
		return nil, nil, errs.E(errs.Unauthenticated, "session expired or unknown")
	}
	if err != nil {
		return nil, nil, err
	}
	now := s.clock.Now()
	if !now.Before(sess.ExpiresAt) {
		_ = s.store.DeleteSession(ctx, sess.IDHash)
		return nil, nil, errs.E(errs.Unauthenticated, "session expired")
	}
	u, err := s.store.UserByID(ctx, sess.UserID)
	if err != nil {
		return nil, nil, err
	}
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		if err := s.store.TouchSession(ctx, sess.IDHash, now); err != nil {
			return nil, nil, err
		}
		sess.LastSeenAt = now
	}
	return u, sess, nil
}

// Logout ends the session with this cookie value.
func (s *Service) Logout(ctx context.Context, raw string) error {
	if raw == "" {
		return nil
	}
	return s.store.DeleteSession(ctx, hashSecret(raw))
}

// CreateToken makes an API token and returns its secret, which is never shown again.
func (s *Service) CreateToken(ctx context.Context, name string, scope Scope, createdBy string) (string, *Token, error) {
	name = strings.TrimSpace(name)
	if err := validateTokenName(name); err != nil {
		return "", nil, err
	}
	if _, err := ParseScope(string(scope)); err != nil {
		return "", nil, err
	}
	raw, hash, err := newSecret(TokenPrefix)
	if err != nil {
		return "", nil, err
	}
	t := &Token{Name: name, Scope: scope, Hash: hash, Prefix: raw[:len(TokenPrefix)+6],
		CreatedBy: createdBy, CreatedAt: s.clock.Now()}
	if err := s.store.CreateToken(ctx, t); err != nil {
		return "", nil, err
	}
	s.log.Info("token created", "token", name, "scope", scope, "by", createdBy)
	return raw, t, nil
}

// AuthenticateToken resolves a bearer token and records its use.
func (s *Service) AuthenticateToken(ctx context.Context, raw string) (*Token, error) {
	if !strings.HasPrefix(raw, TokenPrefix) {
		return nil, errs.E(errs.Unauthenticated, "malformed API token")
	}
	t, err := s.store.TokenByHash(ctx, hashSecret(raw))
	if errs.Is(err, errs.NotFound) {
		return nil, errs.E(errs.Unauthenticated, "unknown API token")
	}
	if err != nil {
		return nil, err
	}
	if !t.Active() {
		return nil, errs.E(errs.Unauthenticated, "API token %q was revoked", t.Name)
	}
	now := s.clock.Now()
	if now.Sub(t.LastUsedAt) >= touchEvery {
		if err := s.store.TouchToken(ctx, t.ID, now); err != nil {
			return nil, err
		}
		t.LastUsedAt = now
	}
	return t, nil
}

// ListTokens returns every token, revoked ones included, newest first.
func (s *Service) ListTokens(ctx context.Context) ([]Token, error) { return s.store.ListTokens(ctx) }

// RevokeToken makes a token unusable at once. Revoking twice is not an error.
func (s *Service) RevokeToken(ctx context.Context, id int64, by string) (*Token, error) {
	t, err := s.store.TokenByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if t.Active() {
		t.RevokedAt = s.clock.Now()
		if err := s.store.RevokeToken(ctx, id, t.RevokedAt); err != nil {
			return nil, err
		}
		s.log.Info("token revoked", "token", t.Name, "by", by)
	}
	return t, nil
}

// Prune deletes expired sessions and login failures too old to matter.
func (s *Service) Prune(ctx context.Context) error {
	now := s.clock.Now()
	if _, err := s.store.DeleteExpiredSessions(ctx, now); err != nil {
		return err
	}
	_, err := s.store.DeleteLoginFailuresBefore(ctx, now.Add(-ThrottleWindow))
	return err
}

// CSRFToken derives the anti-forgery token for forms from a cookie secret (the session, or a
// pre-login cookie). It needs no storage, and a forged cookie alone cannot produce it.
func CSRFToken(cookieSecret string) string {
	mac := hmac.New(sha256.New, []byte(cookieSecret))
	mac.Write([]byte("vigie csrf v1"))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// CheckCSRF reports whether token is the one for cookieSecret.
func CheckCSRF(cookieSecret, token string) bool {
	return cookieSecret != "" && hmac.Equal([]byte(CSRFToken(cookieSecret)), []byte(token))
}

// NewCookieSecret returns a random value for a cookie.
func NewCookieSecret() (string, error) {
	raw, _, err := newSecret("")
	return raw, err
}

func newSecret(prefix string) (raw, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	raw = prefix + base64.RawURLEncoding.EncodeToString(b)
	return raw, hashSecret(raw), nil
}

func hashSecret(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
