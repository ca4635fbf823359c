-- Products of UMKM for the public catalogue and the e-katalog lokal (issue 6).

-- The managed category tree: `makanan`, `makanan.keripik`. `food` marks processed food and
-- drink (shelf life, food permit and halal certificate expected).
CREATE TABLE product_categories (
    code TEXT PRIMARY KEY,
    parent_code TEXT REFERENCES product_categories (code),
    name_id TEXT NOT NULL,
    name_en TEXT NOT NULL,
    food BIGINT NOT NULL DEFAULT 0,
    position BIGINT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1
);
-- The starting tree (sentra_domain::product::DEFAULT_CATEGORIES) is added by `migrate` when
-- the table is empty; admins edit it after.

CREATE TABLE products (
    id TEXT PRIMARY KEY,
    umkm_id TEXT NOT NULL REFERENCES umkm (id),
    -- Short and stable, for the product's public URL (/p/{slug}); unique over the deployment.
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT,
    category_code TEXT NOT NULL REFERENCES product_categories (code),
    price_rupiah BIGINT,
    price_max_rupiah BIGINT,
    unit TEXT NOT NULL,
    min_order BIGINT NOT NULL DEFAULT 1,
    capacity_per_month BIGINT,
    stock BIGINT,
    weight_grams BIGINT,
    length_mm BIGINT,
    width_mm BIGINT,
    height_mm BIGINT,
    packaging TEXT,
    shelf_life_days BIGINT,
    -- draft, published, archived
    status TEXT NOT NULL,
    -- JSON list of {kind, url}: Tokopedia, Shopee, …
    links TEXT NOT NULL DEFAULT '[]',
    -- Listed in the e-katalog lokal by a curator (after the readiness check), and by whom.
    ekatalog_listed_at TEXT,
    ekatalog_listed_by TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX products_umkm ON products (umkm_id);
CREATE INDEX products_status ON products (status, updated_at);

-- Photos: the original is not kept (it may carry EXIF and GPS); each size is stored in the
-- object store under `key` + size suffix.
CREATE TABLE product_photos (
    id TEXT PRIMARY KEY,
    product_id TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    object_key TEXT NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX product_photos_product ON product_photos (product_id, position);

-- Each UMKM's storefront: its short public name (/toko/{slug}) and opening hours.
ALTER TABLE umkm ADD COLUMN store_slug TEXT;
ALTER TABLE umkm ADD COLUMN opening_hours TEXT;
CREATE UNIQUE INDEX umkm_store_slug ON umkm (store_slug);
