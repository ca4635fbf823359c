-- Naik kelas (issue 8): the figures a business reports per year (quarter 0) or quarter, the
-- size class changes they imply (PP 7/2021 Pasal 35) and the milestones reached. Events and
-- milestones are derived from the reports when one is saved, in the same transaction, and kept
-- so that dashboards count them with an index instead of replaying every business's history.
CREATE TABLE growth_reports (
    umkm_id TEXT NOT NULL REFERENCES umkm (id),
    year BIGINT NOT NULL,
    quarter BIGINT NOT NULL,
    sales_rupiah BIGINT,
    modal_rupiah BIGINT,
    employees BIGINT,
    online BIGINT NOT NULL,
    ekatalog BIGINT NOT NULL,
    export BIGINT NOT NULL,
    financing BIGINT NOT NULL,
    reported_by TEXT NOT NULL,
    reported_at TEXT NOT NULL,
    PRIMARY KEY (umkm_id, year, quarter)
);
CREATE INDEX growth_reports_year ON growth_reports (year, umkm_id);

CREATE TABLE size_class_events (
    umkm_id TEXT NOT NULL REFERENCES umkm (id),
    year BIGINT NOT NULL,
    quarter BIGINT NOT NULL,
    from_class TEXT NOT NULL,
    to_class TEXT NOT NULL,
    basis TEXT NOT NULL,
    up BIGINT NOT NULL,
    PRIMARY KEY (umkm_id, year, quarter)
);
CREATE INDEX size_class_events_year ON size_class_events (year, up, umkm_id);

CREATE TABLE growth_milestones (
    umkm_id TEXT NOT NULL REFERENCES umkm (id),
    milestone TEXT NOT NULL,
    year BIGINT NOT NULL,
    PRIMARY KEY (umkm_id, milestone, year)
);
CREATE INDEX growth_milestones_year ON growth_milestones (milestone, year, umkm_id);

-- The class a business had before its first report: where its size history starts. Empty
-- text when it had none.
ALTER TABLE umkm ADD COLUMN registered_size_class TEXT;
