-- bench/dashboard.sh and bench/province.sh: the rest of the benchmark's data, in SQL both
-- engines run, derived deterministically from the generated businesses (numbered by id): 20,000
-- activities over 2024–2026 with five participations per business (one in five absent), and
-- naik-kelas records for one business in five. (Products: bench/dashboard-products.sql.)
CREATE TEMP TABLE bench_k (i BIGINT);
INSERT INTO bench_k VALUES (0), (1), (2), (3), (4);
CREATE TEMP TABLE bench_u AS
    SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS rn FROM umkm;

INSERT INTO activities (id, kind, title, topics, organiser, region_code, starts_at, ends_at,
                        zone, capacity, sectors, status, created_by, created_at, updated_at,
                        version)
WITH RECURSIVE s (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 20000)
SELECT 'bench-a' || s.i, 'pelatihan', 'Pelatihan ' || s.i,
       CASE s.i % 5 WHEN 0 THEN 'pemasaran_digital' WHEN 1 THEN 'halal'
            WHEN 2 THEN 'legalitas,pembukuan' WHEN 3 THEN 'pengemasan'
            ELSE 'pemasaran_digital,fotografi_produk' END, 'dinas', '36.74',
       1704067200 + s.i * 4700, 1704067200 + s.i * 4700 + 7200, 'WIB', 300, '', 'planned',
       'bench', '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z', 1
FROM s;

INSERT INTO activity_participants (activity_id, umkm_id, state, updated_by, updated_at)
SELECT 'bench-a' || (1 + (u.rn * 7919 + k.i * 104729) % 20000), u.id,
       CASE WHEN (u.rn + k.i) % 5 = 0 THEN 'absent' ELSE 'attended' END, 'bench',
       '2026-01-01T00:00:00.000Z'
FROM bench_u u JOIN bench_k k ON true;

INSERT INTO growth_reports (umkm_id, year, quarter, sales_rupiah, modal_rupiah, employees,
                            online, ekatalog, export, financing, reported_by, reported_at)
SELECT u.id, 2026 - k.i, 0, 100000000 + u.rn, 50000000, 2 + k.i, 1, 0, 0, k.i % 2, 'bench',
       '2026-01-01T00:00:00.000Z'
FROM bench_u u JOIN bench_k k ON k.i < 2 WHERE u.rn % 5 = 0;
INSERT INTO growth_milestones (umkm_id, milestone, year)
SELECT u.id, 'first_online', 2025 FROM bench_u u WHERE u.rn % 5 = 0;
INSERT INTO growth_milestones (umkm_id, milestone, year)
SELECT u.id, 'class_up', 2026 FROM bench_u u WHERE u.rn % 10 = 0;
INSERT INTO size_class_events (umkm_id, year, quarter, from_class, to_class, basis, up)
SELECT u.id, 2026, 0, 'mikro', 'kecil', 'modal', 1 FROM bench_u u WHERE u.rn % 10 = 0;
-- The marks the application writes beside a report (migration 0020).
INSERT INTO growth_milestones (umkm_id, milestone, year)
SELECT DISTINCT umkm_id, 'reported', year FROM growth_reports;
