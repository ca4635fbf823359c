-- Programme reach at a million UMKM (issue 8): per business and year, how many activities it
-- attended (reach_rollup), and per kelurahan and year how many active businesses attended at
-- least one (reach_village) — kept exact by triggers on activity_participants, activities and
-- umkm (sql in src/rollup.rs), filled by `Database::migrate` on first start.
--
-- The year of an activity is the calendar year in the time zone of the business's province
-- (calendar_years, from sentra_domain::programme::activity::year_start), as dashboards count.
CREATE TABLE calendar_years (
    province_code TEXT NOT NULL,
    year BIGINT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    PRIMARY KEY (province_code, starts_at)
);

CREATE TABLE reach_rollup (
    umkm_id TEXT NOT NULL,
    year BIGINT NOT NULL,
    attended BIGINT NOT NULL,
    PRIMARY KEY (umkm_id, year)
);

CREATE TABLE reach_village (
    village_code TEXT NOT NULL,
    year BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (year, village_code)
);
