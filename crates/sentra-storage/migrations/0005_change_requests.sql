-- Owners' changes to verified records wait here for an operator's decision.
CREATE TABLE change_requests (
    id TEXT PRIMARY KEY,
    umkm_id TEXT NOT NULL REFERENCES umkm (id) ON DELETE CASCADE,
    requested_by TEXT NOT NULL,
    -- The record version the owner edited: approving over a later change is a conflict.
    base_version BIGINT NOT NULL,
    -- The submitted form, encrypted like the NIK (it may carry one).
    form TEXT NOT NULL,
    diff TEXT NOT NULL,
    status TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX change_requests_umkm ON change_requests (umkm_id, status);
