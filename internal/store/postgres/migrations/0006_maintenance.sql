-- Maintenance windows announced on status pages: alerts on the monitors behind their
-- components are held back while one is in progress, and the time is left out of SLA figures.
-- Times are Unix microseconds, UTC.
CREATE TABLE maintenances (
	id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	page         TEXT    NOT NULL,
	components   TEXT    NOT NULL, -- JSON list of component ids on the page
	title        TEXT    NOT NULL,
	body         TEXT    NOT NULL DEFAULT '',
	starts_at    BIGINT  NOT NULL, -- the first occurrence
	ends_at      BIGINT  NOT NULL,
	recurrence   TEXT    NOT NULL DEFAULT '', -- RRULE or cron; empty for a one-off window
	cancelled_at BIGINT,
	created_by   TEXT    NOT NULL,
	created_at   BIGINT  NOT NULL
);
CREATE INDEX maintenances_page ON maintenances (page);

CREATE TABLE maintenance_updates (
	id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	maintenance_id BIGINT  NOT NULL REFERENCES maintenances (id) ON DELETE CASCADE,
	at             BIGINT  NOT NULL,
	body           TEXT    NOT NULL,
	author         TEXT    NOT NULL
);
CREATE INDEX maintenance_updates_of ON maintenance_updates (maintenance_id, at);
