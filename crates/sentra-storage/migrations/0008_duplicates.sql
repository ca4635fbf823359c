-- A record merged into another stays (its history and links are kept) but leaves the registry
-- lists; it points to the record that carries on.
ALTER TABLE umkm ADD COLUMN merged_into TEXT;

-- Likely duplicates found by the duplicate rules, waiting in the review queue. `a_id` sorts
-- before `b_id`, so a pair is stored once. A decision ("not a duplicate", merged) is kept:
-- later scans do not bring the pair back.
CREATE TABLE duplicate_pairs (
    a_id TEXT NOT NULL REFERENCES umkm (id) ON DELETE CASCADE,
    b_id TEXT NOT NULL REFERENCES umkm (id) ON DELETE CASCADE,
    -- The similarity in percent (75 and above is a likely duplicate).
    score BIGINT NOT NULL,
    -- JSON list of what agreed: same_nik, same_phone, similar_name, …
    reasons TEXT NOT NULL,
    -- open, not_duplicate, merged
    status TEXT NOT NULL,
    found_at TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    PRIMARY KEY (a_id, b_id)
);
CREATE INDEX duplicate_pairs_open ON duplicate_pairs (status, score);
CREATE INDEX duplicate_pairs_b ON duplicate_pairs (b_id);
