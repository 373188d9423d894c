-- Registry search is answered from the in-memory columnar snapshot that the
-- policy engine keeps (see docs/architecture.md, "Search"): names by
-- substring, filters as bitmaps, sorting as a partial sort. The database
-- keeps only the indexes that other queries need (the primary key, the
-- unique credit code, district and street for the service network, tags),
-- so that an import writes the table and not five copies of it. The
-- trigram name index and the single-column indexes go; the pg_trgm
-- extension stays where 0002 created it (it is per database and may serve
-- others).
DROP INDEX IF EXISTS enterprises_name_trgm;
DROP INDEX IF EXISTS enterprises_name;
DROP INDEX IF EXISTS enterprises_district;
DROP INDEX IF EXISTS enterprises_industry;
DROP INDEX IF EXISTS enterprises_size;
DROP INDEX IF EXISTS enterprises_credit;
DROP INDEX IF EXISTS enterprises_status;
DELETE FROM enterprise_deferred_indexes WHERE name IN ('enterprises_name_trgm', 'enterprises_name', 'enterprises_district',
	'enterprises_industry', 'enterprises_size', 'enterprises_credit', 'enterprises_status');
