-- Government procurement from UMKM (issue 9): government units (OPD) with their own codes per
-- region, their goods/services budget per fiscal year (each revision kept; the latest counts),
-- and purchases — from a registered UMKM (umkm_id) or another supplier — with their life.
CREATE TABLE government_units (
    id TEXT PRIMARY KEY,
    region_code TEXT NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    UNIQUE (region_code, code)
);

CREATE TABLE unit_budgets (
    unit_id TEXT NOT NULL REFERENCES government_units (id),
    year BIGINT NOT NULL,
    revision BIGINT NOT NULL,
    amount_rupiah BIGINT NOT NULL,
    set_by TEXT NOT NULL,
    set_at TEXT NOT NULL,
    PRIMARY KEY (unit_id, year, revision)
);

CREATE TABLE purchases (
    id TEXT PRIMARY KEY,
    unit_id TEXT NOT NULL REFERENCES government_units (id),
    year BIGINT NOT NULL,
    package TEXT NOT NULL,
    value_rupiah BIGINT NOT NULL,
    ordered_on TEXT NOT NULL,
    due_on TEXT,
    method TEXT NOT NULL,
    supplier_type TEXT NOT NULL,
    umkm_id TEXT REFERENCES umkm (id),
    product_id TEXT REFERENCES products (id),
    supplier_name TEXT,
    delivered_on TEXT,
    accepted_on TEXT,
    paid_on TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (unit_id, year, package)
);
CREATE INDEX purchases_year ON purchases (year, unit_id);
CREATE INDEX purchases_umkm ON purchases (umkm_id);
