-- The incident logbook: incidents, their timeline (public updates, internal notes,
-- milestones), action items, the alerts that belong to them, and post-mortems.
-- Times are Unix microseconds, UTC.
CREATE TABLE incidents (
	id               BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	title            TEXT    NOT NULL,
	severity         TEXT    NOT NULL, -- SEV1..SEV4
	status           TEXT    NOT NULL, -- investigating, identified, monitoring, resolved
	page             TEXT    NOT NULL DEFAULT '', -- status page slug; empty for none
	components       TEXT    NOT NULL DEFAULT '[]', -- JSON [{"component": id, "level": state}]
	lead             TEXT    NOT NULL DEFAULT '',
	comms            TEXT    NOT NULL DEFAULT '',
	eta              BIGINT,
	next_update_at   BIGINT,
	remind           TEXT    NOT NULL DEFAULT '[]', -- JSON list of receivers or on-call schedules
	reminded_for     BIGINT, -- the next_update_at a reminder went out for
	what_is_going_on TEXT    NOT NULL DEFAULT '',
	how_understood   TEXT    NOT NULL DEFAULT '',
	what_was_done    TEXT    NOT NULL DEFAULT '',
	impacts          TEXT    NOT NULL DEFAULT '',
	how_to_avoid     TEXT    NOT NULL DEFAULT '',
	started_at       BIGINT  NOT NULL,
	detected_at      BIGINT  NOT NULL,
	acknowledged_at  BIGINT,
	mitigated_at     BIGINT,
	resolved_at      BIGINT,
	created_by       TEXT    NOT NULL,
	created_at       BIGINT  NOT NULL,
	updated_at       BIGINT  NOT NULL,
	version          BIGINT  NOT NULL DEFAULT 1 -- optimistic locking: each save bumps it
);
CREATE INDEX incidents_open ON incidents (created_at) WHERE resolved_at IS NULL;
CREATE INDEX incidents_page ON incidents (page, created_at);
CREATE INDEX incidents_created ON incidents (created_at);

CREATE TABLE incident_entries (
	id          BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	incident_id BIGINT  NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
	at          BIGINT  NOT NULL,
	kind        TEXT    NOT NULL, -- update (public), note (internal), opened, acknowledged...
	status      TEXT    NOT NULL, -- the incident's status from then on
	body        TEXT    NOT NULL DEFAULT '',
	author      TEXT    NOT NULL DEFAULT '',
	alert_id    BIGINT -- for entries about an alert
);
CREATE INDEX incident_entries_of ON incident_entries (incident_id, at);

CREATE TABLE incident_actions (
	id          BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	incident_id BIGINT  NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
	title       TEXT    NOT NULL,
	owner       TEXT    NOT NULL DEFAULT '',
	due         BIGINT, -- a day, midnight UTC
	done_at     BIGINT,
	created_at  BIGINT  NOT NULL
);
CREATE INDEX incident_actions_of ON incident_actions (incident_id);

-- No reference to alerts: an incident outlives the alerts' retention.
CREATE TABLE incident_alerts (
	alert_id    BIGINT  PRIMARY KEY, -- an alert belongs to one incident
	incident_id BIGINT  NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
	monitor     TEXT    NOT NULL
);
CREATE INDEX incident_alerts_of ON incident_alerts (incident_id);

CREATE TABLE incident_postmortems (
	incident_id        BIGINT  PRIMARY KEY REFERENCES incidents (id) ON DELETE CASCADE,
	markdown           TEXT    NOT NULL, -- the draft
	published_markdown TEXT    NOT NULL DEFAULT '',
	updated_by         TEXT    NOT NULL DEFAULT '',
	created_at         BIGINT  NOT NULL,
	updated_at         BIGINT  NOT NULL,
	published_by       TEXT    NOT NULL DEFAULT '',
	published_at       BIGINT
);
