-- The registry list sorted by any of its columns at a province's or kabupaten's scale (issue
-- 30): read in the order of an index on the region and the column, a page is a few dozen rows
-- instead of a sort of the region (a province by last change or modal: 5.2 s and 5.5 s; a
-- kabupaten's kuliner by sales: 0.6–0.9 s). Name order had its indexes (umkm_regency,
-- umkm_province_name, migration 0034). The id is the sort's tie-break.
CREATE INDEX IF NOT EXISTS umkm_province_sales ON umkm (province_code, annual_sales_rupiah, id);
CREATE INDEX IF NOT EXISTS umkm_province_modal ON umkm (province_code, modal_rupiah, id);
CREATE INDEX IF NOT EXISTS umkm_province_created ON umkm (province_code, created_at, id);
CREATE INDEX IF NOT EXISTS umkm_province_updated ON umkm (province_code, updated_at, id);
CREATE INDEX IF NOT EXISTS umkm_regency_sales ON umkm (regency_code, annual_sales_rupiah, id);
CREATE INDEX IF NOT EXISTS umkm_regency_modal ON umkm (regency_code, modal_rupiah, id);
CREATE INDEX IF NOT EXISTS umkm_regency_created ON umkm (regency_code, created_at, id);
CREATE INDEX IF NOT EXISTS umkm_regency_updated ON umkm (regency_code, updated_at, id);
