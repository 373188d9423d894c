-- Policy supermarket (政策超市), part 1: policies, their clauses as
-- versioned eligibility rules, proactive pushes and category subscriptions.
-- Instants are BIGINT Unix milliseconds (UTC); dates are TEXT 'YYYY-MM-DD'.

-- A policy (政策). status is 草稿, 待审核, 已发布 or 已结束; district is the
-- district a district government's policy applies to (NULL: the whole city).
CREATE TABLE policies (
	id                INTEGER PRIMARY KEY,
	title             TEXT NOT NULL,
	doc_no            TEXT NOT NULL DEFAULT '',
	issuing_unit_id   INTEGER REFERENCES units(id),
	redeeming_unit_id INTEGER REFERENCES units(id),
	source_text       TEXT NOT NULL DEFAULT '',
	source_url        TEXT NOT NULL DEFAULT '',
	category          TEXT NOT NULL,
	district          TEXT,
	effective_from    TEXT,
	effective_to      TEXT,
	status            TEXT NOT NULL,
	review_note       TEXT NOT NULL DEFAULT '',
	created_by        INTEGER REFERENCES users(id),
	reviewed_by       INTEGER REFERENCES users(id),
	submitted_at      BIGINT,
	published_at      BIGINT,
	ended_at          BIGINT,
	created_at        BIGINT NOT NULL,
	updated_at        BIGINT NOT NULL
);
CREATE INDEX policies_status ON policies(status, category);
CREATE INDEX policies_issuing_unit ON policies(issuing_unit_id);
CREATE INDEX policies_redeeming_unit ON policies(redeeming_unit_id);

-- One version of a clause (条款). clause_id names the clause across its
-- versions (the id of its first version); exactly one version per clause is
-- current. A change to a clause of a published policy adds a version and
-- keeps the old one, so that pushes (and, later, grants) made under a
-- version keep pointing to it. rule and amount are canonical JSON; mode is
-- 免申即享, 即申即享 or 申报审核; materials are joined with newlines;
-- budget is in yuan (NULL: not capped). push_unknown asks for a push to the
-- enterprises whose eligibility is 待补充信息, with unknown_message.
CREATE TABLE policy_clauses (
	id              INTEGER PRIMARY KEY,
	clause_id       INTEGER NOT NULL,
	policy_id       INTEGER NOT NULL REFERENCES policies(id) ON DELETE CASCADE,
	version         INTEGER NOT NULL,
	is_current      BOOLEAN NOT NULL,
	seq             INTEGER NOT NULL DEFAULT 0,
	title           TEXT NOT NULL,
	rule            TEXT NOT NULL,
	benefit_kind    TEXT NOT NULL,
	amount          TEXT,
	mode            TEXT NOT NULL,
	materials       TEXT NOT NULL DEFAULT '',
	window_from     TEXT,
	window_to       TEXT,
	budget          BIGINT,
	push_unknown    BOOLEAN NOT NULL DEFAULT FALSE,
	unknown_message TEXT NOT NULL DEFAULT '',
	created_by      INTEGER REFERENCES users(id),
	created_at      BIGINT NOT NULL,
	UNIQUE (clause_id, version)
);
CREATE INDEX policy_clauses_policy ON policy_clauses(policy_id, is_current);

-- A push (主动推送) of one clause version to one enterprise: outcome is 符合
-- or 待补充信息 (a "please fill in" push). The unique key makes a push
-- happen once per (clause version, enterprise) whichever instance or re-run
-- tries it; a 待补充信息 push may later be upgraded to 符合 exactly once.
CREATE TABLE policy_pushes (
	id                INTEGER PRIMARY KEY,
	clause_version_id INTEGER NOT NULL REFERENCES policy_clauses(id) ON DELETE CASCADE,
	enterprise_id     INTEGER NOT NULL REFERENCES enterprises(id) ON DELETE CASCADE,
	outcome           TEXT NOT NULL,
	notification_id   INTEGER,
	pushed_at         BIGINT NOT NULL,
	read_at           BIGINT,
	UNIQUE (clause_version_id, enterprise_id)
);
CREATE INDEX policy_pushes_enterprise ON policy_pushes(enterprise_id);

-- Categories an enterprise subscribes to: it hears of every new policy of
-- the category, eligible or not.
CREATE TABLE policy_subscriptions (
	enterprise_id INTEGER NOT NULL REFERENCES enterprises(id) ON DELETE CASCADE,
	category      TEXT NOT NULL,
	created_at    BIGINT NOT NULL,
	PRIMARY KEY (enterprise_id, category)
);
CREATE INDEX policy_subscriptions_category ON policy_subscriptions(category, enterprise_id);
