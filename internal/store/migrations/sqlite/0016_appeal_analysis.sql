-- Appeal analysis (分析研判): the office's dictionary of hot-topic terms
-- and stop words, each appeal's segmented words (kept so that a month's
-- topics are counted without segmenting again), and the 问题清单 — the
-- systemic problems the office makes of clusters of appeals, with their
-- appeals and their progress updates until 销号.

-- A term of the business-environment dictionary (kind 'term': counted as
-- one topic, never split) or a stop word (kind 'stop': never a topic).
CREATE TABLE appeal_dictionary (
	word       TEXT PRIMARY KEY,
	kind       TEXT NOT NULL,
	created_by TEXT NOT NULL,
	created_at BIGINT NOT NULL
);

-- The words of an appeal's title and content in order, separated by
-- spaces ('|' marks punctuation), as segmenter version 'version' cut them.
CREATE TABLE appeal_words (
	appeal_id INTEGER PRIMARY KEY REFERENCES appeals(id) ON DELETE CASCADE,
	version   INTEGER NOT NULL,
	words     TEXT NOT NULL
);

-- An item of the 问题清单. slug names it on the public board (random, so
-- that items cannot be enumerated); due_date is limit_days working days
-- after start_date; progress is the percentage of the last update.
CREATE TABLE appeal_problems (
	id            INTEGER PRIMARY KEY,
	slug          TEXT NOT NULL UNIQUE,
	title         TEXT NOT NULL,
	description   TEXT NOT NULL,
	measures      TEXT NOT NULL DEFAULT '',
	owner_unit_id INTEGER NOT NULL REFERENCES units(id),
	limit_days    INTEGER NOT NULL,
	start_date    TEXT NOT NULL,
	due_date      TEXT NOT NULL,
	status        TEXT NOT NULL,
	progress      INTEGER NOT NULL DEFAULT 0,
	created_by    INTEGER,
	created_at    BIGINT NOT NULL,
	updated_at    BIGINT NOT NULL,
	closed_at     BIGINT,
	closing_note  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX appeal_problems_status ON appeal_problems(status, due_date);
CREATE INDEX appeal_problems_owner ON appeal_problems(owner_unit_id);

-- The appeals behind a problem.
CREATE TABLE appeal_problem_appeals (
	problem_id INTEGER NOT NULL REFERENCES appeal_problems(id) ON DELETE CASCADE,
	appeal_id  INTEGER NOT NULL REFERENCES appeals(id),
	PRIMARY KEY (problem_id, appeal_id)
);
CREATE INDEX appeal_problem_appeals_appeal ON appeal_problem_appeals(appeal_id);

-- A progress update of a problem, by its owner unit or the office.
CREATE TABLE appeal_problem_updates (
	id         INTEGER PRIMARY KEY,
	problem_id INTEGER NOT NULL REFERENCES appeal_problems(id) ON DELETE CASCADE,
	at         BIGINT NOT NULL,
	user_id    INTEGER,
	actor_name TEXT NOT NULL,
	progress   INTEGER NOT NULL,
	note       TEXT NOT NULL
);
CREATE INDEX appeal_problem_updates_problem ON appeal_problem_updates(problem_id, at);

-- The first dictionary: the business-environment terms the seeds name and
-- common words that say nothing about a problem.
INSERT INTO appeal_dictionary (word, kind, created_by, created_at) VALUES
	('拖欠账款', 'term', 'system', 0), ('融资难', 'term', 'system', 0), ('融资贵', 'term', 'system', 0),
	('审批慢', 'term', 'system', 0), ('水电气', 'term', 'system', 0), ('知识产权', 'term', 'system', 0),
	('用工', 'term', 'system', 0), ('招工难', 'term', 'system', 0), ('用地', 'term', 'system', 0),
	('拆迁', 'term', 'system', 0), ('物流', 'term', 'system', 0), ('证照', 'term', 'system', 0),
	('税费', 'term', 'system', 0), ('社保', 'term', 'system', 0), ('招投标', 'term', 'system', 0),
	('停车', 'term', 'system', 0), ('停电', 'term', 'system', 0), ('停水', 'term', 'system', 0),
	('供气', 'term', 'system', 0), ('网络信号', 'term', 'system', 0), ('退税', 'term', 'system', 0),
	('政策兑现', 'term', 'system', 0), ('补贴', 'term', 'system', 0), ('贷款', 'term', 'system', 0),
	('担保', 'term', 'system', 0), ('执法检查', 'term', 'system', 0), ('信用修复', 'term', 'system', 0),
	('施工许可', 'term', 'system', 0), ('消防验收', 'term', 'system', 0), ('环评', 'term', 'system', 0),
	('道路施工', 'term', 'system', 0), ('噪音', 'term', 'system', 0), ('人才公寓', 'term', 'system', 0),
	('营业执照', 'term', 'system', 0), ('质保金', 'term', 'system', 0), ('工程款', 'term', 'system', 0),
	('企业', 'stop', 'system', 0), ('公司', 'stop', 'system', 0), ('我们', 'stop', 'system', 0),
	('我司', 'stop', 'system', 0), ('问题', 'stop', 'system', 0), ('希望', 'stop', 'system', 0),
	('请求', 'stop', 'system', 0), ('反映', 'stop', 'system', 0), ('相关', 'stop', 'system', 0),
	('部门', 'stop', 'system', 0), ('协调', 'stop', 'system', 0), ('解决', 'stop', 'system', 0),
	('尽快', 'stop', 'system', 0), ('目前', 'stop', 'system', 0), ('情况', 'stop', 'system', 0),
	('诉求', 'stop', 'system', 0), ('帮助', 'stop', 'system', 0), ('一直', 'stop', 'system', 0),
	('已经', 'stop', 'system', 0), ('没有', 'stop', 'system', 0), ('导致', 'stop', 'system', 0),
	('影响', 'stop', 'system', 0), ('需要', 'stop', 'system', 0), ('进行', 'stop', 'system', 0),
	('要求', 'stop', 'system', 0), ('有关', 'stop', 'system', 0), ('关于', 'stop', 'system', 0);
