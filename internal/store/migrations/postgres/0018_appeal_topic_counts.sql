-- Hot topics pre-aggregated (分析研判): each appeal's distinct topics are
-- kept beside its words, with the key they are counted under, and the
-- counts per month received and topic
-- (and per district, category or unit) are kept current as words are
-- stored, as an appeal moves (dispatch, transfer, merge) and as the
-- office's dictionary changes, so that a month's topics is one GROUP BY
-- over the counts.

-- topics: the appeal's distinct topics as dictionary version
-- dict_version made them, space-separated, a term marked by a leading
-- '#'; month, district, category and unit_id: the key they are counted
-- under (month NULL: not counted — a merged appeal).
ALTER TABLE appeal_words ADD COLUMN topics TEXT NOT NULL DEFAULT '';
ALTER TABLE appeal_words ADD COLUMN dict_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE appeal_words ADD COLUMN month TEXT;
ALTER TABLE appeal_words ADD COLUMN district TEXT NOT NULL DEFAULT '';
ALTER TABLE appeal_words ADD COLUMN category TEXT NOT NULL DEFAULT '';
ALTER TABLE appeal_words ADD COLUMN unit_id BIGINT NOT NULL DEFAULT 0;
CREATE INDEX appeal_words_dict ON appeal_words(dict_version);

-- How many counted appeals of a month name a topic, per dimension: dim
-- 'all' (key ''), 'district' (key: the district's code, '' none),
-- 'category' (key: the category) and 'unit' (key: the handling unit's id,
-- '0' none); the empty word counts the appeals themselves. One dimension
-- at a time keeps a month's slice to the size of its vocabulary: across
-- all four at once nearly every appeal has a key of its own.
CREATE TABLE appeal_topic_counts (
	month   TEXT NOT NULL,
	dim     TEXT NOT NULL,
	key     TEXT NOT NULL,
	word    TEXT NOT NULL,
	term    BOOLEAN NOT NULL,
	appeals BIGINT NOT NULL,
	PRIMARY KEY (month, dim, key, word)
);

-- The dictionary's version (bumped by every edit) and the version every
-- kept appeal's topics have been recounted with: the counts answer only
-- when the two agree.
CREATE TABLE appeal_topic_state (
	id              BIGINT PRIMARY KEY,
	dict_version    BIGINT NOT NULL,
	counted_version BIGINT NOT NULL
);
INSERT INTO appeal_topic_state (id, dict_version, counted_version) VALUES (1, 1, 0);
-- Words kept before this migration have no topics yet: they are counted
-- again (dict_version 0 differs from the dictionary's 1).
