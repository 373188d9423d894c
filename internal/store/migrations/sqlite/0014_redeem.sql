-- Policy supermarket (政策超市), part 2: redemption (兑现). Grants of
-- 免申即享 clauses, applications (即申即享, 申报审核) with their materials,
-- objections (异议), clause budgets, and payments (兑付) in batches.
-- Money is whole yuan (BIGINT); instants are BIGINT Unix milliseconds (UTC);
-- dates are TEXT 'YYYY-MM-DD' (Asia/Shanghai).

-- The credit pledge (信用承诺) an enterprise signs when it confirms a grant
-- or applies; '' when the policy asks for none.
ALTER TABLE policies ADD COLUMN pledge TEXT NOT NULL DEFAULT '';

-- How a clause's budget is cut when more is due than it holds: '' or
-- 先到先得 (in the order grants were listed or applications approved),
-- 按比例 (every amount of a list scaled down alike) or 按字段排序 (the list
-- ordered by budget_order, "field" or "-field" for descending, and granted
-- from the top while the budget lasts).
ALTER TABLE policy_clauses ADD COLUMN budget_rule TEXT NOT NULL DEFAULT '';
ALTER TABLE policy_clauses ADD COLUMN budget_order TEXT NOT NULL DEFAULT '';
-- 预先拨付: the percentage of a grant paid at approval (e.g. 70); the rest
-- is settled later against the final amount (事后清算). NULL: paid in full.
ALTER TABLE policy_clauses ADD COLUMN prepay_percent INTEGER;

-- The redemption state of a clause across its versions: what it has
-- committed of its budget (yuan) — raised by a conditional UPDATE that never
-- lets it pass the budget, so no two approvals together grant more than the
-- clause holds, and locked by every change of the clause's grants — and the
-- last job that generated its grant list.
CREATE TABLE policy_redeem_clauses (
	clause_id   BIGINT PRIMARY KEY,
	budget_used BIGINT NOT NULL DEFAULT 0,
	last_job_id BIGINT
);

-- A grant (兑现): one enterprise's benefit under one clause, whichever way
-- it arose (a 免申即享 list, an approved application, an accepted
-- objection). The unique key makes a list repeatable: re-running adds only
-- enterprises not yet listed. data is the JSON snapshot of the fields the
-- rule and amount read; rule_version the clause version's number. status:
-- 待审核, 已排除, 待会签, 待确认, 已确认, 已过期.
CREATE TABLE policy_grants (
	id                INTEGER PRIMARY KEY,
	clause_id         INTEGER NOT NULL,
	clause_version_id INTEGER NOT NULL REFERENCES policy_clauses(id),
	policy_id         INTEGER NOT NULL REFERENCES policies(id),
	unit_id           INTEGER REFERENCES units(id),
	enterprise_id     INTEGER NOT NULL REFERENCES enterprises(id),
	origin            TEXT NOT NULL,
	application_id    INTEGER,
	objection_id      INTEGER,
	status            TEXT NOT NULL,
	amount            BIGINT NOT NULL,
	approved_amount   BIGINT,
	final_amount      BIGINT,
	recover_amount    BIGINT NOT NULL DEFAULT 0,
	recovered_at      BIGINT,
	data              TEXT NOT NULL,
	rule_version      INTEGER NOT NULL,
	reason            TEXT NOT NULL DEFAULT '',
	generated_at      BIGINT NOT NULL,
	reviewed_by       INTEGER REFERENCES users(id),
	approved_on       TEXT,
	countersigned_by  INTEGER REFERENCES users(id),
	confirm_by        TEXT,
	reminded_at       BIGINT,
	confirmed_at      BIGINT,
	confirmed_by      INTEGER REFERENCES users(id),
	pledge            TEXT NOT NULL DEFAULT '',
	payee_name        TEXT NOT NULL DEFAULT '',
	payee_account     TEXT NOT NULL DEFAULT '',
	payee_bank        TEXT NOT NULL DEFAULT '',
	payable_on        TEXT,
	settled_at        BIGINT,
	created_at        BIGINT NOT NULL,
	updated_at        BIGINT NOT NULL,
	UNIQUE (clause_id, enterprise_id)
);
CREATE INDEX policy_grants_status ON policy_grants(clause_id, status);
CREATE INDEX policy_grants_enterprise ON policy_grants(enterprise_id);
CREATE INDEX policy_grants_unit ON policy_grants(unit_id, status);

-- An application (申请) for a 即申即享 or 申报审核 clause. answers are the
-- values the enterprise supplied for facts its file lacks (JSON); evidence
-- the decision's grounds (JSON). status: 待受理, 审核中, 退回补正, 已通过,
-- 未通过, 已撤回. One live application per enterprise and clause.
CREATE TABLE policy_applications (
	id                INTEGER PRIMARY KEY,
	clause_id         INTEGER NOT NULL,
	clause_version_id INTEGER NOT NULL REFERENCES policy_clauses(id),
	policy_id         INTEGER NOT NULL REFERENCES policies(id),
	unit_id           INTEGER REFERENCES units(id),
	enterprise_id     INTEGER NOT NULL REFERENCES enterprises(id),
	mode              TEXT NOT NULL,
	status            TEXT NOT NULL,
	answers           TEXT NOT NULL DEFAULT '{}',
	statement         TEXT NOT NULL DEFAULT '',
	pledge            TEXT NOT NULL DEFAULT '',
	payee_name        TEXT NOT NULL DEFAULT '',
	payee_account     TEXT NOT NULL DEFAULT '',
	payee_bank        TEXT NOT NULL DEFAULT '',
	amount            BIGINT,
	evidence          TEXT NOT NULL DEFAULT '{}',
	reason            TEXT NOT NULL DEFAULT '',
	submitted_at      BIGINT NOT NULL,
	accept_by         TEXT,
	accepted_at       BIGINT,
	decide_by         TEXT,
	decided_at        BIGINT,
	decided_by        INTEGER REFERENCES users(id),
	grant_id          INTEGER,
	created_by        INTEGER REFERENCES users(id),
	created_at        BIGINT NOT NULL,
	updated_at        BIGINT NOT NULL
);
CREATE UNIQUE INDEX policy_applications_live ON policy_applications(clause_id, enterprise_id)
	WHERE status IN ('待受理', '审核中', '退回补正');
CREATE INDEX policy_applications_unit ON policy_applications(unit_id, status);
CREATE INDEX policy_applications_enterprise ON policy_applications(enterprise_id);
CREATE INDEX policy_applications_clause ON policy_applications(clause_id, status);

-- The steps of an application or objection as the enterprise sees them
-- (提交, 受理, 退回补正, 通过 …), with the reason given.
CREATE TABLE policy_redeem_steps (
	id         INTEGER PRIMARY KEY,
	owner_kind TEXT NOT NULL,
	owner_id   INTEGER NOT NULL,
	at         BIGINT NOT NULL,
	actor      TEXT NOT NULL,
	step       TEXT NOT NULL,
	note       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX policy_redeem_steps_owner ON policy_redeem_steps(owner_kind, owner_id, at);

-- An objection (异议) of an enterprise that believes it qualifies for a
-- clause it was found not to fit or left off a list. corrections are the
-- values it says its file should hold (JSON). status: 待答复, 已采纳, 未采纳.
-- One open objection per enterprise and clause.
CREATE TABLE policy_objections (
	id                INTEGER PRIMARY KEY,
	clause_id         INTEGER NOT NULL,
	clause_version_id INTEGER NOT NULL REFERENCES policy_clauses(id),
	policy_id         INTEGER NOT NULL REFERENCES policies(id),
	unit_id           INTEGER REFERENCES units(id),
	enterprise_id     INTEGER NOT NULL REFERENCES enterprises(id),
	grant_id          INTEGER,
	statement         TEXT NOT NULL,
	corrections       TEXT NOT NULL DEFAULT '{}',
	status            TEXT NOT NULL,
	answer            TEXT NOT NULL DEFAULT '',
	answer_by         TEXT NOT NULL,
	answered_at       BIGINT,
	answered_by       INTEGER REFERENCES users(id),
	created_by        INTEGER REFERENCES users(id),
	created_at        BIGINT NOT NULL,
	updated_at        BIGINT NOT NULL
);
CREATE UNIQUE INDEX policy_objections_open ON policy_objections(clause_id, enterprise_id) WHERE status = '待答复';
CREATE INDEX policy_objections_unit ON policy_objections(unit_id, status);
CREATE INDEX policy_objections_enterprise ON policy_objections(enterprise_id);
CREATE INDEX policy_objections_policy ON policy_objections(policy_id, status);

-- Materials (申报材料, evidence) uploaded with an application or an
-- objection: kept in the database, so that every instance serves them, and
-- only ever sent back as an attachment of a checked type.
CREATE TABLE policy_materials (
	id            INTEGER PRIMARY KEY,
	owner_kind    TEXT NOT NULL,
	owner_id      INTEGER NOT NULL,
	enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
	label         TEXT NOT NULL DEFAULT '',
	name          TEXT NOT NULL,
	content_type  TEXT NOT NULL,
	size          BIGINT NOT NULL,
	sha256        TEXT NOT NULL,
	content       BLOB NOT NULL,
	uploaded_by   INTEGER REFERENCES users(id),
	created_at    BIGINT NOT NULL
);
CREATE INDEX policy_materials_owner ON policy_materials(owner_kind, owner_id);

-- A payment batch (兑付批次): the payments of one unit sent to the finance
-- system together.
CREATE TABLE policy_payment_batches (
	id          INTEGER PRIMARY KEY,
	unit_id     INTEGER NOT NULL REFERENCES units(id),
	created_by  INTEGER REFERENCES users(id),
	created_at  BIGINT NOT NULL,
	exported_at BIGINT,
	updated_at  BIGINT NOT NULL
);
CREATE INDEX policy_payment_batches_unit ON policy_payment_batches(unit_id, id);

-- A payment (付款) of a grant: kind 全额 (in full), 预拨 (pre-payment) or
-- 清算 (the balance after settlement). reference (付款编号) is derived from
-- the grant, the kind and the attempt, so it is the idempotency key: a
-- payment is created at most once per attempt. status: 待拨付, 已拨付,
-- 已清算 (a pre-payment settled), 退回 (refused by the bank: a new attempt
-- may follow). The partial unique index lets at most one payment of each
-- kind per grant be live, so a grant is never paid twice.
CREATE TABLE policy_payments (
	id            INTEGER PRIMARY KEY,
	reference     TEXT NOT NULL UNIQUE,
	grant_id      INTEGER NOT NULL REFERENCES policy_grants(id),
	kind          TEXT NOT NULL,
	attempt       INTEGER NOT NULL,
	unit_id       INTEGER REFERENCES units(id),
	batch_id      INTEGER REFERENCES policy_payment_batches(id),
	amount        BIGINT NOT NULL,
	status        TEXT NOT NULL,
	payee_name    TEXT NOT NULL,
	payee_account TEXT NOT NULL,
	payee_bank    TEXT NOT NULL,
	due_from      TEXT NOT NULL,
	due_on        TEXT NOT NULL,
	paid_on       TEXT,
	bank_serial   TEXT NOT NULL DEFAULT '',
	failure       TEXT NOT NULL DEFAULT '',
	notified_at   BIGINT,
	created_at    BIGINT NOT NULL,
	updated_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX policy_payments_live ON policy_payments(grant_id, kind) WHERE status <> '退回';
CREATE INDEX policy_payments_batch ON policy_payments(batch_id, id);
CREATE INDEX policy_payments_unit ON policy_payments(unit_id, status);
