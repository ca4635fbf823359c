"""Serves one demo database with two builds in turn and times the same pages as the admin."""
import re
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

PAGES = [
    "/umkm",
    "/umkm?sector=kuliner&sort=sales&dir=desc",
    "/dasbor",
    "/laporan",
    "/kegiatan",
    "/kegiatan/jangkauan",
    "/pengadaan",
    "/unggulan",
    "/legalitas/kedaluwarsa",
    "/katalog",
    "/katalog?q=keripik",
]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def serve(binary, work, port):
    """`serve --demo` on the shared database; returns the process and the admin's password."""
    log = open(f"{work}/serve-{port}.log", "w+")
    proc = subprocess.Popen(
        [binary, "serve", "--demo", "--listen", f"127.0.0.1:{port}",
         "--database", f"sqlite://{work}/sentra.db"],
        stdout=log, stderr=subprocess.STDOUT, cwd=work)
    for _ in range(600):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz")
            break
        except OSError:
            time.sleep(0.5)
    log.seek(0)
    found = re.search(r"admin@demo\.sentra\.id\s+(\S+)", log.read())
    if not found:
        sys.exit("the server printed no demo admin")
    return proc, found.group(1)


def times(port, password):
    base = f"http://127.0.0.1:{port}"
    opener = urllib.request.build_opener(NoRedirect)
    form = urllib.parse.urlencode({"login": "admin@demo.sentra.id", "password": password})
    try:
        opener.open(base + "/login", form.encode())
    except urllib.error.HTTPError as e:  # 303 with the session cookie
        opener.addheaders = [("Cookie", e.headers["set-cookie"].split(";")[0])]
    out = {}
    for page in PAGES:
        samples = []
        for _ in range(8):
            start = time.perf_counter()
            opener.open(base + page).read()
            samples.append((time.perf_counter() - start) * 1000)
        out[page] = statistics.median(samples[1:])
    return out


def main():
    old, new, work = sys.argv[1:4]
    results = []
    for binary, port in [(old, 18931), (new, 18932)]:
        proc, password = serve(binary, work, port)
        try:
            results.append(times(port, password))
        finally:
            proc.terminate()
            proc.wait()
    print(f"| page (admin, demo region) | {old} ms | {new} ms |")
    print("|---|---:|---:|")
    for page in PAGES:
        print(f"| `{page}` | {results[0][page]:.1f} | {results[1][page]:.1f} |")


main()
