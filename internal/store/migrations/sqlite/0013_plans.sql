-- Plan supervision (督查督办): plans with stages, goals, a task tree with its
-- responsible units, milestones, indicators with targets and actual values,
-- periodic progress reports, 督办 notices, links to the records a task
-- should fix, and the monthly ranking of units (比晾晒).
-- Instants are BIGINT Unix milliseconds (UTC); dates are TEXT 'YYYY-MM-DD';
-- reporting periods are TEXT 'YYYY-MM' (the period's first month).

-- A plan (工作方案). status is 草稿, 已发布 or 已结束. cadence is 每月 or
-- 每季度; due_workday says when a period's report is due: the n-th working
-- day after the period (n > 0) or the |n|-th last working day of its last
-- month (n < 0). remind_workdays is how many working days before the due
-- date units are reminded; warn_workdays how near a deadline turns a task's
-- light to 预警; far_behind_pct the share of its trajectory below which an
-- indicator is far behind (滞后). score_weights is the ranking's weights as
-- JSON ('' for the defaults).
CREATE TABLE plans (
	id              INTEGER PRIMARY KEY,
	title           TEXT NOT NULL,
	doc_number      TEXT NOT NULL DEFAULT '',
	issuer          TEXT NOT NULL DEFAULT '',
	issued_on       TEXT,
	period_from     TEXT,
	period_to       TEXT,
	owner_unit_id   INTEGER REFERENCES units(id),
	status          TEXT NOT NULL,
	cadence         TEXT NOT NULL DEFAULT '每月',
	due_workday     INTEGER NOT NULL DEFAULT 5,
	remind_workdays INTEGER NOT NULL DEFAULT 3,
	warn_workdays   INTEGER NOT NULL DEFAULT 10,
	far_behind_pct  INTEGER NOT NULL DEFAULT 80,
	score_weights   TEXT NOT NULL DEFAULT '',
	source          TEXT NOT NULL DEFAULT '',
	created_by      INTEGER REFERENCES users(id),
	created_at      BIGINT NOT NULL,
	updated_at      BIGINT NOT NULL,
	published_at    BIGINT,
	ended_at        BIGINT
);
CREATE INDEX plans_status ON plans(status, id);

-- A stage of a plan (工作部署阶段, 办理落实阶段 …) with its dates.
CREATE TABLE plan_stages (
	id        INTEGER PRIMARY KEY,
	plan_id   INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
	seq       INTEGER NOT NULL,
	name      TEXT NOT NULL,
	from_date TEXT,
	to_date   TEXT,
	text      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX plan_stages_plan ON plan_stages(plan_id, seq);

-- A goal (工作目标). numbering is as written ("一.(二)"); path_key is the
-- numbering as zero-padded numbers ("0001.0002"), which sorts in document
-- order.
CREATE TABLE plan_goals (
	id        INTEGER PRIMARY KEY,
	plan_id   INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
	numbering TEXT NOT NULL,
	path_key  TEXT NOT NULL,
	title     TEXT NOT NULL,
	text      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX plan_goals_plan ON plan_goals(plan_id, path_key);

-- A task of the tree (headings included). deadline_kind is date, stage,
-- year (全年), continuous (长期/持续) or none; deadline_text is as written.
-- status is 办理中, 待销号 (the unit reported it done) or 已完成 (the office
-- confirmed, 销号). light is the status light (正常, 预警, 滞后, 已完成; ''
-- in a draft) with light_rank ordering it (滞后 first) and light_reason
-- saying why in words. owner_unit_id is the unit that split the task off
-- its parent (a unit's own sub-task), NULL for the plan's tasks.
CREATE TABLE plan_tasks (
	id                INTEGER PRIMARY KEY,
	plan_id           INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
	parent_id         INTEGER REFERENCES plan_tasks(id) ON DELETE CASCADE,
	numbering         TEXT NOT NULL,
	marker            TEXT NOT NULL DEFAULT '',
	path_key          TEXT NOT NULL,
	depth             INTEGER NOT NULL,
	leaf              BOOLEAN NOT NULL DEFAULT TRUE,
	title             TEXT NOT NULL DEFAULT '',
	text              TEXT NOT NULL DEFAULT '',
	deadline_kind     TEXT NOT NULL DEFAULT 'none',
	deadline_date     TEXT,
	deadline_stage_id INTEGER REFERENCES plan_stages(id) ON DELETE SET NULL,
	deadline_text     TEXT NOT NULL DEFAULT '',
	status            TEXT NOT NULL,
	progress          INTEGER,
	latest_text       TEXT NOT NULL DEFAULT '',
	latest_at         BIGINT,
	light             TEXT NOT NULL DEFAULT '',
	light_rank        INTEGER NOT NULL DEFAULT 9,
	light_reason      TEXT NOT NULL DEFAULT '',
	owner_unit_id     INTEGER REFERENCES units(id),
	done_claimed_at   BIGINT,
	done_at           BIGINT,
	done_by           INTEGER REFERENCES users(id),
	done_note         TEXT NOT NULL DEFAULT '',
	created_at        BIGINT NOT NULL,
	updated_at        BIGINT NOT NULL,
	UNIQUE (plan_id, path_key)
);
CREATE INDEX plan_tasks_light ON plan_tasks(plan_id, light_rank, path_key);
CREATE INDEX plan_tasks_parent ON plan_tasks(parent_id);

-- A unit of a task with its role (牵头, 责任, 配合). name is as the plan
-- wrote it; unit_id is the organisation's unit it resolved to, NULL while
-- unknown (flagged for the office to map or create) or when the office
-- chose to ignore the name (ignored). One name may stand for several units
-- (各区人民政府): one row per unit. signed_at: the unit signed for the task.
CREATE TABLE plan_task_units (
	id        INTEGER PRIMARY KEY,
	task_id   INTEGER NOT NULL REFERENCES plan_tasks(id) ON DELETE CASCADE,
	plan_id   INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
	role      TEXT NOT NULL,
	name      TEXT NOT NULL,
	unit_id   INTEGER REFERENCES units(id),
	ignored   BOOLEAN NOT NULL DEFAULT FALSE,
	seq       INTEGER NOT NULL DEFAULT 0,
	signed_at BIGINT,
	signed_by INTEGER REFERENCES users(id)
);
CREATE UNIQUE INDEX plan_task_units_task ON plan_task_units(task_id, unit_id, name);
CREATE INDEX plan_task_units_unit ON plan_task_units(unit_id, plan_id, task_id);
CREATE INDEX plan_task_units_plan ON plan_task_units(plan_id, name);

-- A milestone (节点) of a task; reached_on is set by a report.
CREATE TABLE plan_milestones (
	id         INTEGER PRIMARY KEY,
	task_id    INTEGER NOT NULL REFERENCES plan_tasks(id) ON DELETE CASCADE,
	seq        INTEGER NOT NULL,
	title      TEXT NOT NULL,
	due_date   TEXT,
	reached_on TEXT,
	unit_id    INTEGER REFERENCES units(id),
	created_at BIGINT NOT NULL
);
CREATE INDEX plan_milestones_task ON plan_milestones(task_id, seq);

-- An indicator (量化指标) of a goal or a task: op is >=, >, <=, < or =;
-- measure the unit of measure (家, 亿元, %, 个工作日 …); due_date when the
-- target is due (NULL: the task's or the plan's deadline). actual and
-- actual_on are the latest reported value.
CREATE TABLE plan_indicators (
	id            INTEGER PRIMARY KEY,
	plan_id       INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
	goal_id       INTEGER REFERENCES plan_goals(id) ON DELETE CASCADE,
	task_id       INTEGER REFERENCES plan_tasks(id) ON DELETE CASCADE,
	seq           INTEGER NOT NULL,
	name          TEXT NOT NULL,
	text          TEXT NOT NULL DEFAULT '',
	measure       TEXT NOT NULL DEFAULT '',
	op            TEXT NOT NULL,
	baseline      REAL,
	target        REAL NOT NULL,
	due_date      TEXT,
	owner_unit_id INTEGER REFERENCES units(id),
	owner_name    TEXT NOT NULL DEFAULT '',
	actual        REAL,
	actual_on     TEXT
);
CREATE INDEX plan_indicators_plan ON plan_indicators(plan_id, seq);
CREATE INDEX plan_indicators_task ON plan_indicators(task_id);
CREATE INDEX plan_indicators_owner ON plan_indicators(owner_unit_id, plan_id);

-- An interim target of an indicator (its trajectory): value due by due_date.
CREATE TABLE plan_indicator_targets (
	indicator_id INTEGER NOT NULL REFERENCES plan_indicators(id) ON DELETE CASCADE,
	due_date     TEXT NOT NULL,
	value        REAL NOT NULL,
	PRIMARY KEY (indicator_id, due_date)
);

-- An actual value of an indicator as of a date, with its evidence, entered
-- with a report (report_id) or on its own.
CREATE TABLE plan_indicator_values (
	id           INTEGER PRIMARY KEY,
	indicator_id INTEGER NOT NULL REFERENCES plan_indicators(id) ON DELETE CASCADE,
	value        REAL NOT NULL,
	as_of        TEXT NOT NULL,
	evidence     TEXT NOT NULL DEFAULT '',
	report_id    INTEGER,
	unit_id      INTEGER REFERENCES units(id),
	recorded_by  INTEGER REFERENCES users(id),
	recorded_at  BIGINT NOT NULL
);
CREATE INDEX plan_indicator_values_indicator ON plan_indicator_values(indicator_id, as_of);

-- A progress report expected from a unit for a period of a plan: a row per
-- (plan, unit, period) exists from the period's start (status 待报送) and
-- becomes 已报送 when the unit files it; on_time compares the first filing
-- with due_date. These rows are the reporting rates' denominators.
CREATE TABLE plan_reports (
	id           INTEGER PRIMARY KEY,
	plan_id      INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
	unit_id      INTEGER NOT NULL REFERENCES units(id),
	period       TEXT NOT NULL,
	due_date     TEXT NOT NULL,
	status       TEXT NOT NULL,
	submitted_at BIGINT,
	submitted_by INTEGER REFERENCES users(id),
	updated_at   BIGINT,
	on_time      BOOLEAN,
	summary      TEXT NOT NULL DEFAULT '',
	UNIQUE (plan_id, unit_id, period)
);
CREATE INDEX plan_reports_unit ON plan_reports(unit_id, status, due_date);
CREATE INDEX plan_reports_due ON plan_reports(due_date, unit_id);
CREATE INDEX plan_reports_plan ON plan_reports(plan_id, period);

-- A report's entry for one task: progress text, % done, a milestone
-- reached, problems, next steps and whether the unit reports it done.
CREATE TABLE plan_report_items (
	id           INTEGER PRIMARY KEY,
	report_id    INTEGER NOT NULL REFERENCES plan_reports(id) ON DELETE CASCADE,
	task_id      INTEGER NOT NULL REFERENCES plan_tasks(id) ON DELETE CASCADE,
	progress     INTEGER,
	milestone_id INTEGER REFERENCES plan_milestones(id) ON DELETE SET NULL,
	text         TEXT NOT NULL DEFAULT '',
	problems     TEXT NOT NULL DEFAULT '',
	next_steps   TEXT NOT NULL DEFAULT '',
	done_claim   BOOLEAN NOT NULL DEFAULT FALSE,
	UNIQUE (report_id, task_id)
);
CREATE INDEX plan_report_items_task ON plan_report_items(task_id, report_id);

-- A file attached to a report (evidence), kept in the database so that
-- every instance serves it; always sent as a download.
CREATE TABLE plan_attachments (
	id         INTEGER PRIMARY KEY,
	report_id  INTEGER NOT NULL REFERENCES plan_reports(id) ON DELETE CASCADE,
	task_id    INTEGER REFERENCES plan_tasks(id) ON DELETE SET NULL,
	name       TEXT NOT NULL,
	size       BIGINT NOT NULL,
	sha256     TEXT NOT NULL,
	data       BLOB NOT NULL,
	created_by INTEGER REFERENCES users(id),
	created_at BIGINT NOT NULL
);
CREATE INDEX plan_attachments_report ON plan_attachments(report_id);

-- A 督办 notice from the office to a unit on a task, with a reply deadline;
-- status is 待回复, 已回复 or 已办结; on_time compares the reply with
-- reply_due.
CREATE TABLE plan_notices (
	id         INTEGER PRIMARY KEY,
	plan_id    INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
	task_id    INTEGER NOT NULL REFERENCES plan_tasks(id) ON DELETE CASCADE,
	unit_id    INTEGER NOT NULL REFERENCES units(id),
	text       TEXT NOT NULL,
	reply_due  TEXT NOT NULL,
	status     TEXT NOT NULL,
	issued_by  INTEGER REFERENCES users(id),
	issued_at  BIGINT NOT NULL,
	reply      TEXT NOT NULL DEFAULT '',
	replied_at BIGINT,
	replied_by INTEGER REFERENCES users(id),
	on_time    BOOLEAN,
	closed_at  BIGINT,
	closed_by  INTEGER REFERENCES users(id)
);
CREATE INDEX plan_notices_unit ON plan_notices(unit_id, status, reply_due);
CREATE INDEX plan_notices_task ON plan_notices(task_id);
CREATE INDEX plan_notices_due ON plan_notices(reply_due);

-- A record another module holds (an appeal, a 问题清单 item) linked to the
-- task that should fix it.
CREATE TABLE plan_task_links (
	id         INTEGER PRIMARY KEY,
	task_id    INTEGER NOT NULL REFERENCES plan_tasks(id) ON DELETE CASCADE,
	kind       TEXT NOT NULL,
	target_id  BIGINT NOT NULL,
	note       TEXT NOT NULL DEFAULT '',
	created_by INTEGER REFERENCES users(id),
	created_at BIGINT NOT NULL,
	UNIQUE (task_id, kind, target_id)
);
CREATE INDEX plan_task_links_target ON plan_task_links(kind, target_id);

-- The ranking (比晾晒) of a unit in a month: its counts and score, for one
-- plan (plan_id) or all published plans (plan_id 0). The current month is
-- refreshed daily, so each month keeps its last state as history.
CREATE TABLE plan_rankings (
	period              TEXT NOT NULL,
	plan_id             BIGINT NOT NULL,
	unit_id             INTEGER NOT NULL REFERENCES units(id),
	reports_expected    INTEGER NOT NULL,
	reports_received    INTEGER NOT NULL,
	reports_on_time     INTEGER NOT NULL,
	tasks_total         INTEGER NOT NULL,
	tasks_on_track      INTEGER NOT NULL,
	indicators_total    INTEGER NOT NULL,
	indicators_achieved INTEGER NOT NULL,
	notices_due         INTEGER NOT NULL,
	notices_on_time     INTEGER NOT NULL,
	score               REAL NOT NULL,
	rank                INTEGER NOT NULL,
	computed_at         BIGINT NOT NULL,
	PRIMARY KEY (period, plan_id, unit_id)
);
CREATE INDEX plan_rankings_unit ON plan_rankings(plan_id, unit_id, period);
