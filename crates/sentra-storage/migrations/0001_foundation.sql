-- One migration source for SQLite and PostgreSQL: only types and syntax both accept
-- (TEXT, BIGINT, DOUBLE PRECISION; timestamps as RFC 3339 UTC text, which sorts correctly).

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Which decree the region codes come from; codes change when regions split, so records keep the
-- code they were given and the data set carries its version.
CREATE TABLE region_datasets (
    dataset TEXT PRIMARY KEY,
    decree TEXT NOT NULL,
    source TEXT NOT NULL,
    row_count BIGINT NOT NULL,
    loaded_at TEXT NOT NULL
);

CREATE TABLE regions (
    code TEXT PRIMARY KEY,
    parent_code TEXT,
    level TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL
);
CREATE INDEX regions_parent ON regions (parent_code);

-- The managed list of sectors.
CREATE TABLE sectors (
    code TEXT PRIMARY KEY,
    name_id TEXT NOT NULL,
    name_en TEXT NOT NULL,
    position BIGINT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1
);
INSERT INTO sectors (code, name_id, name_en, position) VALUES
    ('kuliner', 'Kuliner', 'Culinary', 10),
    ('fesyen', 'Fesyen', 'Fashion', 20),
    ('kriya', 'Kriya', 'Crafts', 30),
    ('pertanian_olahan', 'Pertanian olahan', 'Processed farm products', 40),
    ('perdagangan', 'Perdagangan', 'Trade', 50),
    ('jasa', 'Jasa', 'Services', 60),
    ('kecantikan', 'Kecantikan dan kesehatan', 'Beauty and health', 70),
    ('otomotif', 'Otomotif', 'Automotive', 80),
    ('pertanian', 'Pertanian, peternakan, perikanan', 'Farming, livestock, fisheries', 90),
    ('industri', 'Industri pengolahan', 'Manufacturing', 100),
    ('digital', 'Digital dan kreatif', 'Digital and creative', 110),
    ('pariwisata', 'Pariwisata', 'Tourism', 120),
    ('lainnya', 'Lainnya', 'Other', 990);

CREATE TABLE umkm (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    brand TEXT,
    owner_name TEXT NOT NULL,
    -- NIK encrypted at rest, with a keyed hash for exact look-ups (UU 27/2022, PDP).
    owner_nik_enc TEXT NOT NULL,
    owner_nik_hash TEXT NOT NULL,
    owner_sex TEXT NOT NULL,
    owner_birth_date TEXT,
    owner_phone TEXT,
    address TEXT,
    village_code TEXT NOT NULL,
    district_code TEXT NOT NULL,
    regency_code TEXT NOT NULL,
    province_code TEXT NOT NULL,
    latitude DOUBLE PRECISION,
    longitude DOUBLE PRECISION,
    sector_code TEXT NOT NULL REFERENCES sectors (code),
    kbli_code TEXT,
    kbli_version TEXT,
    year_started BIGINT,
    modal_rupiah BIGINT,
    annual_sales_rupiah BIGINT,
    employees_male BIGINT,
    employees_female BIGINT,
    size_class TEXT,
    size_basis TEXT,
    links TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL,
    verified_by TEXT,
    verified_at TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX umkm_village ON umkm (village_code);
CREATE INDEX umkm_district ON umkm (district_code);
CREATE INDEX umkm_regency ON umkm (regency_code, name);
CREATE INDEX umkm_province ON umkm (province_code);
CREATE INDEX umkm_sector ON umkm (sector_code);
CREATE INDEX umkm_size ON umkm (size_class);
CREATE INDEX umkm_status ON umkm (status);
CREATE INDEX umkm_created ON umkm (created_at);
CREATE INDEX umkm_nik_hash ON umkm (owner_nik_hash);

CREATE TABLE umkm_documents (
    umkm_id TEXT NOT NULL REFERENCES umkm (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    number TEXT NOT NULL,
    issued_on TEXT,
    expires_on TEXT,
    PRIMARY KEY (umkm_id, kind)
);
CREATE INDEX umkm_documents_kind ON umkm_documents (kind, umkm_id);
