-- Check results, monitor state changes and hourly rollups. Times are Unix microseconds, UTC.

-- One row per check run, kept for retention.raw.
CREATE TABLE check_results (
	id          INTEGER PRIMARY KEY,
	monitor     TEXT    NOT NULL,
	at          INTEGER NOT NULL,
	duration_us INTEGER NOT NULL,
	status      INTEGER NOT NULL CHECK (status IN (1, 2, 3)), -- 1 up, 2 degraded, 3 down
	message     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX check_results_monitor_at ON check_results (monitor, at);
CREATE INDEX check_results_at ON check_results (at);

-- One row per state change of a monitor: the exact record that uptime and SLA figures use.
CREATE TABLE monitor_events (
	id       INTEGER PRIMARY KEY,
	monitor  TEXT    NOT NULL,
	at       INTEGER NOT NULL,
	state    TEXT    NOT NULL,
	previous TEXT    NOT NULL,
	reason   TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX monitor_events_monitor_at ON monitor_events (monitor, at);

-- Hourly summaries of check_results, kept for retention.rollups.
CREATE TABLE check_rollups (
	monitor  TEXT    NOT NULL,
	hour     INTEGER NOT NULL,
	count    INTEGER NOT NULL,
	up       INTEGER NOT NULL,
	degraded INTEGER NOT NULL,
	down     INTEGER NOT NULL,
	min_us   INTEGER NOT NULL,
	avg_us   INTEGER NOT NULL,
	p95_us   INTEGER NOT NULL,
	max_us   INTEGER NOT NULL,
	PRIMARY KEY (monitor, hour)
);
