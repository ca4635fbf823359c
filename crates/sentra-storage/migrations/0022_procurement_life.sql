-- Purchases change over their life (delivered, accepted, paid) and are corrected: a version for
-- optimistic concurrency, when they last changed, and a note (why a purchase over the remaining
-- budget was recorded anyway). Uploaded procurement spreadsheets wait in procurement_uploads
-- between the check and the save (any server of a deployment can save them).
ALTER TABLE purchases ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE purchases ADD COLUMN updated_at TEXT;
ALTER TABLE purchases ADD COLUMN note TEXT;
CREATE INDEX purchases_product ON purchases (product_id);

CREATE TABLE procurement_uploads (
    id TEXT PRIMARY KEY,
    created_by TEXT NOT NULL,
    region_code TEXT NOT NULL,
    file_name TEXT NOT NULL,
    file_data BYTEA NOT NULL,
    created_at TEXT NOT NULL,
    saved_at TEXT
);
