-- Lists at a province's scale (issue 30). The registry list's naik-kelas filters: each is a set
-- of businesses read from its own table through these indexes (`u.id IN (…)`), instead of a
-- test of every business in the region (4,973 ms for a province admin's "class up in 2026").
CREATE INDEX umkm_documents_issued ON umkm_documents (kind, issued_on, umkm_id);
CREATE INDEX reach_rollup_year ON reach_rollup (year, umkm_id);
-- The expiry page's lists (every kind, by date), paged.
CREATE INDEX umkm_documents_ending ON umkm_documents (expires_on);
-- A province admin's registry list in name order, read in index order rather than sorting a
-- million rows (the kabupaten's is umkm_regency).
CREATE INDEX umkm_province_name ON umkm (province_code, name);
