-- The reach page at a province's scale (issue 30): two of its figures were found again on every
-- request from the year's participations and products (2.3–4.8 s for a province with 5,000,000
-- participations). They are kept by the reach triggers (schema::rollup::reach) instead:
--
-- * per business, year and topic, the activities of that topic it attended (reach_topic), so
--   that "trained more than N times in a topic" reads the few above N by (year, attended)
--   instead of the participations of every frequent attendee;
-- * per reached business and year, whether it has a product added at or after its first
--   activity of the year (reach_rollup.grew), summed per kelurahan and group (reach_village.grew)
--   as the reached count is.
--
-- Emptying the calendar makes `Database::migrate` count the reach rollups again from the
-- participations, as on a first start (fill_reach_rollup), with the new columns and table.
CREATE TABLE reach_topic (
    umkm_id TEXT NOT NULL,
    year BIGINT NOT NULL,
    topic TEXT NOT NULL,
    attended BIGINT NOT NULL,
    PRIMARY KEY (umkm_id, year, topic)
);
CREATE INDEX reach_topic_often ON reach_topic (year, attended);

ALTER TABLE reach_rollup ADD COLUMN grew BIGINT NOT NULL DEFAULT 0;
ALTER TABLE reach_village ADD COLUMN grew BIGINT NOT NULL DEFAULT 0;

DELETE FROM reach_rollup;
DELETE FROM reach_village;
DELETE FROM calendar_years;
