-- Division codes, street names and tags are compared for equality and
-- grouped, never ordered for people, so they compare byte-wise (COLLATE
-- "C", as uscc and industry already do): the btree indexes on them are
-- built with memcmp and abbreviated keys instead of the locale's rules,
-- several times faster for the index builds at the end of a large import.
-- Every table that holds a district or street changes together, so that
-- comparisons between them never mix collations.
ALTER TABLE enterprises ALTER COLUMN district TYPE TEXT COLLATE "C", ALTER COLUMN street TYPE TEXT COLLATE "C";
ALTER TABLE enterprise_tags ALTER COLUMN tag TYPE TEXT COLLATE "C";
ALTER TABLE specialist_grid ALTER COLUMN district TYPE TEXT COLLATE "C", ALTER COLUMN street TYPE TEXT COLLATE "C";
ALTER TABLE service_stations ALTER COLUMN district TYPE TEXT COLLATE "C";
ALTER TABLE policies ALTER COLUMN district TYPE TEXT COLLATE "C";
