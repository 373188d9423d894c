-- The uniqueness of the credit code moves from the constraint
-- enterprises_uscc_key to the unique index enterprises_uscc, the same
-- object under the same name as in SQLite, so that a large import into an
-- empty registry can build it once at its end like the other indexes (see
-- enterprise.Service.Import for how codes stay unique meanwhile).
--
-- Tags are searched in the in-memory index; the few SQL queries by tag
-- read the small enterprise_tags table whole, so its second index goes.
CREATE UNIQUE INDEX IF NOT EXISTS enterprises_uscc ON enterprises(uscc);
ALTER TABLE enterprises DROP CONSTRAINT IF EXISTS enterprises_uscc_key;
DROP INDEX IF EXISTS enterprise_tags_tag;
DELETE FROM enterprise_deferred_indexes WHERE name = 'enterprise_tags_tag';
