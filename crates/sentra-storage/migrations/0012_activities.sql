-- Programmes (issue 7): activities planned by every level, and the topics they are tagged with.
-- Times are Unix seconds (instants); `zone` says how they are shown (WIB, WITA, WIT). Topics and
-- target sectors are comma-separated codes (few per activity, read with the activity).
CREATE TABLE activity_topics (
    code TEXT PRIMARY KEY,
    name_id TEXT NOT NULL,
    name_en TEXT NOT NULL,
    position BIGINT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE activities (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    topics TEXT NOT NULL,
    organiser TEXT NOT NULL,
    region_code TEXT NOT NULL,
    venue TEXT,
    online_link TEXT,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    zone TEXT NOT NULL,
    capacity BIGINT NOT NULL,
    sectors TEXT NOT NULL,
    funding TEXT,
    budget_rupiah BIGINT,
    status TEXT NOT NULL,
    status_reason TEXT,
    -- The planner's note when saved despite conflicts (an accepted overlap).
    conflicts_note TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX activities_starts ON activities (starts_at);
CREATE INDEX activities_region ON activities (region_code, starts_at);
