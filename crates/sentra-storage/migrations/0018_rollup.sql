-- Dashboards at a million UMKM (issue 8): the registry counted ahead, kept exact by triggers on
-- umkm and umkm_documents (installed per engine by `Database::migrate`, see sql/rollup_*.sql) in
-- the same transaction as every write. Merged records are not counted, as in the registry list.
--
-- doc_mask on umkm: 1 when it holds an NIB, 2 a halal certificate (set by the document
-- triggers; what the rollup's has_nib and has_halal are read from).
ALTER TABLE umkm ADD COLUMN doc_mask BIGINT NOT NULL DEFAULT 0;
UPDATE umkm SET doc_mask =
    CASE WHEN EXISTS (SELECT 1 FROM umkm_documents d WHERE d.umkm_id = umkm.id
                      AND d.kind = 'nib') THEN 1 ELSE 0 END
  + CASE WHEN EXISTS (SELECT 1 FROM umkm_documents d WHERE d.umkm_id = umkm.id
                      AND d.kind = 'halal') THEN 2 ELSE 0 END;

-- umkm_rollup: businesses per kelurahan and every dimension a dashboard, report or cross-tab
-- splits by, with the sums they add up. umkm_doc_rollup: holders of each document kind per
-- kelurahan and year of issue (0 when the date is unknown).
CREATE TABLE umkm_rollup (
    village_code TEXT NOT NULL,
    sector_code TEXT NOT NULL,
    size_class TEXT NOT NULL,
    status TEXT NOT NULL,
    owner_sex TEXT NOT NULL,
    entered_year BIGINT NOT NULL,
    has_nib BIGINT NOT NULL,
    has_halal BIGINT NOT NULL,
    n BIGINT NOT NULL,
    employees BIGINT NOT NULL,
    modal BIGINT NOT NULL,
    sales BIGINT NOT NULL,
    PRIMARY KEY (village_code, sector_code, size_class, status, owner_sex, entered_year,
                 has_nib, has_halal)
);

CREATE TABLE umkm_doc_rollup (
    village_code TEXT NOT NULL,
    kind TEXT NOT NULL,
    issued_year BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (kind, village_code, issued_year)
);

INSERT INTO umkm_rollup (village_code, sector_code, size_class, status, owner_sex, entered_year,
                         has_nib, has_halal, n, employees, modal, sales)
SELECT village_code, sector_code, size_class, status, owner_sex, entered_year, has_nib, has_halal,
       COUNT(*), SUM(employees), SUM(modal), SUM(sales)
FROM (
    SELECT u.village_code, u.sector_code, COALESCE(u.size_class, '') AS size_class, u.status,
           u.owner_sex, CAST(substr(u.created_at, 1, 4) AS BIGINT) AS entered_year,
           CASE WHEN (u.doc_mask & 1) <> 0 THEN 1 ELSE 0 END AS has_nib,
           CASE WHEN (u.doc_mask & 2) <> 0 THEN 1 ELSE 0 END AS has_halal,
           COALESCE(u.employees_male, 0) + COALESCE(u.employees_female, 0) AS employees,
           COALESCE(u.modal_rupiah, 0) AS modal, COALESCE(u.annual_sales_rupiah, 0) AS sales
    FROM umkm u WHERE u.merged_into IS NULL
) AS b
GROUP BY village_code, sector_code, size_class, status, owner_sex, entered_year, has_nib,
         has_halal;

INSERT INTO umkm_doc_rollup (village_code, kind, issued_year, n)
SELECT u.village_code, d.kind,
       CASE WHEN d.issued_on IS NULL OR d.issued_on = '' THEN 0
            ELSE CAST(substr(d.issued_on, 1, 4) AS BIGINT) END AS issued_year,
       COUNT(*)
FROM umkm_documents d JOIN umkm u ON u.id = d.umkm_id
WHERE u.merged_into IS NULL
GROUP BY u.village_code, d.kind,
         CASE WHEN d.issued_on IS NULL OR d.issued_on = '' THEN 0
              ELSE CAST(substr(d.issued_on, 1, 4) AS BIGINT) END;
