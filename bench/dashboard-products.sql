-- bench/dashboard.sh: three published products for every generated business, in SQL both
-- engines run (a session of its own: bench/dashboard-data.sql makes the same temporary tables).
CREATE TEMP TABLE bench_k (i BIGINT);
INSERT INTO bench_k VALUES (0), (1), (2), (3), (4);
CREATE TEMP TABLE bench_u AS
    SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS rn FROM umkm;

INSERT INTO products (id, umkm_id, slug, name, category_code, price_rupiah, unit, status,
                      created_by, created_at, updated_at)
SELECT u.id || '-' || k.i, u.id, 'b' || u.rn || '-' || k.i, 'Produk ' || k.i,
       (SELECT MIN(code) FROM product_categories WHERE parent_code IS NOT NULL),
       10000 * (k.i + 1), 'pcs', 'published', 'bench', '2026-01-01T00:00:00.000Z',
       '2026-01-01T00:00:00.000Z'
FROM bench_u u JOIN bench_k k ON k.i < 3;

