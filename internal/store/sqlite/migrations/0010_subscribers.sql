-- Subscribers of status pages, and the notices announced to them. Times are Unix
-- microseconds, UTC. AUTOINCREMENT: an id is never given again, because the outbox names a
-- subscriber by id and a message for one who left must not reach a newcomer.
CREATE TABLE subscribers (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	page         TEXT    NOT NULL,
	kind         TEXT    NOT NULL CHECK (kind IN ('email', 'webhook')),
	address      TEXT    NOT NULL, -- e-mail address (lower case) or webhook URL
	secret       TEXT    NOT NULL DEFAULT '', -- signs webhook requests
	components   TEXT    NOT NULL, -- JSON list of component ids; empty: the whole page
	nonce        TEXT    NOT NULL, -- part of every signed link, so links die with the subscription
	created_by   TEXT    NOT NULL,
	created_at   INTEGER NOT NULL,
	confirmed_at INTEGER
);
CREATE UNIQUE INDEX subscribers_address ON subscribers (page, kind, address);
CREATE INDEX subscribers_unconfirmed ON subscribers (created_at) WHERE confirmed_at IS NULL;

CREATE TABLE subscriber_notices (
	key        TEXT    PRIMARY KEY, -- "maintenance/7/20261129T010000Z/started"
	event      TEXT    NOT NULL,
	at         INTEGER NOT NULL,
	recipients INTEGER NOT NULL
);
