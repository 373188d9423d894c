-- Foundation: organisation units, accounts, sessions, API tokens, audit log,
-- working-day overrides, background jobs and schedules, notifications.
-- Instants are BIGINT Unix milliseconds (UTC); dates are TEXT 'YYYY-MM-DD'.

CREATE TABLE units (
	id         INTEGER PRIMARY KEY,
	parent_id  INTEGER REFERENCES units(id),
	name       TEXT NOT NULL UNIQUE,
	kind       TEXT NOT NULL,
	division   TEXT,
	sort       INTEGER NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL
);
CREATE INDEX units_parent ON units(parent_id);

CREATE TABLE unit_aliases (
	alias   TEXT PRIMARY KEY,
	unit_id INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE
);
CREATE INDEX unit_aliases_unit ON unit_aliases(unit_id);

CREATE TABLE users (
	id            INTEGER PRIMARY KEY,
	username      TEXT NOT NULL UNIQUE,
	display_name  TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	role          TEXT NOT NULL,
	unit_id       INTEGER REFERENCES units(id),
	enterprise_id INTEGER,
	phone         TEXT,
	disabled      BOOLEAN NOT NULL DEFAULT FALSE,
	created_at    BIGINT NOT NULL,
	updated_at    BIGINT NOT NULL
);
CREATE INDEX users_unit ON users(unit_id);
CREATE INDEX users_enterprise ON users(enterprise_id);

CREATE TABLE sessions (
	token_hash  TEXT PRIMARY KEY,
	user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	created_at  BIGINT NOT NULL,
	expires_at  BIGINT NOT NULL,
	last_seen   BIGINT NOT NULL,
	ip          TEXT NOT NULL DEFAULT '',
	user_agent  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expires ON sessions(expires_at);

CREATE TABLE login_throttle (
	key          TEXT PRIMARY KEY,
	failures     INTEGER NOT NULL,
	window_start BIGINT NOT NULL,
	locked_until BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE api_tokens (
	id           INTEGER PRIMARY KEY,
	name         TEXT NOT NULL,
	token_hash   TEXT NOT NULL UNIQUE,
	prefix       TEXT NOT NULL,
	role         TEXT NOT NULL,
	unit_id      INTEGER REFERENCES units(id),
	scopes       TEXT NOT NULL DEFAULT '',
	created_by   INTEGER REFERENCES users(id),
	created_at   BIGINT NOT NULL,
	expires_at   BIGINT,
	last_used_at BIGINT,
	revoked_at   BIGINT
);

CREATE TABLE audit_log (
	id         INTEGER PRIMARY KEY,
	at         BIGINT NOT NULL,
	actor_id   INTEGER,
	actor      TEXT NOT NULL,
	entity     TEXT NOT NULL,
	entity_id  TEXT NOT NULL,
	action     TEXT NOT NULL,
	before     TEXT,
	after      TEXT,
	request_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_actor ON audit_log(actor_id);

CREATE TABLE workday_overrides (
	date       TEXT PRIMARY KEY,
	workday    BOOLEAN NOT NULL,
	note       TEXT NOT NULL DEFAULT '',
	updated_by INTEGER REFERENCES users(id),
	updated_at BIGINT NOT NULL
);

CREATE TABLE jobs (
	id           INTEGER PRIMARY KEY,
	kind         TEXT NOT NULL,
	payload      TEXT NOT NULL DEFAULT '{}',
	unique_key   TEXT UNIQUE,
	status       TEXT NOT NULL,
	run_at       BIGINT NOT NULL,
	attempts     INTEGER NOT NULL DEFAULT 0,
	max_attempts INTEGER NOT NULL DEFAULT 5,
	lease_until  BIGINT,
	locked_by    TEXT,
	last_error   TEXT,
	progress     TEXT,
	created_at   BIGINT NOT NULL,
	updated_at   BIGINT NOT NULL
);
CREATE INDEX jobs_ready ON jobs(status, run_at);

CREATE TABLE job_schedules (
	name        TEXT PRIMARY KEY,
	kind        TEXT NOT NULL,
	every_ms    BIGINT NOT NULL,
	next_run_at BIGINT NOT NULL
);

CREATE TABLE notifications (
	id            INTEGER PRIMARY KEY,
	user_id       INTEGER REFERENCES users(id) ON DELETE CASCADE,
	enterprise_id INTEGER,
	kind          TEXT NOT NULL,
	title         TEXT NOT NULL,
	body          TEXT NOT NULL DEFAULT '',
	link          TEXT NOT NULL DEFAULT '',
	dedupe_key    TEXT UNIQUE,
	created_at    BIGINT NOT NULL,
	read_at       BIGINT
);
CREATE INDEX notifications_user ON notifications(user_id, read_at);
CREATE INDEX notifications_enterprise ON notifications(enterprise_id, read_at);

CREATE TABLE webhooks (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	url        TEXT NOT NULL,
	secret     TEXT NOT NULL,
	kinds      TEXT NOT NULL DEFAULT '',
	active     BOOLEAN NOT NULL DEFAULT TRUE,
	created_at BIGINT NOT NULL
);
