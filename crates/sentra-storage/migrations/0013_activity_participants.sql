-- Who takes part in an activity (issue 7): registered (by an operator or the owner), waiting
-- for a place, attended, completed, absent; with a follow-up note ("got NIB after the clinic").
-- One row per activity and UMKM.
CREATE TABLE activity_participants (
    activity_id TEXT NOT NULL REFERENCES activities (id),
    umkm_id TEXT NOT NULL REFERENCES umkm (id),
    state TEXT NOT NULL,
    note TEXT,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (activity_id, umkm_id)
);
CREATE INDEX activity_participants_umkm ON activity_participants (umkm_id, state);
