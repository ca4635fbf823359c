-- Field registration that syncs later (issue 12). Every change an operator's phone sends
-- carries a key it made; the key is written in the same transaction as the change it made, so
-- a retried send (a dropped connection, a resumed sync) finds it and changes nothing twice.
CREATE TABLE sync_keys (
    key TEXT PRIMARY KEY,
    login TEXT NOT NULL,
    umkm_id TEXT,
    created_at TEXT NOT NULL
);

-- Photos of a business taken in the field (compressed on the phone, then turned upright and
-- stripped of EXIF/GPS on the server like product photos). Shown to those who may read the
-- record, not published.
CREATE TABLE umkm_photos (
    id TEXT PRIMARY KEY,
    umkm_id TEXT NOT NULL REFERENCES umkm (id),
    object_key TEXT NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX umkm_photos_umkm ON umkm_photos (umkm_id, created_at);

-- Notes an operator wrote about a business in the field (what the owner said, what to check
-- next visit), kept with the record and shown to those who may read it.
CREATE TABLE umkm_field_notes (
    id TEXT PRIMARY KEY,
    umkm_id TEXT NOT NULL REFERENCES umkm (id),
    note TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX umkm_field_notes_umkm ON umkm_field_notes (umkm_id, created_at);
