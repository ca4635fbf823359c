-- Imports must not erase (issue 29, item 2). One file for both engines: plain columns and
-- tables only (TEXT and BIGINT, as the import tables of 0007).

-- What a re-import does to stored records: 'update' (filled cells replace, blank cells keep)
-- or 'fill_empty' (only empty fields are filled); whether blank cells clear, chosen explicitly.
ALTER TABLE import_jobs ADD COLUMN update_mode TEXT NOT NULL DEFAULT 'update';
ALTER TABLE import_jobs ADD COLUMN clear_blank BIGINT NOT NULL DEFAULT 0;
-- When and by whom a written import was undone.
ALTER TABLE import_jobs ADD COLUMN undone_at TEXT;
ALTER TABLE import_jobs ADD COLUMN undone_by TEXT;

-- The dry run's changes to stored records, field by field (old -> new), in row order. NIKs
-- masked. Replaced by each dry run of the job.
CREATE TABLE import_changes (
    job_id TEXT NOT NULL REFERENCES import_jobs (id) ON DELETE CASCADE,
    line BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    umkm_id TEXT NOT NULL,
    record_name TEXT NOT NULL,
    field TEXT NOT NULL,
    old_value TEXT NOT NULL,
    new_value TEXT NOT NULL,
    PRIMARY KEY (job_id, line, seq)
);

-- What a written import did, record by record, so that it can be undone: 'created' or
-- 'updated', the record's version right after the import wrote it (a later edit raises it:
-- the undo is then refused), and for an update the record as it was before (JSON of the form's
-- fields, the NIK sealed under the personal-data key). No foreign key to umkm: undoing an
-- import removes the drafts it created.
CREATE TABLE import_run_records (
    job_id TEXT NOT NULL REFERENCES import_jobs (id) ON DELETE CASCADE,
    umkm_id TEXT NOT NULL,
    action TEXT NOT NULL,
    version_after BIGINT NOT NULL,
    before_values TEXT,
    PRIMARY KEY (job_id, umkm_id)
);
