-- Counting rules (issue 29, item 5; docs/counting-rules.md): official figures count verified
-- (so active) businesses, and legality coverage counts documents valid on the day. The holders
-- rollup gains the business's status and the month its document expires ('' when it does not),
-- so a coverage figure sums the verified holders whose document runs past this month and counts
-- only the documents ending this month one by one (index below). The triggers that keep it
-- (schema::rollup::counts) are replaced by `Database::migrate` after this file.
DROP TABLE umkm_doc_rollup;

CREATE TABLE umkm_doc_rollup (
    village_code TEXT NOT NULL,
    kind TEXT NOT NULL,
    issued_year BIGINT NOT NULL,
    status TEXT NOT NULL,
    expires_month TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (kind, village_code, issued_year, status, expires_month)
);

INSERT INTO umkm_doc_rollup (village_code, kind, issued_year, status, expires_month, n)
SELECT village_code, kind, issued_year, status, expires_month, COUNT(*)
FROM (
    SELECT u.village_code, d.kind,
           CASE WHEN d.issued_on IS NULL OR d.issued_on = '' THEN 0
                ELSE CAST(substr(d.issued_on, 1, 4) AS BIGINT) END AS issued_year,
           u.status,
           CASE WHEN d.expires_on IS NULL OR d.expires_on = '' THEN ''
                ELSE substr(d.expires_on, 1, 7) END AS expires_month
    FROM umkm_documents d JOIN umkm u ON u.id = d.umkm_id
    WHERE u.merged_into IS NULL
) AS b
GROUP BY village_code, kind, issued_year, status, expires_month;

-- The documents of one kind ending in a date range: this month's part of coverage.
CREATE INDEX umkm_documents_expires ON umkm_documents (kind, expires_on);
