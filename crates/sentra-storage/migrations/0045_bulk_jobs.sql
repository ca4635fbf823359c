-- Work on many registry records at once (issue 32, item 6): the records chosen in the list (or
-- all that match its filters), an action (verify, message) and its parameter, run by any
-- server's worker under a lease like the import and export jobs, with a summary of what was
-- done and, per record, what was refused and why.
CREATE TABLE bulk_jobs (
    id TEXT PRIMARY KEY,
    created_by TEXT NOT NULL,
    scope_region TEXT NOT NULL,
    scope_owner TEXT,
    action TEXT NOT NULL,
    -- The list's filters: with no ids, every record that matches them.
    query TEXT NOT NULL,
    -- The chosen records (a JSON list of ids), or NULL for all that match.
    ids TEXT,
    -- The message's text, for `message`.
    param TEXT,
    state TEXT NOT NULL,
    rows_total BIGINT NOT NULL DEFAULT 0,
    rows_done BIGINT NOT NULL DEFAULT 0,
    done_count BIGINT NOT NULL DEFAULT 0,
    -- A JSON list of [record id, name, reason code] for the records refused.
    refused TEXT,
    error TEXT,
    claimed_until TEXT,
    attempts BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX bulk_jobs_state ON bulk_jobs (state, claimed_until);
