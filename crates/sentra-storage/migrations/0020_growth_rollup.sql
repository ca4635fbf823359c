-- Naik kelas at a million UMKM (issue 8): growth_milestones also marks the years a business
-- reported ('reported') and moved down a class ('class_down'), and growth_village counts the
-- marks per kelurahan and year — kept exact by triggers on growth_milestones and umkm (sql in
-- src/rollup.rs). Merged businesses are not counted, as in the registry list.
INSERT INTO growth_milestones (umkm_id, milestone, year)
SELECT DISTINCT umkm_id, 'reported', year FROM growth_reports;
INSERT INTO growth_milestones (umkm_id, milestone, year)
SELECT DISTINCT umkm_id, 'class_down', year FROM size_class_events WHERE up = 0;

CREATE TABLE growth_village (
    village_code TEXT NOT NULL,
    milestone TEXT NOT NULL,
    year BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (milestone, year, village_code)
);
INSERT INTO growth_village (village_code, milestone, year, n)
SELECT u.village_code, m.milestone, m.year, COUNT(*) FROM growth_milestones m
JOIN umkm u ON u.id = m.umkm_id WHERE u.merged_into IS NULL
GROUP BY u.village_code, m.milestone, m.year;
