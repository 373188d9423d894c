-- Job lanes: 0 interactive (a person waits for it: imports, grant lists,
-- exports, reminders), 1 bulk (many per event, nobody waiting: notification
-- deliveries, per-enterprise pushes). Jobs are claimed lane by lane, then
-- by run_at and id; the index serves that order.
ALTER TABLE jobs ADD COLUMN lane INTEGER NOT NULL DEFAULT 0;
CREATE INDEX jobs_claim ON jobs(status, lane, run_at, id);
