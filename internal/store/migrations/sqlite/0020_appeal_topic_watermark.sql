-- The highest appeal id below which every appeal has been cut into words
-- (Refresh raises it when it has gone through every appeal up to it): a
-- report checks only the appeals above it for words to cut, instead of
-- joining every appeal of its period with its words.
ALTER TABLE appeal_topic_state ADD COLUMN segmented_upto BIGINT NOT NULL DEFAULT 0;
