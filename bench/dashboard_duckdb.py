"""The DuckDB side of bench/dashboard.sh: the same aggregates each Sentra page computes, run by
DuckDB on the same data (exported from Sentra's SQLite database to CSV, kept as Parquet), in
the same run. DuckDB scans the raw tables the natural way for a column store, with no
pre-aggregation. Prints one line per page: name, median milliseconds over the runs."""

import statistics
import sys
import time

import duckdb

work, runs = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5
con = duckdb.connect()
for table in ["umkm", "docs", "participants", "activities", "milestones", "reports", "events"]:
    con.execute(
        f"CREATE TABLE {table} AS SELECT * FROM read_csv_auto('{work}/{table}.csv', header=true)"
    )
    con.execute(f"COPY {table} TO '{work}/{table}.parquet' (FORMAT parquet)")

REGENCY, DISTRICT = "36.74", "36.74.03"
# The dashboard's year (2026) as Unix seconds in WIB, as the page computes it.
YEAR_FROM, YEAR_TO = 1767200400, 1798736400


def dashboard(where, child):
    return [
        f"""SELECT u.{child}, COUNT(*), COUNT(d.umkm_id) FROM umkm u
            LEFT JOIN (SELECT umkm_id FROM docs WHERE kind = 'nib') d ON d.umkm_id = u.id
            WHERE {where} GROUP BY 1""",
        f"SELECT sector_code, COUNT(*) FROM umkm u WHERE {where} GROUP BY 1",
        f"SELECT size_class, COUNT(*) FROM umkm u WHERE {where} GROUP BY 1",
        f"SELECT status, COUNT(*) FROM umkm u WHERE {where} GROUP BY 1",
        f"""SELECT m.milestone, COUNT(*) FROM milestones m JOIN umkm u ON u.id = m.umkm_id
            WHERE m.year = 2026 AND {where} GROUP BY 1""",
        f"""SELECT COUNT(DISTINCT g.umkm_id) FROM reports g JOIN umkm u ON u.id = g.umkm_id
            WHERE g.year = 2026 AND {where}""",
        f"""SELECT COUNT(DISTINCT e.umkm_id) FROM events e JOIN umkm u ON u.id = e.umkm_id
            WHERE e.year = 2026 AND e.up = 0 AND {where}""",
        f"SELECT entered_year, COUNT(*) FROM umkm u WHERE {where} GROUP BY 1",
        f"""SELECT d.issued_year, COUNT(*) FROM docs d JOIN umkm u ON u.id = d.umkm_id
            WHERE d.kind = 'nib' AND {where} GROUP BY 1""",
        f"""SELECT m.year, COUNT(*) FROM milestones m JOIN umkm u ON u.id = m.umkm_id
            WHERE m.milestone = 'class_up' AND {where} GROUP BY 1""",
        f"""SELECT COUNT(DISTINCT p.umkm_id) FROM participants p
            JOIN activities a ON a.id = p.activity_id JOIN umkm u ON u.id = p.umkm_id
            WHERE a.starts_at >= {YEAR_FROM} AND a.starts_at < {YEAR_TO}
            AND p.state IN ('attended', 'completed') AND {where} AND u.status <> 'inactive'""",
        f"SELECT COUNT(*) FROM umkm u WHERE {where} AND u.status <> 'inactive'",
    ]


def holders(kind):
    return f"(SELECT umkm_id FROM docs WHERE kind = '{kind}')"


summary = f"""SELECT u.district_code, COUNT(*),
    COUNT(*) FILTER (WHERE size_class = 'mikro'), COUNT(*) FILTER (WHERE size_class = 'kecil'),
    COUNT(*) FILTER (WHERE size_class = 'menengah'), COUNT(*) FILTER (WHERE size_class = 'besar'),
    COUNT(n.umkm_id), COUNT(h.umkm_id), SUM(employees), SUM(modal), SUM(sales)
    FROM umkm u LEFT JOIN {holders('nib')} n ON n.umkm_id = u.id
    LEFT JOIN {holders('halal')} h ON h.umkm_id = u.id
    WHERE u.regency_code = '{REGENCY}' GROUP BY 1"""

pages = {
    "dashboard (kota)": dashboard(f"u.regency_code = '{REGENCY}'", "district_code"),
    "dashboard (kecamatan)": dashboard(f"u.district_code = '{DISTRICT}'", "village_code"),
    "report: summary per kecamatan": [summary],
    "report: summary per kecamatan .xlsx": [summary],
    "cross-tab: kecamatan × size, sales": [
        f"""SELECT district_code, size_class, SUM(sales) FROM umkm u
            WHERE u.regency_code = '{REGENCY}' GROUP BY 1, 2"""
    ],
    "cross-tab: sector × year entered, count": [
        f"""SELECT sector_code, entered_year, COUNT(*) FROM umkm u
            WHERE u.regency_code = '{REGENCY}' GROUP BY 1, 2"""
    ],
    "open data per kelurahan (current)": [
        f"""SELECT u.village_code, COUNT(*),
            COUNT(*) FILTER (WHERE size_class = 'mikro'), COUNT(*) FILTER (WHERE size_class = 'kecil'),
            COUNT(*) FILTER (WHERE size_class = 'menengah'), COUNT(*) FILTER (WHERE size_class = 'besar'),
            COUNT(n.umkm_id), COUNT(h.umkm_id)
            FROM umkm u LEFT JOIN {holders('nib')} n ON n.umkm_id = u.id
            LEFT JOIN {holders('halal')} h ON h.umkm_id = u.id
            WHERE u.status <> 'inactive' GROUP BY 1"""
    ],
    "open data per kecamatan (end of 2025)": [
        f"""SELECT u.district_code, COUNT(*),
            COUNT(*) FILTER (WHERE size_class = 'mikro'), COUNT(*) FILTER (WHERE size_class = 'kecil'),
            COUNT(*) FILTER (WHERE size_class = 'menengah'), COUNT(*) FILTER (WHERE size_class = 'besar'),
            COUNT(n.umkm_id), COUNT(h.umkm_id)
            FROM umkm u
            LEFT JOIN (SELECT umkm_id FROM docs WHERE kind = 'nib' AND issued_year BETWEEN 1 AND 2025) n
              ON n.umkm_id = u.id
            LEFT JOIN (SELECT umkm_id FROM docs WHERE kind = 'halal' AND issued_year BETWEEN 1 AND 2025) h
              ON h.umkm_id = u.id
            WHERE u.status <> 'inactive' AND u.entered_year <= 2025 GROUP BY 1"""
    ],
    "programme reach page (2026)": [
        f"""SELECT u.{dim}, COUNT(*), COUNT(r.umkm_id) FROM umkm u LEFT JOIN (
              SELECT DISTINCT p.umkm_id FROM participants p JOIN activities a ON a.id = p.activity_id
              WHERE a.starts_at >= {YEAR_FROM} AND a.starts_at < {YEAR_TO}
              AND p.state IN ('attended', 'completed')) r ON r.umkm_id = u.id
            WHERE u.regency_code = '{REGENCY}' AND u.status <> 'inactive' GROUP BY 1"""
        for dim in ["sector_code", "size_class"]
    ],
}

for name, queries in pages.items():
    for q in queries:  # warm-up
        con.execute(q).fetchall()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        for q in queries:
            con.execute(q).fetchall()
        times.append((time.perf_counter() - start) * 1000)
    print(f"{name}\t{statistics.median(times):.1f}")
