-- Dashboards at a province's scale (issue 30): umkm_rollup keeps a row per kelurahan and every
-- dimension a cross-tab splits by, which at 1,000,000 UMKM over a province's 1,552 kelurahan is
-- 563,000 rows — nearly a row per two businesses, so a province's totals read half a million
-- rows. umkm_district_rollup keeps the dimensions the dashboards, reports and reach read most
-- (sector, size class, status) per kecamatan: at most 120 rows a kecamatan. Kept by the same
-- triggers as umkm_rollup (schema::rollup::counts), filled here from the registry.
CREATE TABLE umkm_district_rollup (
    district_code TEXT NOT NULL,
    sector_code TEXT NOT NULL,
    size_class TEXT NOT NULL,
    status TEXT NOT NULL,
    n BIGINT NOT NULL,
    employees BIGINT NOT NULL,
    modal BIGINT NOT NULL,
    sales BIGINT NOT NULL,
    PRIMARY KEY (district_code, sector_code, size_class, status)
);

INSERT INTO umkm_district_rollup (district_code, sector_code, size_class, status, n, employees,
                                  modal, sales)
SELECT district_code, sector_code, COALESCE(size_class, ''), status, COUNT(*),
       SUM(COALESCE(employees_male, 0) + COALESCE(employees_female, 0)),
       SUM(COALESCE(modal_rupiah, 0)), SUM(COALESCE(annual_sales_rupiah, 0))
FROM umkm WHERE merged_into IS NULL
GROUP BY district_code, sector_code, COALESCE(size_class, ''), status;
