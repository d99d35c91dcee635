-- Backup runs and restore drills, one row each: started when the run starts, finished when it
-- ends. A row left "running" belongs to a process that died; the next start marks it failed.
-- Times are Unix microseconds, UTC; durations are microseconds.
CREATE TABLE backup_runs (
	id          INTEGER PRIMARY KEY,
	job         TEXT    NOT NULL,
	instance    TEXT    NOT NULL,
	kind        TEXT    NOT NULL, -- backup or drill
	snapshot    TEXT    NOT NULL DEFAULT '',
	started_at  INTEGER  NOT NULL,
	finished_at INTEGER,
	status      TEXT    NOT NULL, -- running, ok, partial, failed
	error       TEXT    NOT NULL DEFAULT '',
	bytes       INTEGER  NOT NULL DEFAULT 0,
	size        INTEGER  NOT NULL DEFAULT 0,
	entries     INTEGER  NOT NULL DEFAULT 0,
	sources     TEXT    NOT NULL DEFAULT '[]', -- JSON
	targets     TEXT    NOT NULL DEFAULT '[]', -- JSON
	warnings    TEXT    NOT NULL DEFAULT '[]', -- JSON
	restore_us  INTEGER  NOT NULL DEFAULT 0
);
CREATE INDEX backup_runs_job ON backup_runs (job, kind, started_at);
CREATE INDEX backup_runs_running ON backup_runs (status) WHERE status = 'running';
