-- "Trained more than N times in a topic" at a province (issue 30): read from reach_topic by its
-- index on (year, attendances), a low N still joined hundreds of thousands of rows to their
-- businesses (1.5 s for N = 1 at a province). The reach triggers keep, per kelurahan, year and
-- topic, how many verified businesses attended exactly so many activities of it; the figure for
-- any N is a sum of a few thousand rows. Emptying the calendar makes `Database::migrate` count
-- the reach rollups again from the participations, as on a first start.
CREATE TABLE reach_topic_village (
    village_code TEXT NOT NULL,
    year BIGINT NOT NULL,
    topic TEXT NOT NULL,
    attended BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (year, village_code, topic, attended)
);
DROP INDEX reach_topic_often;

DELETE FROM reach_topic;
DELETE FROM reach_rollup;
DELETE FROM reach_village;
DELETE FROM calendar_years;
