-- Maintenance windows announced on status pages: alerts on the monitors behind their
-- components are held back while one is in progress, and the time is left out of SLA figures.
-- Times are Unix microseconds, UTC.
CREATE TABLE maintenances (
	id           INTEGER PRIMARY KEY,
	page         TEXT    NOT NULL,
	components   TEXT    NOT NULL, -- JSON list of component ids on the page
	title        TEXT    NOT NULL,
	body         TEXT    NOT NULL DEFAULT '',
	starts_at    INTEGER  NOT NULL, -- the first occurrence
	ends_at      INTEGER  NOT NULL,
	recurrence   TEXT    NOT NULL DEFAULT '', -- RRULE or cron; empty for a one-off window
	cancelled_at INTEGER,
	created_by   TEXT    NOT NULL,
	created_at   INTEGER  NOT NULL
);
CREATE INDEX maintenances_page ON maintenances (page);

CREATE TABLE maintenance_updates (
	id             INTEGER PRIMARY KEY,
	maintenance_id INTEGER  NOT NULL REFERENCES maintenances (id) ON DELETE CASCADE,
	at             INTEGER  NOT NULL,
	body           TEXT    NOT NULL,
	author         TEXT    NOT NULL
);
CREATE INDEX maintenance_updates_of ON maintenance_updates (maintenance_id, at);
