-- Partnerships, exhibitions and the gallery (issue 11). Partners (brands, retailers, hotels…)
-- of a region and their requests; the products a curator shortlisted for a request with where
-- each stands (contacted, sample sent, accepted, ordered, delivered) and the order's value.
CREATE TABLE partners (
    id TEXT PRIMARY KEY,
    region_code TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    contact_name TEXT,
    contact_phone TEXT,
    contact_email TEXT,
    notes TEXT,
    -- A `partner` account that speaks for this partner (optional).
    user_login TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX partners_region ON partners (region_code);

CREATE TABLE partner_requests (
    id TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES partners (id),
    title TEXT NOT NULL,
    category TEXT,
    keywords TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    deliver_by TEXT NOT NULL,
    price_min BIGINT,
    price_max BIGINT,
    -- JSON list of certificate kinds required.
    certificates TEXT NOT NULL,
    packaging TEXT NOT NULL,
    max_weight_grams BIGINT,
    max_side_mm BIGINT,
    region_filter TEXT,
    notes TEXT,
    -- open or closed
    status TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX partner_requests_partner ON partner_requests (partner_id);

CREATE TABLE request_candidates (
    request_id TEXT NOT NULL REFERENCES partner_requests (id),
    product_id TEXT NOT NULL REFERENCES products (id),
    umkm_id TEXT NOT NULL REFERENCES umkm (id),
    outcome TEXT NOT NULL,
    order_value BIGINT,
    note TEXT,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (request_id, product_id)
);
CREATE INDEX request_candidates_umkm ON request_candidates (umkm_id);

-- Curated exhibitions (online or at a venue) with their products, a curator's note on each,
-- and what was shown and sold there.
CREATE TABLE exhibitions (
    id TEXT PRIMARY KEY,
    region_code TEXT NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    theme TEXT,
    kind TEXT NOT NULL,
    venue TEXT,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    description TEXT,
    -- draft or published
    status TEXT NOT NULL,
    visitors BIGINT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE exhibition_items (
    exhibition_id TEXT NOT NULL REFERENCES exhibitions (id),
    product_id TEXT NOT NULL REFERENCES products (id),
    umkm_id TEXT NOT NULL REFERENCES umkm (id),
    position BIGINT NOT NULL,
    curator_note TEXT,
    shown BIGINT,
    sold BIGINT,
    sales_value BIGINT,
    PRIMARY KEY (exhibition_id, product_id)
);

-- The gallery's consigned items (a short code for the label and its QR code) and the ledger
-- every movement is written to; stock and money owed are sums over the ledger.
CREATE TABLE gallery_items (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    region_code TEXT NOT NULL,
    umkm_id TEXT NOT NULL REFERENCES umkm (id),
    product_id TEXT REFERENCES products (id),
    name TEXT NOT NULL,
    consignment_price BIGINT NOT NULL,
    gallery_price BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX gallery_items_umkm ON gallery_items (umkm_id);

CREATE TABLE gallery_ledger (
    id TEXT PRIMARY KEY,
    -- NULL for a payout (it is the business's, for a month).
    item_id TEXT REFERENCES gallery_items (id),
    umkm_id TEXT NOT NULL REFERENCES umkm (id),
    on_day TEXT NOT NULL,
    movement TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    unit_price BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    payment TEXT,
    -- A payout's month (YYYY-MM).
    period TEXT,
    note TEXT,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX gallery_ledger_item ON gallery_ledger (item_id, on_day);
CREATE INDEX gallery_ledger_umkm ON gallery_ledger (umkm_id, on_day);
CREATE UNIQUE INDEX gallery_payout_once ON gallery_ledger (umkm_id, period);
