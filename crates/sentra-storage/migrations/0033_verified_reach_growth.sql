-- Counting rules (issue 29; docs/counting-rules.md): programme reach and the naik-kelas marks
-- count verified businesses only, as every other official figure. Both per-kelurahan counts are
-- made again from their per-business sources; the triggers that keep them
-- (schema::rollup::reach and ::growth) are replaced by `Database::migrate` after this file.
-- Nothing a user entered changes: reach_rollup and growth_milestones stay as they are.
DELETE FROM reach_village;
INSERT INTO reach_village (village_code, year, n)
SELECT u.village_code, r.year, COUNT(*) FROM reach_rollup r
JOIN umkm u ON u.id = r.umkm_id
WHERE r.attended > 0 AND u.merged_into IS NULL AND u.status = 'verified'
GROUP BY u.village_code, r.year;

DELETE FROM growth_village;
INSERT INTO growth_village (village_code, milestone, year, n)
SELECT u.village_code, m.milestone, m.year, COUNT(*) FROM growth_milestones m
JOIN umkm u ON u.id = m.umkm_id
WHERE u.merged_into IS NULL AND u.status = 'verified'
GROUP BY u.village_code, m.milestone, m.year;
