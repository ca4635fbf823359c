-- Targets (issue 8): per indicator (`coverage_nib`, `reach`, …), region and year, the share
-- to reach in basis points (80% = 8000), who set it and when.
CREATE TABLE targets (
    indicator TEXT NOT NULL,
    region_code TEXT NOT NULL,
    year BIGINT NOT NULL,
    basis_points BIGINT NOT NULL,
    set_by TEXT NOT NULL,
    set_at TEXT NOT NULL,
    PRIMARY KEY (indicator, region_code, year)
);
