-- Settings of the public catalogue that admins and curators edit (issue 6): the search
-- synonyms (one group per line). A missing row means the built-in default.
CREATE TABLE catalog_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
