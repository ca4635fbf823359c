-- The legality path (issue 8): steps an operator marks as being applied for (an NIB through
-- OSS, a P-IRT at the Dinas Kesehatan, halal through BPJPH's self-declare route), with when it
-- started and a note. A document recorded later supersedes it.
CREATE TABLE legality_progress (
    umkm_id TEXT NOT NULL REFERENCES umkm (id),
    item TEXT NOT NULL,
    started_on TEXT NOT NULL,
    note TEXT,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (umkm_id, item)
);
