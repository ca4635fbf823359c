-- Large exports (a workbook of hundreds of thousands of rows takes longer than a request may)
-- run as jobs; the finished file waits here, encrypted, for its download.
CREATE TABLE export_jobs (
    id TEXT PRIMARY KEY,
    created_by TEXT NOT NULL,
    scope_region TEXT NOT NULL,
    -- Set for an owner's export (only their businesses).
    scope_owner TEXT,
    -- The registry list's query string (filters), as the list page had it.
    query TEXT NOT NULL,
    format TEXT NOT NULL,
    reveal BIGINT NOT NULL DEFAULT 0,
    -- queued, running, done, failed
    state TEXT NOT NULL,
    rows_total BIGINT NOT NULL DEFAULT 0,
    rows_done BIGINT NOT NULL DEFAULT 0,
    file_data BYTEA,
    error TEXT,
    claimed_until TEXT,
    attempts BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX export_jobs_state ON export_jobs (state, claimed_until);
