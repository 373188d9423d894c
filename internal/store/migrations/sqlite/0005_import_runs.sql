-- Imports started from the web UI: the uploaded file, the job that runs it,
-- and its result (counts and rejected rows) for the progress page.
CREATE TABLE import_runs (
	id         INTEGER PRIMARY KEY,
	job_id     INTEGER,
	filename   TEXT NOT NULL,
	format     TEXT NOT NULL,
	path       TEXT NOT NULL,
	size       BIGINT NOT NULL,
	strict     BOOLEAN NOT NULL DEFAULT FALSE,
	dry_run    BOOLEAN NOT NULL DEFAULT FALSE,
	created_by INTEGER REFERENCES users(id),
	created_at BIGINT NOT NULL,
	finished_at BIGINT,
	result     TEXT,
	error      TEXT
);
