"""The measuring side of bench/province.sh (issue 30). Subcommands:

  pages PORT RUNS REGENCY DISTRICT TOKEN_PROVINCE TOKEN_REGENCY TOKEN_DISTRICT
      every signed-in page for the three roles: median and slowest of RUNS (after a warm-up)
  load PORT TOKEN STORE PRODUCT
      wrk on the province admin's registry list (32 and 256 connections) and on a storefront
      and a product page (32 connections)
  duckdb WORK RUNS REGENCY DISTRICT
      the aggregates behind the dashboards, reports and reach, by DuckDB on the same data
  plain WORK RUNS PG_URL REGENCY DISTRICT
      the page-plus-count a hand-written registry list would run, on both engines
  report WORK COUNTS RUNS
      the tables, in Markdown
"""

import re
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request

PROVINCE = "36"
YEAR_FROM, YEAR_TO = 1767200400, 1798736400  # 2026 in WIB, as the pages count it

# (name, path); {r} is the role's region. Open data is the deployment's, timed once.
PAGES = [
    ("dashboard", "/dasbor?wilayah={r}&tahun=2026"),
    ("registry, first page", "/umkm"),
    ("registry, kuliner by sales", "/umkm?sector=kuliner&sort=sales&dir=desc"),
    ("registry, verified mikro by name", "/umkm?status=verified&size=mikro"),
    ("registry, class up in 2026", "/umkm?naik_kelas=class_up%3A2026"),
    # As the dashboard's naik-kelas figure links to it: verified businesses only.
    ("registry, class up in 2026, verified",
     "/umkm?status=verified&naik_kelas=class_up%3A2026"),
    ("report: summary by region", "/laporan?jenis=wilayah&wilayah={r}"),
    ("report: summary by region .xlsx", "/laporan/laporan.xlsx?jenis=wilayah&wilayah={r}"),
    ("report: cross-tab region × size, sales",
     "/laporan?jenis=silang&wilayah={r}&baris=region&kolom=size&ukuran=sales"),
    ("report: progress 2026", "/laporan?jenis=kemajuan&wilayah={r}&tahun=2026"),
    ("expiring and expired documents", "/legalitas/kedaluwarsa?wilayah={r}"),
    ("programme board", "/kegiatan"),
    ("programme reach 2026", "/kegiatan/jangkauan?wilayah={r}&tahun=2026"),
    ("procurement share", "/pengadaan"),
    ("open data per kelurahan (current)", "/data/umkm-per-wilayah.csv?tingkat=kelurahan"),
    ("open data per kecamatan (end of 2025)", "/data/umkm-per-wilayah.csv?tahun=2025"),
]
OPEN_DATA = {"open data per kelurahan (current)", "open data per kecamatan (end of 2025)"}
ROLES = ["province admin", "kabupaten admin", "kecamatan operator"]


def get(port, path, token):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=120) as res:
            body = res.read()
            status = res.status
    except urllib.error.HTTPError as e:
        body, status = e.read(), e.code
    return status, (time.perf_counter() - start) * 1000, len(body)


def pages(port, runs, regency, district, *tokens):
    regions = [PROVINCE, regency, district]
    for role, region, token in zip(ROLES, regions, tokens):
        for name, path in PAGES:
            if name in OPEN_DATA and role != ROLES[0]:
                continue
            url = path.format(r=region)
            status, _, size = get(port, url, token)
            if status != 200:
                print(f"{role}\t{name}\t-{status}\t-{status}\t{size}")
                continue
            samples = [get(port, url, token)[1] for _ in range(runs)]
            print(f"{role}\t{name}\t{statistics.median(samples):.1f}\t{max(samples):.1f}\t{size}",
                  flush=True)


def wrk(port, path, token, connections, seconds, timeout):
    signed_in = ["-H", f"Authorization: Bearer {token}"] if token else []
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", f"--timeout={timeout}s", "--latency",
         *signed_in, f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1, "s": 1000}
    p99_ms = float(p99.group(1)) * scale[p99.group(2)] if p99 else -1
    done = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    timeouts = int(errors.group(4)) if errors else 0
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, p99_ms, done, timeouts + (int(non2xx.group(1)) if non2xx else 0)


def load(port, token, store, product):
    # Storefronts and product pages as the public reads them: signed out.
    runs = [
        ("registry list, province admin", "/umkm", token, 32, 20, 10),
        ("registry list, province admin", "/umkm", token, 256, 20, 10),
        ("storefront", f"/toko/{store}", None, 32, 15, 10),
        ("product page", f"/p/{product}", None, 32, 15, 10),
    ]
    for name, path, who, c, secs, timeout in runs:
        get(port, path, who)  # warm-up
        rps, p99, done, failed = wrk(port, path, who, c, secs, timeout)
        print(f"{name}\t{c}\t{rps:.1f}\t{p99:.0f}\t{done}\t{failed}", flush=True)
        # The requests wrk left queued (at 256 connections, seconds of them) are answered
        # before the next run starts, so that it does not share the cores with them.
        time.sleep(10)


def duckdb_times(work, runs, regency, district):
    import duckdb
    con = duckdb.connect()
    for table in ["umkm", "docs", "participants", "activities", "milestones"]:
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM "
                    f"read_csv_auto('{work}/{table}.csv', header=true, all_varchar=false)")
    today = time.strftime("%Y-%m-%d")

    def holders(kind):
        return (f"(SELECT umkm_id FROM docs WHERE kind = '{kind}' "
                f"AND (expires_on IS NULL OR expires_on = '' OR expires_on >= '{today}'))")

    def dashboard(where, child):
        return [
            f"""SELECT u.{child}, COUNT(*), COUNT(d.umkm_id) FROM umkm u
                LEFT JOIN {holders('nib')} d ON d.umkm_id = u.id
                WHERE {where} AND u.status = 'verified' GROUP BY 1""",
            f"SELECT sector_code, COUNT(*) FROM umkm u WHERE {where} AND status = 'verified' GROUP BY 1",
            f"SELECT size_class, COUNT(*) FROM umkm u WHERE {where} AND status = 'verified' GROUP BY 1",
            f"SELECT status, COUNT(*) FROM umkm u WHERE {where} GROUP BY 1",
            f"""SELECT m.milestone, COUNT(*) FROM milestones m JOIN umkm u ON u.id = m.umkm_id
                WHERE m.year = 2026 AND {where} AND u.status = 'verified' GROUP BY 1""",
            f"""SELECT COUNT(DISTINCT p.umkm_id) FROM participants p
                JOIN activities a ON a.id = p.activity_id JOIN umkm u ON u.id = p.umkm_id
                WHERE a.starts_at >= {YEAR_FROM} AND a.starts_at < {YEAR_TO}
                AND p.state IN ('attended', 'completed') AND {where} AND u.status = 'verified'""",
        ]

    def summary(where, child):
        return [f"""SELECT u.{child}, COUNT(*),
            COUNT(*) FILTER (WHERE size_class = 'mikro'), COUNT(*) FILTER (WHERE size_class = 'kecil'),
            COUNT(*) FILTER (WHERE size_class = 'menengah'), COUNT(*) FILTER (WHERE size_class = 'besar'),
            COUNT(n.umkm_id), COUNT(h.umkm_id), SUM(employees), SUM(modal), SUM(sales)
            FROM umkm u LEFT JOIN {holders('nib')} n ON n.umkm_id = u.id
            LEFT JOIN {holders('halal')} h ON h.umkm_id = u.id
            WHERE {where} AND u.status = 'verified' GROUP BY 1"""]

    def reach(where):
        return [f"""SELECT u.{dim}, COUNT(*), COUNT(r.umkm_id) FROM umkm u LEFT JOIN (
              SELECT DISTINCT p.umkm_id FROM participants p JOIN activities a ON a.id = p.activity_id
              WHERE a.starts_at >= {YEAR_FROM} AND a.starts_at < {YEAR_TO}
              AND p.state IN ('attended', 'completed')) r ON r.umkm_id = u.id
            WHERE {where} AND u.status = 'verified' GROUP BY 1""" for dim in ["sector_code", "size_class"]]

    roles = [(ROLES[0], f"u.province_code = '{PROVINCE}'", "regency_code"),
             (ROLES[1], f"u.regency_code = '{regency}'", "district_code"),
             (ROLES[2], f"u.district_code = '{district}'", "village_code")]
    for role, where, child in roles:
        work_pages = {
            "dashboard": dashboard(where, child),
            "report: summary by region": summary(where, child),
            "report: summary by region .xlsx": summary(where, child),
            "report: cross-tab region × size, sales": [
                f"SELECT {child}, size_class, SUM(sales) FROM umkm u WHERE {where} "
                f"AND status = 'verified' GROUP BY 1, 2"],
            "programme reach 2026": reach(where),
        }
        if role == ROLES[0]:
            work_pages["open data per kelurahan (current)"] = summary(where, "village_code")
        for name, queries in work_pages.items():
            for q in queries:
                con.execute(q).fetchall()
            samples = []
            for _ in range(runs):
                start = time.perf_counter()
                for q in queries:
                    con.execute(q).fetchall()
                samples.append((time.perf_counter() - start) * 1000)
            print(f"{role}\t{name}\t{statistics.median(samples):.1f}", flush=True)


LIST = ("SELECT u.id, u.name, u.brand, u.owner_name, u.village_code, u.sector_code, u.size_class, "
        "u.status, u.modal_rupiah, u.annual_sales_rupiah, u.updated_at FROM umkm u WHERE {w} "
        "ORDER BY {o} LIMIT 25")


def plain(work, runs, pg_url, regency, district):
    import sqlite3
    lists = [
        ("registry, first page", "u.merged_into IS NULL", "u.name, u.id"),
        ("registry, kuliner by sales", "u.merged_into IS NULL AND u.sector_code = 'kuliner'",
         "u.annual_sales_rupiah DESC, u.id DESC"),
        ("registry, verified mikro by name",
         "u.merged_into IS NULL AND u.status = 'verified' AND u.size_class = 'mikro'", "u.name, u.id"),
    ]
    scopes = [(ROLES[0], f"u.province_code = '{PROVINCE}'"), (ROLES[1], f"u.regency_code = '{regency}'"),
              (ROLES[2], f"u.district_code = '{district}'")]
    db = sqlite3.connect(f"{work}/sentra.db")
    for role, scope in scopes:
        for name, where, order in lists:
            w = f"{scope} AND {where}"
            sql = [f"SELECT COUNT(*) FROM umkm u WHERE {w}", LIST.format(w=w, o=order)]
            for q in sql:
                db.execute(q).fetchall()
            samples = []
            for _ in range(runs):
                start = time.perf_counter()
                for q in sql:
                    db.execute(q).fetchall()
                samples.append((time.perf_counter() - start) * 1000)
            # PostgreSQL: psql's own timing of each statement, summed (no process start-up).
            script = "\\timing on\n" + ";\n".join(sql) + ";\n"
            pg = []
            for _ in range(runs + 1):
                out = subprocess.run(["psql", "-X", "-q", pg_url], input=script, capture_output=True,
                                     text=True, check=True).stdout
                pg.append(sum(float(t) for t in re.findall(r"Time: ([\d.]+) ms", out)))
            print(f"{role}\t{name}\t{statistics.median(samples):.1f}\t{statistics.median(pg[1:]):.1f}",
                  flush=True)


def read_tsv(path):
    try:
        with open(path) as f:
            return [line.rstrip("\n").split("\t") for line in f if line.strip()]
    except FileNotFoundError:
        return []


def report(work, counts, runs):
    sq = {(r[0], r[1]): r for r in read_tsv(f"{work}/pages-sqlite.tsv")}
    pg = {(r[0], r[1]): r for r in read_tsv(f"{work}/pages-postgres.tsv")}
    duck = {(r[0], r[1]): float(r[2]) for r in read_tsv(f"{work}/duckdb.tsv")}
    plain_rows = {(r[0], r[1]): (float(r[2]), float(r[3])) for r in read_tsv(f"{work}/plain.tsv")}
    print(f"Province data set: {counts}. Median and slowest of {runs} after a warm-up, ms "
          "(SQLite / PostgreSQL); the peer is DuckDB on the same aggregates, or the plain SQL "
          "page-plus-count (SQLite / PostgreSQL) for lists. Target: median < 200, slowest < 500.")
    print()
    print("| role | page | median | slowest | peer | KB |")
    print("|---|---|---:|---:|---:|---:|")

    def fmt(row, i):
        if not row:
            return "—"
        v = float(row[i])
        return f"HTTP {int(-v)}" if v < 0 else f"{v:,.0f}"

    order = [(role, name) for role in ROLES for name, _ in PAGES]
    for key in order:
        if key not in sq and key not in pg:
            continue
        s, p = sq.get(key), pg.get(key)
        peer = ""
        if key in duck:
            peer = f"DuckDB {duck[key]:,.0f}"
        elif key in plain_rows:
            a, b = plain_rows[key]
            peer = f"SQL {a:,.0f} / {b:,.0f}"
        size = (s or p)[4]
        print(f"| {key[0]} | {key[1]} | {fmt(s, 2)} / {fmt(p, 2)} | {fmt(s, 3)} / {fmt(p, 3)} "
              f"| {peer} | {int(size) / 1024:,.0f} |")
    print()
    print("| under load (wrk -t2, 2 cores shared) | connections | SQLite req/s | SQLite p99 ms "
          "| PostgreSQL req/s | PostgreSQL p99 ms | failed (SQLite / PostgreSQL) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    ls, lp = read_tsv(f"{work}/load-sqlite.tsv"), read_tsv(f"{work}/load-postgres.tsv")
    for a, b in zip(ls, lp):
        print(f"| {a[0]} | {a[1]} | {float(a[2]):,.0f} | {a[3]} | {float(b[2]):,.0f} | {b[3]} "
              f"| {a[5]} / {b[5]} |")
    print()
    for engine in ["sqlite", "postgres"]:
        try:
            secs, kb = open(f"{work}/demo-{engine}.time").read().split()
            print(f"- `sentra demo --region 36` on {engine}: {float(secs):,.0f} s, "
                  f"peak {int(kb) / 1024:,.0f} MB")
        except FileNotFoundError:
            pass


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "pages":
        pages(args[0], int(args[1]), args[2], args[3], *args[4:7])
    elif cmd == "load":
        load(*args[:4])
    elif cmd == "duckdb":
        duckdb_times(args[0], int(args[1]), args[2], args[3])
    elif cmd == "plain":
        plain(args[0], int(args[1]), args[2], args[3], args[4])
    elif cmd == "report":
        report(args[0], args[1], int(args[2]))
    else:
        sys.exit(__doc__)


main()
