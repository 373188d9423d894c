-- Appeals (企业诉求 / 企呼我应): SLA classes, the versioned dispatch
-- catalogue, appeals with their derived state, the append-only event
-- history they are derived from, the units an appeal is with, attachments,
-- the number counters and the 12345 import runs of the web UI.
-- Instants are BIGINT Unix milliseconds (UTC); dates are TEXT 'YYYY-MM-DD'.

-- A service-level class: the sign-for limit in working minutes, the
-- handling limit in working days, when an appeal turns 临期 (working days
-- left) and how long the enterprise may evaluate a reply (working days).
CREATE TABLE appeal_sla_classes (
	id           INTEGER PRIMARY KEY,
	name         TEXT NOT NULL UNIQUE,
	sign_minutes INTEGER NOT NULL,
	handle_days  INTEGER NOT NULL,
	warn_days    INTEGER NOT NULL,
	eval_days    INTEGER NOT NULL,
	updated_at   BIGINT NOT NULL
);

-- The dispatch catalogue (派单目录) is versioned: every edit writes a new
-- version holding every entry, and an appeal keeps the version it was
-- dispatched under.
CREATE TABLE appeal_catalogue_versions (
	version    INTEGER PRIMARY KEY,
	note       TEXT NOT NULL DEFAULT '',
	created_by TEXT NOT NULL,
	created_at BIGINT NOT NULL
);

-- One category of a catalogue version: code is its stable identifier (the
-- Open311 service_code); unit_id the responsible unit (主办, NULL: the
-- office dispatches by hand); co_unit_ids the co-handling units (协办),
-- comma-separated ids.
CREATE TABLE appeal_catalogue (
	version      INTEGER NOT NULL REFERENCES appeal_catalogue_versions(version),
	code         TEXT NOT NULL,
	category     TEXT NOT NULL,
	grp          TEXT NOT NULL DEFAULT '',
	description  TEXT NOT NULL DEFAULT '',
	unit_id      INTEGER REFERENCES units(id),
	co_unit_ids  TEXT NOT NULL DEFAULT '',
	sla_class_id INTEGER NOT NULL REFERENCES appeal_sla_classes(id),
	sort         INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (version, code)
);
CREATE UNIQUE INDEX appeal_catalogue_category ON appeal_catalogue(version, category);

-- An appeal. The intake columns are written once; every column from
-- status on is derived from appeal_events by appeal.Derive and rewritten
-- after each event (and by a replay), never edited on its own. client is
-- who filed it ('token:ID' or 'user:ID'; the 12345 import 'import:12345'):
-- with external_ref it makes intake idempotent.
CREATE TABLE appeals (
	id                INTEGER PRIMARY KEY,
	number            TEXT UNIQUE,
	client            TEXT NOT NULL,
	external_ref      TEXT,
	channel           TEXT NOT NULL,
	enterprise_id     INTEGER REFERENCES enterprises(id),
	uscc              TEXT,
	uscc_unknown      BOOLEAN NOT NULL DEFAULT FALSE,
	enterprise_name   TEXT NOT NULL DEFAULT '',
	contact_name      TEXT NOT NULL DEFAULT '',
	contact_phone     TEXT NOT NULL DEFAULT '',
	district          TEXT,
	category          TEXT NOT NULL,
	urgency           TEXT NOT NULL,
	title             TEXT NOT NULL,
	content           TEXT NOT NULL,
	publish           BOOLEAN NOT NULL DEFAULT FALSE,
	received_at       BIGINT NOT NULL,
	filed_by          INTEGER,
	created_at        BIGINT NOT NULL,
	status            TEXT NOT NULL,
	unit_id           INTEGER REFERENCES units(id),
	first_unit_id     INTEGER REFERENCES units(id),
	catalogue_version INTEGER,
	sla_class_id      INTEGER REFERENCES appeal_sla_classes(id),
	sign_due_at       BIGINT,
	signed_at         BIGINT,
	signed_on_time    BOOLEAN,
	limit_days        INTEGER NOT NULL DEFAULT 0,
	due_date          TEXT,
	warn_date         TEXT,
	paused_since      BIGINT,
	paused_date       TEXT,
	paused_ms         BIGINT NOT NULL DEFAULT 0,
	extension_days    INTEGER NOT NULL DEFAULT 0,
	extension_pending INTEGER NOT NULL DEFAULT 0,
	returns           INTEGER NOT NULL DEFAULT 0,
	reopens           INTEGER NOT NULL DEFAULT 0,
	transfers         INTEGER NOT NULL DEFAULT 0,
	supervisions      INTEGER NOT NULL DEFAULT 0,
	escalated         BOOLEAN NOT NULL DEFAULT FALSE,
	replies           INTEGER NOT NULL DEFAULT 0,
	first_reply_at    BIGINT,
	replied_at        BIGINT,
	replied_on_time   BOOLEAN,
	reply_result      TEXT,
	suggested_unit    TEXT,
	evaluation        TEXT,
	eval_due_date     TEXT,
	evaluated_at      BIGINT,
	closed_at         BIGINT,
	first_time        BOOLEAN,
	merged_into       INTEGER REFERENCES appeals(id),
	linked_to         INTEGER REFERENCES appeals(id),
	last_seq          INTEGER NOT NULL DEFAULT 0,
	updated_at        BIGINT NOT NULL,
	UNIQUE (client, external_ref)
);
CREATE INDEX appeals_status_due ON appeals(status, due_date);
CREATE INDEX appeals_unit_status ON appeals(unit_id, status);
CREATE INDEX appeals_enterprise ON appeals(enterprise_id, received_at);
CREATE INDEX appeals_received ON appeals(received_at);
CREATE INDEX appeals_linked ON appeals(linked_to);

-- The units an appeal is with now, derived like the columns above: the
-- responsible unit (主办), the co-handling units (协办) with their
-- sub-deadline, and the first receiver (首接) until another unit signs.
CREATE TABLE appeal_units (
	appeal_id   INTEGER NOT NULL REFERENCES appeals(id) ON DELETE CASCADE,
	unit_id     INTEGER NOT NULL REFERENCES units(id),
	role        TEXT NOT NULL,
	since       BIGINT NOT NULL,
	sign_due_at BIGINT,
	signed_at   BIGINT,
	due_date    TEXT,
	PRIMARY KEY (appeal_id, unit_id)
);
CREATE INDEX appeal_units_unit ON appeal_units(unit_id, appeal_id);

-- The append-only history of an appeal: the source of truth. seq numbers
-- an appeal's events from 1; unit_id is the unit the event concerns (the
-- unit dispatched to, the unit that signed or replied); payload holds the
-- event's fields as JSON.
CREATE TABLE appeal_events (
	id         INTEGER PRIMARY KEY,
	appeal_id  INTEGER NOT NULL REFERENCES appeals(id) ON DELETE CASCADE,
	seq        INTEGER NOT NULL,
	kind       TEXT NOT NULL,
	at         BIGINT NOT NULL,
	actor_id   INTEGER,
	actor      TEXT NOT NULL,
	actor_name TEXT NOT NULL DEFAULT '',
	actor_role TEXT NOT NULL DEFAULT '',
	unit_id    INTEGER REFERENCES units(id),
	payload    TEXT NOT NULL DEFAULT '{}',
	UNIQUE (appeal_id, seq)
);
CREATE INDEX appeal_events_kind_at ON appeal_events(kind, at);

-- Files attached to an appeal (at filing, with material supplied, with a
-- reply), kept in the database so that every instance serves them; name
-- is the uploaded name, shown and offered for download only.
CREATE TABLE appeal_attachments (
	id           INTEGER PRIMARY KEY,
	appeal_id    INTEGER NOT NULL REFERENCES appeals(id) ON DELETE CASCADE,
	event_seq    INTEGER,
	name         TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size         BIGINT NOT NULL,
	sha256       TEXT NOT NULL,
	data         BLOB NOT NULL,
	uploaded_by  TEXT NOT NULL,
	created_at   BIGINT NOT NULL
);
CREATE INDEX appeal_attachments_appeal ON appeal_attachments(appeal_id);

-- The last number given per year (QS2026-000123), counted in the filing
-- transaction, so numbers are unique across instances.
CREATE TABLE appeal_counters (
	year INTEGER PRIMARY KEY,
	last INTEGER NOT NULL
);

-- A 12345 export uploaded in the office's UI: the upload, its job and,
-- once finished, its result (JSON).
CREATE TABLE appeal_import_runs (
	id          INTEGER PRIMARY KEY,
	job_id      INTEGER,
	filename    TEXT NOT NULL,
	format      TEXT NOT NULL,
	path        TEXT NOT NULL,
	size        BIGINT NOT NULL,
	dry_run     BOOLEAN NOT NULL DEFAULT FALSE,
	created_by  INTEGER,
	created_at  BIGINT NOT NULL,
	finished_at BIGINT,
	result      TEXT,
	error       TEXT
);

-- The default classes (editable by the office) and a first catalogue of
-- the categories the seeds name, without units: until the office names the
-- responsible units, every appeal waits for dispatch by hand.
INSERT INTO appeal_sla_classes (name, sign_minutes, handle_days, warn_days, eval_days, updated_at) VALUES
	('一般', 240, 5, 1, 5, 0),
	('紧急', 60, 1, 1, 5, 0),
	('咨询', 240, 3, 1, 5, 0);
INSERT INTO appeal_catalogue_versions (version, note, created_by, created_at) VALUES (1, '初始目录', 'system', 0);
INSERT INTO appeal_catalogue (version, code, category, grp, description, unit_id, co_unit_ids, sla_class_id, sort)
SELECT 1, c.code, c.category, c.grp, c.description, NULL, '', k.id, c.sort FROM (
	SELECT 'policy' AS code, '政策咨询' AS category, '政策服务' AS grp, '惠企政策的内容、条件、申报与兑现' AS description, '咨询' AS class, 1 AS sort
	UNION ALL SELECT 'approval', '审批服务', '政务服务', '行政审批、证照办理、“高效办成一件事”', '一般', 2
	UNION ALL SELECT 'finance', '融资信贷', '要素保障', '贷款、担保、融资对接', '一般', 3
	UNION ALL SELECT 'arrears', '拖欠账款', '权益保护', '机关事业单位、国有企业拖欠企业账款', '一般', 4
	UNION ALL SELECT 'utilities', '水电气网', '要素保障', '用水、用电、用气、网络的报装与保障', '一般', 5
	UNION ALL SELECT 'land', '用地规划', '要素保障', '用地、规划、施工许可与竣工验收', '一般', 6
	UNION ALL SELECT 'labor', '用工社保', '要素保障', '招工用工、社保、人才服务', '一般', 7
	UNION ALL SELECT 'tax', '税费服务', '政务服务', '纳税服务、退税、收费', '一般', 8
	UNION ALL SELECT 'ip', '知识产权', '权益保护', '专利、商标、维权援助', '一般', 9
	UNION ALL SELECT 'enforcement', '涉企执法', '权益保护', '执法检查、处罚、信用修复', '一般', 10
	UNION ALL SELECT 'market', '市场准入', '政务服务', '登记注册、准入准营、招标投标', '一般', 11
	UNION ALL SELECT 'other', '其他', '其他', '其他诉求', '一般', 99
) c JOIN appeal_sla_classes k ON k.name = c.class;
