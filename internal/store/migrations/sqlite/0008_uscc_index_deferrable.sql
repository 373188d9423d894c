-- qinqing: foreign_keys off
--
-- The uniqueness of the credit code moves from the column's UNIQUE clause
-- (an automatic index SQLite cannot drop) to the named unique index
-- enterprises_uscc, so that a large import into an empty registry can
-- build it once at its end like the other indexes (a sorted build instead
-- of a random insert per row; see enterprise.Service.Import for how codes
-- stay unique meanwhile). SQLite changes a column constraint only by
-- rebuilding the table; the directive above runs this migration with
-- foreign keys off, so that dropping the old table does not cascade to the
-- tables that refer to it, and checks them all before it commits.
--
-- Tags are searched in the in-memory index; the few SQL queries by tag
-- read the small enterprise_tags table whole, so its second index goes.

CREATE TABLE enterprises_rebuilt (
	id                 INTEGER PRIMARY KEY,
	uscc               TEXT NOT NULL,
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
INSERT INTO enterprises_rebuilt (id, uscc, name, kind, industry, district, street, founded, registered_capital, employees,
	revenue, rd_expense, tax_paid, export_value, total_assets, tags, credit, status, size, sources, created_at, updated_at)
SELECT id, uscc, name, kind, industry, district, street, founded, registered_capital, employees,
	revenue, rd_expense, tax_paid, export_value, total_assets, tags, credit, status, size, sources, created_at, updated_at
FROM enterprises;
DROP TABLE enterprises;
ALTER TABLE enterprises_rebuilt RENAME TO enterprises;
CREATE UNIQUE INDEX enterprises_uscc ON enterprises(uscc);
CREATE INDEX enterprises_district_street ON enterprises(district, street, status);
DROP INDEX IF EXISTS enterprise_tags_tag;
DELETE FROM enterprise_deferred_indexes WHERE name IN ('enterprises_district_street', 'enterprise_tags_tag');
