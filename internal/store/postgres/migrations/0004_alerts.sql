-- Alerts (one open alert per monitor), silences, and server-wide settings such as the key
-- that signs acknowledgement links. Times are Unix microseconds, UTC.
CREATE TABLE alerts (
	id                BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	monitor           TEXT    NOT NULL,
	kind              TEXT    NOT NULL, -- down, degraded
	severity          TEXT    NOT NULL,
	reason            TEXT    NOT NULL DEFAULT '',
	labels            TEXT    NOT NULL DEFAULT '{}', -- JSON
	started_at        BIGINT  NOT NULL,
	resolved_at       BIGINT ,
	acked_at          BIGINT ,
	acked_by          TEXT    NOT NULL DEFAULT '',
	notified_at       BIGINT , -- the first (firing) notification went out
	last_notified_at  BIGINT , -- the latest firing, reminder or escalation
	resolved_notified BIGINT  NOT NULL DEFAULT 0,
	escalation_step   BIGINT  NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX alerts_one_open ON alerts (monitor) WHERE resolved_at IS NULL;
CREATE INDEX alerts_started ON alerts (started_at);

CREATE TABLE silences (
	id         BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	matchers   TEXT    NOT NULL, -- JSON object: label -> value; "monitor" names a monitor
	starts_at  BIGINT  NOT NULL,
	ends_at    BIGINT  NOT NULL,
	author     TEXT    NOT NULL,
	reason     TEXT    NOT NULL,
	created_at BIGINT  NOT NULL
);
CREATE INDEX silences_ends ON silences (ends_at);

CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
