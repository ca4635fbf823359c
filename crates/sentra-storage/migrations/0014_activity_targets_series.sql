-- Programmes (issue 7): the rest of an activity's target criteria (size classes, missing
-- documents, the audience's regions inside the activity's region, first-timers only), and the
-- series a repeating activity's sessions belong to (the first session's id, and each session's
-- number in it).
ALTER TABLE activities ADD COLUMN size_classes TEXT NOT NULL DEFAULT '';
ALTER TABLE activities ADD COLUMN legality_gaps TEXT NOT NULL DEFAULT '';
ALTER TABLE activities ADD COLUMN target_regions TEXT NOT NULL DEFAULT '';
ALTER TABLE activities ADD COLUMN first_timers BIGINT NOT NULL DEFAULT 0;
ALTER TABLE activities ADD COLUMN series_id TEXT;
ALTER TABLE activities ADD COLUMN series_no BIGINT;
CREATE INDEX activities_series ON activities (series_id);
