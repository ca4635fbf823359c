-- Words an office taught the importer (issue 31): a kecamatan's list says "Kue" or "Laundry"
-- where the registry has a sector; the office maps the word once on the import report and
-- every later file of that office (and of the offices under it) reads it so.
CREATE TABLE IF NOT EXISTS import_words (
    region_code TEXT NOT NULL,
    field TEXT NOT NULL,
    word TEXT NOT NULL,
    value TEXT NOT NULL,
    saved_by TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    PRIMARY KEY (region_code, field, word)
);
-- The cell as written, for problems about a value (an unknown sector word), so the report can
-- offer to map it.
ALTER TABLE import_problems ADD COLUMN value TEXT;
