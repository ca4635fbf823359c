-- Imports started in the browser run as jobs: the uploaded file (encrypted, it is full of NIKs),
-- the chosen mapping, the dry-run report and the progress live here, so that a job survives a
-- restart of the server and any server of a deployment can pick it up.
CREATE TABLE import_jobs (
    id TEXT PRIMARY KEY,
    created_by TEXT NOT NULL,
    -- The region the rows are matched and written within (the uploader's scope).
    scope_region TEXT NOT NULL,
    file_name TEXT NOT NULL,
    file_data BYTEA,
    sheet TEXT NOT NULL,
    detected TEXT NOT NULL,
    header_line BIGINT NOT NULL,
    -- JSON: the header cells, and the target field of each column (null: ignored).
    headers TEXT NOT NULL,
    mapping TEXT NOT NULL,
    -- mapping, checking, checked, queued, running, done, failed, cancelled
    state TEXT NOT NULL,
    all_or_nothing BIGINT NOT NULL DEFAULT 0,
    rows_total BIGINT NOT NULL DEFAULT 0,
    rows_done BIGINT NOT NULL DEFAULT 0,
    -- JSON counts of the dry run, and of what was written.
    counts TEXT,
    result TEXT,
    error TEXT,
    -- A worker owns a checking or running job until this time and renews it as it works; a
    -- job whose lease ran out (its server died) is taken up again.
    claimed_until TEXT,
    attempts BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX import_jobs_state ON import_jobs (state, claimed_until);
CREATE INDEX import_jobs_created ON import_jobs (created_at);

-- The dry run's findings: each problem of an invalid row, and each possible duplicate
-- (code `possible_duplicate`, hint `row:N` or a record id).
CREATE TABLE import_problems (
    job_id TEXT NOT NULL REFERENCES import_jobs (id) ON DELETE CASCADE,
    line BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    field TEXT NOT NULL,
    code TEXT NOT NULL,
    hint TEXT,
    PRIMARY KEY (job_id, line, seq)
);

-- A mapping saved for files with the same header row (the same office's monthly file).
CREATE TABLE import_mappings (
    headers_key TEXT PRIMARY KEY,
    mapping TEXT NOT NULL,
    saved_by TEXT NOT NULL,
    saved_at TEXT NOT NULL
);
