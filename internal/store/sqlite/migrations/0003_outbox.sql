-- The notification outbox: every message is stored here before it is sent, and delivered
-- by workers that claim due rows under a lease. Times are Unix microseconds, UTC.
CREATE TABLE notifications (
	id              INTEGER PRIMARY KEY,
	key             TEXT    NOT NULL UNIQUE,
	receiver        TEXT    NOT NULL,
	message         TEXT    NOT NULL, -- JSON
	state           TEXT    NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL,
	lease_until     INTEGER,
	last_error      TEXT    NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL,
	sent_at         INTEGER
);
CREATE INDEX notifications_due ON notifications (state, next_attempt_at);
CREATE INDEX notifications_created ON notifications (created_at);

CREATE TABLE notification_attempts (
	id              INTEGER PRIMARY KEY,
	notification_id INTEGER NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
	at              INTEGER NOT NULL,
	duration_us     INTEGER NOT NULL,
	ok              INTEGER NOT NULL,
	error           TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX notification_attempts_notification ON notification_attempts (notification_id);
