-- The naik-kelas marks per kelurahan and year are kept per record status too (issue 30): the
-- official figures read the verified ones (the counting rules), and the registry list filtered
-- by a mark alone — any status, as a user may ask — counts from the same table instead of
-- looking up a province's 100,000 marked businesses one by one (0.7 s). The triggers that keep
-- it (schema::rollup::growth) are replaced by `Database::migrate` after this file.
DROP TABLE growth_village;
CREATE TABLE growth_village (
    village_code TEXT NOT NULL,
    milestone TEXT NOT NULL,
    year BIGINT NOT NULL,
    status TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (milestone, year, village_code, status)
);
INSERT INTO growth_village (village_code, milestone, year, status, n)
SELECT u.village_code, m.milestone, m.year, u.status, COUNT(*) FROM growth_milestones m
JOIN umkm u ON u.id = m.umkm_id
WHERE u.merged_into IS NULL
GROUP BY u.village_code, m.milestone, m.year, u.status;
