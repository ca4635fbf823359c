-- Open data for a past year (issue 30): the registry as it stood at the end of the year is
-- counted once — a scan of every business and its documents, seconds at a province's scale —
-- and kept, per kelurahan of the deployment's region, like a statistical release: the year is
-- closed and its file does not change under the portals that harvested it. `year_end_counted`
-- marks a year as counted (also when it had no business); see insight::year_end.
CREATE TABLE year_end_counted (
    region_code TEXT NOT NULL,
    year BIGINT NOT NULL,
    counted_at TEXT NOT NULL,
    PRIMARY KEY (region_code, year)
);

CREATE TABLE year_end_figures (
    region_code TEXT NOT NULL,
    year BIGINT NOT NULL,
    village_code TEXT NOT NULL,
    total BIGINT NOT NULL,
    mikro BIGINT NOT NULL,
    kecil BIGINT NOT NULL,
    menengah BIGINT NOT NULL,
    besar BIGINT NOT NULL,
    unknown_size BIGINT NOT NULL,
    with_nib BIGINT NOT NULL,
    with_halal BIGINT NOT NULL,
    PRIMARY KEY (region_code, year, village_code)
);
