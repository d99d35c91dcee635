-- Administrators, their browser sessions, API tokens and failed logins.
-- Times are Unix microseconds, UTC.
CREATE TABLE users (
	id             BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name           TEXT    NOT NULL UNIQUE,
	password_hash  TEXT    NOT NULL,
	totp_secret    TEXT    NOT NULL DEFAULT '',
	totp_last_step BIGINT  NOT NULL DEFAULT 0,
	created_at     BIGINT  NOT NULL,
	updated_at     BIGINT  NOT NULL,
	last_login_at  BIGINT
);

CREATE TABLE sessions (
	id_hash      TEXT    PRIMARY KEY,
	user_id      BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at   BIGINT  NOT NULL,
	expires_at   BIGINT  NOT NULL,
	last_seen_at BIGINT  NOT NULL,
	ip           TEXT    NOT NULL,
	user_agent   TEXT    NOT NULL
);
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE api_tokens (
	id           BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name         TEXT    NOT NULL,
	scope        TEXT    NOT NULL CHECK (scope IN ('read', 'write', 'admin')),
	token_hash   TEXT    NOT NULL UNIQUE,
	prefix       TEXT    NOT NULL,
	created_by   TEXT    NOT NULL,
	created_at   BIGINT  NOT NULL,
	last_used_at BIGINT,
	revoked_at   BIGINT
);
-- A name may be reused once the token that had it is revoked.
CREATE UNIQUE INDEX api_tokens_active_name ON api_tokens (name) WHERE revoked_at IS NULL;

CREATE TABLE login_failures (
	id       BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	username TEXT    NOT NULL,
	ip       TEXT    NOT NULL,
	at       BIGINT  NOT NULL
);
CREATE INDEX login_failures_username_at ON login_failures (username, at);
CREATE INDEX login_failures_ip_at ON login_failures (ip, at);
