-- Appeal rates (接诉即办 figures, 比晾晒, 月度简报). appeal_stat_cells is a
-- pre-aggregation of the appeals' derived columns, kept current inside
-- the transaction of every intake and transition (appeal.Options.Observe:
-- the appeal's old contribution is taken away, its new one added) and
-- rebuilt from the appeals table on request. One row per month, dimension
-- (all, district, category, channel) and its key, the unit the appeal is
-- with (0: none) and the appeal's status; the counts are of the appeals
-- received in that month, except backlog, counted in the month the appeal
-- is due (月月清零). rd0..rd15 count first replies by the working days they
-- took (rd15: 15 or more), for the p90.
CREATE TABLE appeal_stat_cells (
	dim             TEXT NOT NULL,
	month           TEXT NOT NULL,
	key             TEXT NOT NULL,
	unit_id         INTEGER NOT NULL,
	status          TEXT NOT NULL,
	received        BIGINT NOT NULL DEFAULT 0,
	signed          BIGINT NOT NULL DEFAULT 0,
	signed_on_time  BIGINT NOT NULL DEFAULT 0,
	replied         BIGINT NOT NULL DEFAULT 0,
	replied_on_time BIGINT NOT NULL DEFAULT 0,
	reply_days      BIGINT NOT NULL DEFAULT 0,
	solved          BIGINT NOT NULL DEFAULT 0,
	explained       BIGINT NOT NULL DEFAULT 0,
	not_ours        BIGINT NOT NULL DEFAULT 0,
	satisfied       BIGINT NOT NULL DEFAULT 0,
	basic           BIGINT NOT NULL DEFAULT 0,
	unsatisfied     BIGINT NOT NULL DEFAULT 0,
	unevaluated     BIGINT NOT NULL DEFAULT 0,
	closed          BIGINT NOT NULL DEFAULT 0,
	first_time      BIGINT NOT NULL DEFAULT 0,
	reopened        BIGINT NOT NULL DEFAULT 0,
	returned        BIGINT NOT NULL DEFAULT 0,
	backlog         BIGINT NOT NULL DEFAULT 0,
	rd0              BIGINT NOT NULL DEFAULT 0,
	rd1              BIGINT NOT NULL DEFAULT 0,
	rd2              BIGINT NOT NULL DEFAULT 0,
	rd3              BIGINT NOT NULL DEFAULT 0,
	rd4              BIGINT NOT NULL DEFAULT 0,
	rd5              BIGINT NOT NULL DEFAULT 0,
	rd6              BIGINT NOT NULL DEFAULT 0,
	rd7              BIGINT NOT NULL DEFAULT 0,
	rd8              BIGINT NOT NULL DEFAULT 0,
	rd9              BIGINT NOT NULL DEFAULT 0,
	rd10             BIGINT NOT NULL DEFAULT 0,
	rd11             BIGINT NOT NULL DEFAULT 0,
	rd12             BIGINT NOT NULL DEFAULT 0,
	rd13             BIGINT NOT NULL DEFAULT 0,
	rd14             BIGINT NOT NULL DEFAULT 0,
	rd15             BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (dim, month, key, unit_id, status)
);

-- The formula configuration (口径) the office edits: every edit is a new
-- version; config is its JSON (statuses counted, whether 解释说明 counts
-- as solved, the weights of the 比晾晒 score, the red list).
CREATE TABLE appeal_stat_configs (
	version    INTEGER PRIMARY KEY,
	config     TEXT NOT NULL,
	note       TEXT NOT NULL DEFAULT '',
	created_by TEXT NOT NULL,
	created_at BIGINT NOT NULL
);
INSERT INTO appeal_stat_configs (version, config, note, created_by, created_at)
VALUES (1, '{"counted":["dispatching","signing","handling","paused","evaluating","closing","closed"],"explained_solved":false,"weights":{"response":0.2,"solve":0.4,"satisfy":0.4},"red_below":80,"red_last":3}', '初始口径', 'system', 0);

-- A published month: its figures frozen as the cells were when it was
-- published, with the configuration version they are read with, so that
-- a later change of the configuration or of an appeal does not move them;
-- publishing again (重算) replaces them.
CREATE TABLE appeal_stat_months (
	month          TEXT PRIMARY KEY,
	config_version INTEGER NOT NULL REFERENCES appeal_stat_configs(version),
	published_by   TEXT NOT NULL,
	published_at   BIGINT NOT NULL
);
CREATE TABLE appeal_stat_frozen (
	dim             TEXT NOT NULL,
	month           TEXT NOT NULL REFERENCES appeal_stat_months(month) ON DELETE CASCADE,
	key             TEXT NOT NULL,
	unit_id         INTEGER NOT NULL,
	status          TEXT NOT NULL,
	received        BIGINT NOT NULL DEFAULT 0,
	signed          BIGINT NOT NULL DEFAULT 0,
	signed_on_time  BIGINT NOT NULL DEFAULT 0,
	replied         BIGINT NOT NULL DEFAULT 0,
	replied_on_time BIGINT NOT NULL DEFAULT 0,
	reply_days      BIGINT NOT NULL DEFAULT 0,
	solved          BIGINT NOT NULL DEFAULT 0,
	explained       BIGINT NOT NULL DEFAULT 0,
	not_ours        BIGINT NOT NULL DEFAULT 0,
	satisfied       BIGINT NOT NULL DEFAULT 0,
	basic           BIGINT NOT NULL DEFAULT 0,
	unsatisfied     BIGINT NOT NULL DEFAULT 0,
	unevaluated     BIGINT NOT NULL DEFAULT 0,
	closed          BIGINT NOT NULL DEFAULT 0,
	first_time      BIGINT NOT NULL DEFAULT 0,
	reopened        BIGINT NOT NULL DEFAULT 0,
	returned        BIGINT NOT NULL DEFAULT 0,
	backlog         BIGINT NOT NULL DEFAULT 0,
	rd0              BIGINT NOT NULL DEFAULT 0,
	rd1              BIGINT NOT NULL DEFAULT 0,
	rd2              BIGINT NOT NULL DEFAULT 0,
	rd3              BIGINT NOT NULL DEFAULT 0,
	rd4              BIGINT NOT NULL DEFAULT 0,
	rd5              BIGINT NOT NULL DEFAULT 0,
	rd6              BIGINT NOT NULL DEFAULT 0,
	rd7              BIGINT NOT NULL DEFAULT 0,
	rd8              BIGINT NOT NULL DEFAULT 0,
	rd9              BIGINT NOT NULL DEFAULT 0,
	rd10             BIGINT NOT NULL DEFAULT 0,
	rd11             BIGINT NOT NULL DEFAULT 0,
	rd12             BIGINT NOT NULL DEFAULT 0,
	rd13             BIGINT NOT NULL DEFAULT 0,
	rd14             BIGINT NOT NULL DEFAULT 0,
	rd15             BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (dim, month, key, unit_id, status)
);

-- Whether the cells hold every appeal: false until the first rebuild
-- (appeals filed before this migration), which the rebuild job does once.
CREATE TABLE appeal_stat_meta (
	id       INTEGER PRIMARY KEY,
	built    BOOLEAN NOT NULL DEFAULT FALSE,
	built_at BIGINT
);
INSERT INTO appeal_stat_meta (id, built) VALUES (1, FALSE);

-- The month's figures are read by due month (backlog) and received month.
CREATE INDEX appeals_due_date ON appeals(due_date);
