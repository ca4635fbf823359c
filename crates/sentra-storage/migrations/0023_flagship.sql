-- Choosing the region's flagship products (issue 10): a selection round per region and year
-- with its candidates, its criteria (two levels at most) and its FGD participants, each with a
-- personal link (only a hash of the link's secret is kept), their pairwise judgements (aᵢⱼ for
-- i < j of a node: "" the criteria, a criterion's code its sub-criteria, "alt:" + a leaf the
-- candidates) and ratings, and the reference totals per sector for location quotients.
CREATE TABLE flagship_rounds (
    id TEXT PRIMARY KEY,
    region_code TEXT NOT NULL,
    year BIGINT NOT NULL,
    title TEXT NOT NULL,
    purpose TEXT,
    -- draft (being set up), open (participants answer), closed, published
    status TEXT NOT NULL,
    -- pairwise or rating: how candidates are scored under each leaf criterion
    candidate_mode TEXT NOT NULL,
    -- eigenvector or geometric_mean
    method TEXT NOT NULL,
    -- count, employees or sales: what the location quotients count
    lq_measure TEXT NOT NULL,
    -- The reference region of the quotients (a region containing this one); NULL when the
    -- office entered the reference totals per sector (flagship_reference).
    lq_reference_region TEXT,
    -- JSON {"akademisi": 1.0, …}: each group's weight; NULL when everyone counts 1.
    group_weights TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    published_at TEXT,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX flagship_rounds_region ON flagship_rounds (region_code, year);

CREATE TABLE flagship_candidates (
    round_id TEXT NOT NULL REFERENCES flagship_rounds (id),
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    sector_code TEXT REFERENCES sectors (code),
    PRIMARY KEY (round_id, position)
);

CREATE TABLE flagship_criteria (
    round_id TEXT NOT NULL REFERENCES flagship_rounds (id),
    code TEXT NOT NULL,
    parent_code TEXT,
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (round_id, code)
);

CREATE TABLE flagship_participants (
    id TEXT PRIMARY KEY,
    round_id TEXT NOT NULL REFERENCES flagship_rounds (id),
    name TEXT NOT NULL,
    grp TEXT NOT NULL,
    organisation TEXT,
    token_hash TEXT NOT NULL UNIQUE,
    submitted_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX flagship_participants_round ON flagship_participants (round_id);

CREATE TABLE flagship_judgements (
    participant_id TEXT NOT NULL REFERENCES flagship_participants (id),
    node TEXT NOT NULL,
    i BIGINT NOT NULL,
    j BIGINT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (participant_id, node, i, j)
);

CREATE TABLE flagship_ratings (
    participant_id TEXT NOT NULL REFERENCES flagship_participants (id),
    criterion_code TEXT NOT NULL,
    candidate BIGINT NOT NULL,
    rating BIGINT NOT NULL,
    PRIMARY KEY (participant_id, criterion_code, candidate)
);

CREATE TABLE flagship_reference (
    round_id TEXT NOT NULL REFERENCES flagship_rounds (id),
    sector_code TEXT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (round_id, sector_code)
);
