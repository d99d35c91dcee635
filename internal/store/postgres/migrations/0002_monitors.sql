-- Check results, monitor state changes and hourly rollups. Times are Unix microseconds, UTC.

-- One row per check run, kept for retention.raw.
CREATE TABLE check_results (
	id          BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	monitor     TEXT    NOT NULL,
	at          BIGINT  NOT NULL,
	duration_us BIGINT  NOT NULL,
	status      BIGINT  NOT NULL CHECK (status IN (1, 2, 3)), -- 1 up, 2 degraded, 3 down
	message     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX check_results_monitor_at ON check_results (monitor, at);
CREATE INDEX check_results_at ON check_results (at);

-- One row per state change of a monitor: the exact record that uptime and SLA figures use.
CREATE TABLE monitor_events (
	id       BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	monitor  TEXT    NOT NULL,
	at       BIGINT  NOT NULL,
	state    TEXT    NOT NULL,
	previous TEXT    NOT NULL,
	reason   TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX monitor_events_monitor_at ON monitor_events (monitor, at);

-- Hourly summaries of check_results, kept for retention.rollups.
CREATE TABLE check_rollups (
	monitor  TEXT    NOT NULL,
	hour     BIGINT  NOT NULL,
	count    BIGINT  NOT NULL,
	up       BIGINT  NOT NULL,
	degraded BIGINT  NOT NULL,
	down     BIGINT  NOT NULL,
	min_us   BIGINT  NOT NULL,
	avg_us   BIGINT  NOT NULL,
	p95_us   BIGINT  NOT NULL,
	max_us   BIGINT  NOT NULL,
	PRIMARY KEY (monitor, hour)
);
