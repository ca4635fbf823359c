-- Dashboards, reports and open data at a province's scale (issue 30), second step. The
-- kelurahan rollup splits by eight dimensions (563,000 rows at 1,000,000 UMKM over a province),
-- so figures that need only a few of them read half a million rows: the dashboard's trend by
-- year of entry (0.5 s), the open data per kelurahan, the holders of a document kind (171,000
-- rows). Three narrow rollups keep just what those figures read, by the same triggers as the
-- others (schema::rollup::counts), filled here from the registry:
--   umkm_year_rollup        per kecamatan, status and year of entry      (~2,300 rows)
--   umkm_village_rollup     per kelurahan, size class and status         (~15,000 rows)
--   umkm_doc_district_rollup the document holders per kecamatan          (~39,000 rows)
CREATE TABLE umkm_year_rollup (
    district_code TEXT NOT NULL,
    status TEXT NOT NULL,
    entered_year BIGINT NOT NULL,
    n BIGINT NOT NULL,
    employees BIGINT NOT NULL,
    modal BIGINT NOT NULL,
    sales BIGINT NOT NULL,
    PRIMARY KEY (district_code, status, entered_year)
);

INSERT INTO umkm_year_rollup (district_code, status, entered_year, n, employees, modal, sales)
SELECT district_code, status, CAST(substr(created_at, 1, 4) AS BIGINT), COUNT(*),
       SUM(COALESCE(employees_male, 0) + COALESCE(employees_female, 0)),
       SUM(COALESCE(modal_rupiah, 0)), SUM(COALESCE(annual_sales_rupiah, 0))
FROM umkm WHERE merged_into IS NULL
GROUP BY district_code, status, CAST(substr(created_at, 1, 4) AS BIGINT);

CREATE TABLE umkm_village_rollup (
    village_code TEXT NOT NULL,
    size_class TEXT NOT NULL,
    status TEXT NOT NULL,
    n BIGINT NOT NULL,
    employees BIGINT NOT NULL,
    modal BIGINT NOT NULL,
    sales BIGINT NOT NULL,
    PRIMARY KEY (village_code, size_class, status)
);

INSERT INTO umkm_village_rollup (village_code, size_class, status, n, employees, modal, sales)
SELECT village_code, COALESCE(size_class, ''), status, COUNT(*),
       SUM(COALESCE(employees_male, 0) + COALESCE(employees_female, 0)),
       SUM(COALESCE(modal_rupiah, 0)), SUM(COALESCE(annual_sales_rupiah, 0))
FROM umkm WHERE merged_into IS NULL
GROUP BY village_code, COALESCE(size_class, ''), status;

CREATE TABLE umkm_doc_district_rollup (
    kind TEXT NOT NULL,
    district_code TEXT NOT NULL,
    issued_year BIGINT NOT NULL,
    status TEXT NOT NULL,
    expires_month TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (kind, district_code, issued_year, status, expires_month)
);

INSERT INTO umkm_doc_district_rollup (kind, district_code, issued_year, status, expires_month, n)
SELECT kind, district_code, issued_year, status, expires_month, COUNT(*)
FROM (
    SELECT d.kind, u.district_code,
           CASE WHEN d.issued_on IS NULL OR d.issued_on = '' THEN 0
                ELSE CAST(substr(d.issued_on, 1, 4) AS BIGINT) END AS issued_year,
           u.status,
           CASE WHEN d.expires_on IS NULL OR d.expires_on = '' THEN ''
                ELSE substr(d.expires_on, 1, 7) END AS expires_month
    FROM umkm_documents d JOIN umkm u ON u.id = d.umkm_id
    WHERE u.merged_into IS NULL
) AS b
GROUP BY kind, district_code, issued_year, status, expires_month;
