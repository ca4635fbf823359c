-- Counting rules (issue 29; docs/counting-rules.md): programme reach and the naik-kelas marks
-- count verified businesses only, as every other official figure. Both per-kelurahan counts are
-- made again from their per-business sources; the triggers that keep them
-- (schema::rollup::reach and ::growth) are replaced by `Database::migrate` after this file.
-- Nothing a user entered changes: reach_rollup and growth_milestones stay as they are.
--
-- reach_village also keeps the sector and size class of the businesses reached (issue 30): the
-- reach page's "per sector" and "per size class" tables at a province's scale are sums of it
-- beside the registry's rollup, not a test of every business against the year's participations.
DROP TABLE reach_village;
CREATE TABLE reach_village (
    village_code TEXT NOT NULL,
    year BIGINT NOT NULL,
    sector_code TEXT NOT NULL,
    size_class TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (year, village_code, sector_code, size_class)
);
INSERT INTO reach_village (village_code, year, sector_code, size_class, n)
SELECT u.village_code, r.year, u.sector_code, COALESCE(u.size_class, ''), COUNT(*)
FROM reach_rollup r
JOIN umkm u ON u.id = r.umkm_id
WHERE r.attended > 0 AND u.merged_into IS NULL AND u.status = 'verified'
GROUP BY u.village_code, r.year, u.sector_code, COALESCE(u.size_class, '');

DELETE FROM growth_village;
INSERT INTO growth_village (village_code, milestone, year, n)
SELECT u.village_code, m.milestone, m.year, COUNT(*) FROM growth_milestones m
JOIN umkm u ON u.id = m.umkm_id
WHERE u.merged_into IS NULL AND u.status = 'verified'
GROUP BY u.village_code, m.milestone, m.year;
