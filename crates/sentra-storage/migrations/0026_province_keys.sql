-- Partitioning by province (issue 13, docs/national-scale.md): every row that belongs to a
-- business carries the business's province, so that PostgreSQL (and a Citus cluster, where it is
-- the distribution column) can key them by `(province_code, umkm_id)` alongside
-- `umkm (province_code, id)`. Kept by triggers on both engines (storage/src/province_keys.rs);
-- the composite foreign keys and `sentra partition` are PostgreSQL-only steps in code.

ALTER TABLE umkm_documents ADD COLUMN province_code TEXT;
UPDATE umkm_documents SET province_code = (SELECT u.province_code FROM umkm u WHERE u.id = umkm_documents.umkm_id);
ALTER TABLE change_requests ADD COLUMN province_code TEXT;
UPDATE change_requests SET province_code = (SELECT u.province_code FROM umkm u WHERE u.id = change_requests.umkm_id);
ALTER TABLE products ADD COLUMN province_code TEXT;
UPDATE products SET province_code = (SELECT u.province_code FROM umkm u WHERE u.id = products.umkm_id);
ALTER TABLE activity_participants ADD COLUMN province_code TEXT;
UPDATE activity_participants SET province_code = (SELECT u.province_code FROM umkm u WHERE u.id = activity_participants.umkm_id);
ALTER TABLE legality_progress ADD COLUMN province_code TEXT;
UPDATE legality_progress SET province_code = (SELECT u.province_code FROM umkm u WHERE u.id = legality_progress.umkm_id);
ALTER TABLE growth_reports ADD COLUMN province_code TEXT;
UPDATE growth_reports SET province_code = (SELECT u.province_code FROM umkm u WHERE u.id = growth_reports.umkm_id);
ALTER TABLE size_class_events ADD COLUMN province_code TEXT;
UPDATE size_class_events SET province_code = (SELECT u.province_code FROM umkm u WHERE u.id = size_class_events.umkm_id);
ALTER TABLE growth_milestones ADD COLUMN province_code TEXT;
UPDATE growth_milestones SET province_code = (SELECT u.province_code FROM umkm u WHERE u.id = growth_milestones.umkm_id);
ALTER TABLE purchases ADD COLUMN province_code TEXT;
UPDATE purchases SET province_code = (SELECT u.province_code FROM umkm u WHERE u.id = purchases.umkm_id);
ALTER TABLE request_candidates ADD COLUMN province_code TEXT;
UPDATE request_candidates SET province_code = (SELECT u.province_code FROM umkm u WHERE u.id = request_candidates.umkm_id);
ALTER TABLE exhibition_items ADD COLUMN province_code TEXT;
UPDATE exhibition_items SET province_code = (SELECT u.province_code FROM umkm u WHERE u.id = exhibition_items.umkm_id);
ALTER TABLE gallery_items ADD COLUMN province_code TEXT;
UPDATE gallery_items SET province_code = (SELECT u.province_code FROM umkm u WHERE u.id = gallery_items.umkm_id);
ALTER TABLE gallery_ledger ADD COLUMN province_code TEXT;
UPDATE gallery_ledger SET province_code = (SELECT u.province_code FROM umkm u WHERE u.id = gallery_ledger.umkm_id);
ALTER TABLE umkm_photos ADD COLUMN province_code TEXT;
UPDATE umkm_photos SET province_code = (SELECT u.province_code FROM umkm u WHERE u.id = umkm_photos.umkm_id);
ALTER TABLE umkm_field_notes ADD COLUMN province_code TEXT;
UPDATE umkm_field_notes SET province_code = (SELECT u.province_code FROM umkm u WHERE u.id = umkm_field_notes.umkm_id);
ALTER TABLE duplicate_pairs ADD COLUMN a_province_code TEXT;
ALTER TABLE duplicate_pairs ADD COLUMN b_province_code TEXT;
UPDATE duplicate_pairs SET a_province_code = (SELECT u.province_code FROM umkm u WHERE u.id = duplicate_pairs.a_id),
    b_province_code = (SELECT u.province_code FROM umkm u WHERE u.id = duplicate_pairs.b_id);

-- Which province holds a business, by id alone: links and the API know only the id, and on a
-- partitioned `umkm` a look-up by id alone must visit every partition. Also the one place a
-- shop name (`store_slug`) is unique across the whole country, which a partitioned table can
-- only enforce per province.
CREATE TABLE umkm_directory (
    id TEXT PRIMARY KEY,
    province_code TEXT NOT NULL,
    store_slug TEXT UNIQUE
);
INSERT INTO umkm_directory (id, province_code, store_slug)
SELECT id, province_code, store_slug FROM umkm;
