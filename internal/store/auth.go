package store

import (
	"context"
	"database/sql"
	"time"

	"vigie/internal/auth"
)

var _ auth.Store = (*Store)(nil)

const userColumns = `id, name, password_hash, totp_secret, totp_last_step, created_at, updated_at, last_login_at`

func scanUser(row interface{ Scan(...any) error }) (*auth.User, error) {
	var u auth.User
	var created, updated, lastLogin sql.NullInt64
	if err := row.Scan(&u.ID, &u.Name, &u.PasswordHash, &u.TOTPSecret, &u.TOTPLastStep, &created, &updated, &lastLogin); err != nil {
		return nil, err
	}
	u.CreatedAt, u.UpdatedAt, u.LastLoginAt = fromMicros(created), fromMicros(updated), fromMicros(lastLogin)
	return &u, nil
}

func (s *Store) CreateUser(ctx context.Context, u *auth.User) error {
	defer s.observe("users.create")()
	id, err := s.insert(ctx, "user "+u.Name,
		`INSERT INTO users (name, password_hash, totp_secret, totp_last_step, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
		u.Name, u.PasswordHash, u.TOTPSecret, u.TOTPLastStep, micros(u.CreatedAt), micros(u.UpdatedAt))
	if err != nil {
		return err
	}
	u.ID = id
	return nil
}

func (s *Store) UserByName(ctx context.Context, name string) (*auth.User, error) {
	defer s.observe("users.get")()
	u, err := scanUser(s.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE name = ?`, name))
	return u, s.wrap(err, "user "+name)
}

func (s *Store) UserByID(ctx context.Context, id int64) (*auth.User, error) {
	defer s.observe("users.get")()
	u, err := scanUser(s.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	return u, s.wrap(err, "user")
}

func (s *Store) ListUsers(ctx context.Context) ([]auth.User, error) {
	defer s.observe("users.list")()
	rows, err := s.query(ctx, `SELECT `+userColumns+` FROM users ORDER BY name`)
	if err != nil {
		return nil, s.wrap(err, "users")
	}
	defer rows.Close()
	var out []auth.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, s.wrap(err, "users")
		}
		out = append(out, *u)
	}
	return out, s.wrap(rows.Err(), "users")
}

func (s *Store) CountUsers(ctx context.Context) (int, error) {
	defer s.observe("users.count")()
	var n int
	err := s.queryRow(ctx, `SELECT count(*) FROM users`).Scan(&n)
	return n, s.wrap(err, "users")
}

func (s *Store) UpdateUserPassword(ctx context.Context, id int64, hash string, at time.Time) error {
	defer s.observe("users.update")()
	return s.execOne(ctx, "user", `UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?`, hash, micros(at), id)
}

// UpdateUserTOTP sets or clears the second factor; a new secret starts with no used step.
func (s *Store) UpdateUserTOTP(ctx context.Context, id int64, secret string, at time.Time) error {
	defer s.observe("users.update")()
	return s.execOne(ctx, "user", `UPDATE users SET totp_secret = ?, totp_last_step = 0, updated_at = ? WHERE id = ?`, secret, micros(at), id)
}

func (s *Store) RecordLogin(ctx context.Context, id int64, at time.Time, totpStep int64) error {
	defer s.observe("users.login")()
	return s.execOne(ctx, "user", `UPDATE users SET last_login_at = ?, totp_last_step = ? WHERE id = ?`, micros(at), totpStep, id)
}

// DeleteUser removes the user; their sessions go with them (foreign key cascade).
func (s *Store) DeleteUser(ctx context.Context, id int64) error {
	defer s.observe("users.delete")()
	return s.execOne(ctx, "user", `DELETE FROM users WHERE id = ?`, id)
}

func (s *Store) CreateSession(ctx context.Context, se *auth.Session) error {
	defer s.observe("sessions.create")()
	_, err := s.exec(ctx, `INSERT INTO sessions (id_hash, user_id, created_at, expires_at, last_seen_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		se.IDHash, se.UserID, micros(se.CreatedAt), micros(se.ExpiresAt), micros(se.LastSeenAt), se.IP, se.UserAgent)
	return s.wrap(err, "session")
}

func (s *Store) SessionByHash(ctx context.Context, idHash string) (*auth.Session, error) {
	defer s.observe("sessions.get")()
	var se auth.Session
	var created, expires, seen sql.NullInt64
	err := s.queryRow(ctx, `SELECT id_hash, user_id, created_at, expires_at, last_seen_at, ip, user_agent FROM sessions WHERE id_hash = ?`, idHash).
		Scan(&se.IDHash, &se.UserID, &created, &expires, &seen, &se.IP, &se.UserAgent)
	if err != nil {
		return nil, s.wrap(err, "session")
	}
	se.CreatedAt, se.ExpiresAt, se.LastSeenAt = fromMicros(created), fromMicros(expires), fromMicros(seen)
	return &se, nil
}

func (s *Store) TouchSession(ctx context.Context, idHash string, at time.Time) error {
	defer s.observe("sessions.touch")()
	return s.execOne(ctx, "session", `UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?`, micros(at), idHash)
}

// DeleteSession removes a session; a missing one is not an error (logging out twice is fine).
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	defer s.observe("sessions.delete")()
	_, err := s.exec(ctx, `DELETE FROM sessions WHERE id_hash = ?`, idHash)
	return s.wrap(err, "session")
}

func (s *Store) DeleteUserSessions(ctx context.Context, userID int64) error {
	defer s.observe("sessions.delete")()
	_, err := s.exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID)
	return s.wrap(err, "sessions")
}

func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	defer s.observe("sessions.prune")()
	return s.deleteBefore(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, now)
}

const tokenColumns = `id, name, scope, token_hash, prefix, created_by, created_at, last_used_at, revoked_at`

func scanToken(row interface{ Scan(...any) error }) (*auth.Token, error) {
	var t auth.Token
	var scope string
	var created, used, revoked sql.NullInt64
	if err := row.Scan(&t.ID, &t.Name, &scope, &t.Hash, &t.Prefix, &t.CreatedBy, &created, &used, &revoked); err != nil {
		return nil, err
	}
	t.Scope = auth.Scope(scope)
	t.CreatedAt, t.LastUsedAt, t.RevokedAt = fromMicros(created), fromMicros(used), fromMicros(revoked)
	return &t, nil
}

func (s *Store) CreateToken(ctx context.Context, t *auth.Token) error {
	defer s.observe("tokens.create")()
	id, err := s.insert(ctx, "active token named "+t.Name,
		`INSERT INTO api_tokens (name, scope, token_hash, prefix, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		t.Name, string(t.Scope), t.Hash, t.Prefix, t.CreatedBy, micros(t.CreatedAt))
	if err != nil {
		return err
	}
	t.ID = id
	return nil
}

func (s *Store) TokenByHash(ctx context.Context, hash string) (*auth.Token, error) {
	defer s.observe("tokens.get")()
	t, err := scanToken(s.queryRow(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE token_hash = ?`, hash))
	return t, s.wrap(err, "token")
}

func (s *Store) TokenByID(ctx context.Context, id int64) (*auth.Token, error) {
	defer s.observe("tokens.get")()
	t, err := scanToken(s.queryRow(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE id = ?`, id))
	return t, s.wrap(err, "token")
}

func (s *Store) ListTokens(ctx context.Context) ([]auth.Token, error) {
	defer s.observe("tokens.list")()
	rows, err := s.query(ctx, `SELECT `+tokenColumns+` FROM api_tokens ORDER BY created_at DESC, id DESC`)
	if err != nil {
		return nil, s.wrap(err, "tokens")
	}
	defer rows.Close()
	var out []auth.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, s.wrap(err, "tokens")
		}
		out = append(out, *t)
	}
	return out, s.wrap(rows.Err(), "tokens")
}

func (s *Store) RevokeToken(ctx context.Context, id int64, at time.Time) error {
	defer s.observe("tokens.revoke")()
	return s.execOne(ctx, "token", `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, micros(at), id)
}

func (s *Store) TouchToken(ctx context.Context, id int64, at time.Time) error {
	defer s.observe("tokens.touch")()
	return s.execOne(ctx, "token", `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, micros(at), id)
}

func (s *Store) RecordLoginFailure(ctx context.Context, username, ip string, at time.Time) error {
	defer s.observe("login_failures.create")()
	_, err := s.exec(ctx, `INSERT INTO login_failures (username, ip, at) VALUES (?, ?, ?)`, username, ip, micros(at))
	return s.wrap(err, "login failure")
}

func (s *Store) LoginFailures(ctx context.Context, username, ip string, since time.Time) (auth.FailureStats, error) {
	defer s.observe("login_failures.stats")()
	var st auth.FailureStats
	var userLast, ipLast sql.NullInt64
	err := s.queryRow(ctx, `SELECT
		(SELECT count(*) FROM login_failures WHERE username = ? AND at >= ?),
		(SELECT max(at) FROM login_failures WHERE username = ? AND at >= ?),
		(SELECT count(*) FROM login_failures WHERE ip = ? AND at >= ?),
		(SELECT max(at) FROM login_failures WHERE ip = ? AND at >= ?)`,
		username, micros(since), username, micros(since), ip, micros(since), ip, micros(since)).
		Scan(&st.UserCount, &userLast, &st.IPCount, &ipLast)
	st.UserLast, st.IPLast = fromMicros(userLast), fromMicros(ipLast)
	return st, s.wrap(err, "login failures")
}

func (s *Store) ClearLoginFailures(ctx context.Context, username string) error {
	defer s.observe("login_failures.delete")()
	_, err := s.exec(ctx, `DELETE FROM login_failures WHERE username = ?`, username)
	return s.wrap(err, "login failures")
}

func (s *Store) DeleteLoginFailuresBefore(ctx context.Context, t time.Time) (int64, error) {
	defer s.observe("login_failures.prune")()
	return s.deleteBefore(ctx, `DELETE FROM login_failures WHERE at < ?`, t)
}
