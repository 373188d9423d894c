-- Enterprise registry (一企一档): one row per market entity keyed by its
-- 统一社会信用代码, every profile field nullable (NULL = unknown, never zero).
--
-- tags is the normalised tag set: the tags sorted and joined with '|', NULL
-- when unknown and '' when known to be empty. enterprise_tags holds the same
-- set one row per tag for SQL queries by tag; the application keeps both in
-- step in the same transaction.
--
-- sources is a JSON object: field name -> {"source": "导入|部门共享|企业自报|专员采集",
-- "at": ms}; the key "*" stands for every known field without a key of its
-- own (a bulk import writes one "*" entry instead of one per field).
-- size is derived from industry, employees, revenue and total_assets.

CREATE TABLE enterprises (
	id                 INTEGER PRIMARY KEY,
	uscc               TEXT NOT NULL UNIQUE,
	name               TEXT NOT NULL,
	kind               TEXT,
	industry           TEXT,
	district           TEXT,
	street             TEXT,
	founded            TEXT,
	registered_capital BIGINT,
	employees          BIGINT,
	revenue            BIGINT,
	rd_expense         BIGINT,
	tax_paid           BIGINT,
	export_value       BIGINT,
	total_assets       BIGINT,
	tags               TEXT,
	credit             TEXT,
	status             TEXT,
	size               TEXT,
	sources            TEXT NOT NULL DEFAULT '{}',
	created_at         BIGINT NOT NULL,
	updated_at         BIGINT NOT NULL
);
CREATE INDEX enterprises_name ON enterprises(name);
CREATE INDEX enterprises_district ON enterprises(district);
CREATE INDEX enterprises_industry ON enterprises(industry);
CREATE INDEX enterprises_size ON enterprises(size);
CREATE INDEX enterprises_credit ON enterprises(credit);
CREATE INDEX enterprises_status ON enterprises(status);

CREATE TABLE enterprise_tags (
	enterprise_id INTEGER NOT NULL REFERENCES enterprises(id) ON DELETE CASCADE,
	tag           TEXT NOT NULL,
	PRIMARY KEY (enterprise_id, tag)
) WITHOUT ROWID;
CREATE INDEX enterprise_tags_tag ON enterprise_tags(tag, enterprise_id);

-- Name search: an external-content FTS5 index with the trigram tokenizer
-- (substring match for queries of 3 or more characters), kept in step with
-- enterprises by triggers.
--
-- FTS5 flushes its pending index at every statement that fires such a
-- trigger, which makes row-by-row bulk inserts some 20 times slower. A bulk
-- import therefore sets enterprise_fts_pause.paused = 1 inside its own
-- transaction, indexes the batch's rows with one INSERT … SELECT and sets it
-- back to 0 before committing: other connections never see it paused.
CREATE TABLE enterprise_fts_pause (paused INTEGER NOT NULL);
INSERT INTO enterprise_fts_pause (paused) VALUES (0);
CREATE VIRTUAL TABLE enterprises_fts USING fts5(
	name, content='enterprises', content_rowid='id', tokenize='trigram'
);
CREATE TRIGGER enterprises_fts_insert AFTER INSERT ON enterprises
WHEN (SELECT paused FROM enterprise_fts_pause) = 0 BEGIN
	INSERT INTO enterprises_fts(rowid, name) VALUES (new.id, new.name);
END;
CREATE TRIGGER enterprises_fts_delete AFTER DELETE ON enterprises
WHEN (SELECT paused FROM enterprise_fts_pause) = 0 BEGIN
	INSERT INTO enterprises_fts(enterprises_fts, rowid, name) VALUES ('delete', old.id, old.name);
END;
CREATE TRIGGER enterprises_fts_update AFTER UPDATE OF name ON enterprises
WHEN old.name IS NOT new.name AND (SELECT paused FROM enterprise_fts_pause) = 0 BEGIN
	INSERT INTO enterprises_fts(enterprises_fts, rowid, name) VALUES ('delete', old.id, old.name);
	INSERT INTO enterprises_fts(rowid, name) VALUES (new.id, new.name);
END;

-- Change history: one row per changed field.
CREATE TABLE enterprise_history (
	id            INTEGER PRIMARY KEY,
	enterprise_id INTEGER NOT NULL REFERENCES enterprises(id) ON DELETE CASCADE,
	at            BIGINT NOT NULL,
	field         TEXT NOT NULL,
	old_value     TEXT,
	new_value     TEXT,
	source        TEXT NOT NULL,
	actor         TEXT NOT NULL
);
CREATE INDEX enterprise_history_enterprise ON enterprise_history(enterprise_id, at);

-- A large import into an empty registry drops the secondary indexes of
-- enterprises and enterprise_tags and builds them again at its end (a sort
-- writes each index page once, where random inserts write a page per row).
-- Their definitions wait here meanwhile, so that an import that dies
-- half-way leaves them to be rebuilt by the next import or at start-up
-- (enterprise.Service.RestoreIndexes). Unique indexes are never dropped.
CREATE TABLE enterprise_deferred_indexes (
	name       TEXT PRIMARY KEY,
	definition TEXT NOT NULL
);
