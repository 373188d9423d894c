-- Who submitted a policy for review: the four-eyes rule refuses a review by
-- the same person.
ALTER TABLE policies ADD COLUMN submitted_by BIGINT REFERENCES users(id);
