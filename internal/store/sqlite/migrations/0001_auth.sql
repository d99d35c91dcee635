-- Administrators, their browser sessions, API tokens and failed logins.
-- Times are Unix microseconds, UTC.
CREATE TABLE users (
	id             INTEGER PRIMARY KEY,
	name           TEXT    NOT NULL UNIQUE,
	password_hash  TEXT    NOT NULL,
	totp_secret    TEXT    NOT NULL DEFAULT '',
	totp_last_step INTEGER NOT NULL DEFAULT 0,
	created_at     INTEGER NOT NULL,
	updated_at     INTEGER NOT NULL,
	last_login_at  INTEGER
);

CREATE TABLE sessions (
	id_hash      TEXT    PRIMARY KEY,
	user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at   INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL,
	last_seen_at INTEGER NOT NULL,
	ip           TEXT    NOT NULL,
	user_agent   TEXT    NOT NULL
);
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE api_tokens (
	id           INTEGER PRIMARY KEY,
	name         TEXT    NOT NULL,
	scope        TEXT    NOT NULL CHECK (scope IN ('read', 'write', 'admin')),
	token_hash   TEXT    NOT NULL UNIQUE,
	prefix       TEXT    NOT NULL,
	created_by   TEXT    NOT NULL,
	created_at   INTEGER NOT NULL,
	last_used_at INTEGER,
	revoked_at   INTEGER
);
-- A name may be reused once the token that had it is revoked.
CREATE UNIQUE INDEX api_tokens_active_name ON api_tokens (name) WHERE revoked_at IS NULL;

CREATE TABLE login_failures (
	id       INTEGER PRIMARY KEY,
	username TEXT    NOT NULL,
	ip       TEXT    NOT NULL,
	at       INTEGER NOT NULL
);
CREATE INDEX login_failures_username_at ON login_failures (username, at);
CREATE INDEX login_failures_ip_at ON login_failures (ip, at);
