-- Data repairs that run once, after the schema, in code (issue 29): each leaves a row with when
-- it ran and how many records it changed; the records themselves carry an audit entry each.
CREATE TABLE data_repairs (
    name TEXT PRIMARY KEY,
    done_at TEXT NOT NULL,
    changed BIGINT NOT NULL
);
