-- Who enqueued a job: the job runs under that actor, so what it changes is
-- audited as theirs (a web import as the administrator who uploaded it),
-- and the jobs pages say who started it. NULL: the system (schedules,
-- follow-up jobs of the system).
ALTER TABLE jobs ADD COLUMN enqueued_by TEXT;
ALTER TABLE jobs ADD COLUMN enqueued_by_id BIGINT;
