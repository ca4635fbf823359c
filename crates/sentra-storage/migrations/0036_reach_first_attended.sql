-- Programme outcomes at a province's scale (issue 30): the reach page counts, for the businesses
-- a programme reached in a year, what changed after their first activity of that year. It used
-- to find that first activity for every reached business (913,300 of them in the province data
-- set: 9 s on SQLite) and read their audit trail and products 500 at a time (over 25 s in all).
-- reach_rollup now keeps first_at, the start of the business's first attended activity of the
-- year, kept by the triggers that keep `attended` (schema::rollup::reach), so that the outcomes
-- are read from the changes since the year began — audited updates and products created — and
-- compared with it.
ALTER TABLE reach_rollup ADD COLUMN first_at BIGINT;

UPDATE reach_rollup SET first_at = (
    SELECT MIN(a.starts_at) FROM activity_participants p
    JOIN activities a ON a.id = p.activity_id
    JOIN umkm u ON u.id = p.umkm_id
    JOIN calendar_years c ON c.province_code = substr(u.village_code, 1, 2)
        AND c.year = reach_rollup.year
    WHERE p.umkm_id = reach_rollup.umkm_id AND p.state IN ('attended', 'completed')
        AND a.starts_at >= c.starts_at AND a.starts_at < c.ends_at
);

-- The changes since a day: products created, audited updates of businesses.
CREATE INDEX products_created ON products (created_at);
CREATE INDEX audit_entity_action_at ON audit_log (entity, action, at);
-- The businesses that attended more than N activities in a year (the reach page's repeated
-- topics): 30,200 of a province's 913,300, read by this index instead of the year's 1.3 million
-- participations (20 s on SQLite).
CREATE INDEX reach_rollup_often ON reach_rollup (year, attended);
