-- The appeals' monthly report (月度简报) of a month: generated as a draft
-- on the first working day of the next month (or on the office's request),
-- its text sections edited by the office, then published. figures is the
-- report's figures as JSON (headline rates against the previous month,
-- the ranking, the worst overdue appeals, hot topics, the 问题清单's
-- progress); a draft's are refreshed when it is generated again, a
-- published report's are those of its publication and never change.
CREATE TABLE appeal_reports (
	id           INTEGER PRIMARY KEY,
	month        TEXT NOT NULL UNIQUE,
	status       TEXT NOT NULL,
	figures      TEXT NOT NULL,
	intro        TEXT NOT NULL DEFAULT '',
	suggestions  TEXT NOT NULL DEFAULT '',
	generated_at BIGINT NOT NULL,
	generated_by TEXT NOT NULL,
	updated_at   BIGINT NOT NULL,
	updated_by   TEXT NOT NULL,
	published_at BIGINT,
	published_by TEXT
);
