#!/usr/bin/env python3
"""Benchmark (issue 27, item 1): hostile uploads against a running `sentra serve`.

Makes the files an attacker would send (an .xlsx whose shared strings inflate to 2 GiB, one
declaring four billion shared strings, an .ods of repeated rows and columns, a 59-megapixel
16-bit PNG), starts the server on a fresh SQLite database with demo data, signs in as an admin
and sends each file CONCURRENCY times at once. Prints a table: the file's size, what it would
unpack to, the answers, the time until the last answer, and the server's peak resident memory
(VmHWM of the server process, read from /proc) before and after.

Usage: bench/upload_bombs.py SENTRA_BINARY [CONCURRENCY]   (bench/upload-bombs.sh builds it)
"""

import http.cookiejar
import os
import re
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor

GIB = 1 << 30


def xlsx_shell(z):
    z.writestr("[Content_Types].xml",
               '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
               '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
               '<Default Extension="xml" ContentType="application/xml"/>'
               '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
               '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
               '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
               '</Types>')
    z.writestr("_rels/.rels",
               '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
               '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
               '</Relationships>')
    z.writestr("xl/workbook.xml",
               '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
               'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
               '<sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>')
    z.writestr("xl/_rels/workbook.xml.rels",
               '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
               '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
               '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
               '</Relationships>')
    z.writestr("xl/worksheets/sheet1.xml",
               '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
               '<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>')


def xlsx_inflating(path, inflated):
    """Shared strings: one string of `inflated` bytes of 'a' (deflates about 1000:1)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        xlsx_shell(z)
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as f:
            f.write(b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>')
            chunk = b"a" * (1 << 20)
            for _ in range(inflated >> 20):
                f.write(chunk)
            f.write(b"</t></si></sst>")


def xlsx_declaring(path):
    """Shared strings that declare four billion entries (calamine reserves room up front)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        xlsx_shell(z)
        z.writestr("xl/sharedStrings.xml",
                   '<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                   'count="4000000000" uniqueCount="4000000000"><si><t>a</t></si></sst>')


def ods_repeats(path):
    """One row of 16,384 filled cells repeated a million times."""
    content = ('<?xml version="1.0"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
               '<table:table table:name="Data"><table:table-row table:number-rows-repeated="1000000">'
               '<table:table-cell table:number-columns-repeated="16384" office:value-type="string"><text:p>x</text:p></table:table-cell>'
               '</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml",
                   '<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
                   '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                   '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
        z.writestr("content.xml", content)


def png_16bit(path, width, height):
    """A black 16-bit RGB PNG: `width × height` pixels, a few hundred KB."""
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
    comp = zlib.compressobj(9)
    row = b"\x00" + b"\x00" * (width * 6)
    parts = []
    for _ in range(height):
        parts.append(comp.compress(row))
    parts.append(comp.flush())
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", b"".join(parts)))
        f.write(chunk(b"IEND", b""))


def peak_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    return 0


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    return 0


def main():
    binary = os.path.abspath(sys.argv[1])
    concurrency = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    work = tempfile.mkdtemp(prefix="sentra-bombs.")
    db = f"sqlite://{work}/sentra.db"
    env = dict(os.environ, SENTRA_LOG="error")
    run = lambda *a, **k: subprocess.run([binary, *a, "--database", db], env=env, check=True,
                                         stdout=subprocess.DEVNULL, **k)
    run("migrate")
    run("demo", "--region", "36.74", "--umkm", "20", "--products", "5", "--seed", "1")
    run("user", "add", "--name", "Admin", "--login", "admin@bom.id", "--role", "admin",
        "--scope", "36.74", input=b"kata-sandi-admin\n")
    import sqlite3
    product = sqlite3.connect(f"{work}/sentra.db").execute("SELECT id FROM products LIMIT 1").fetchone()[0]

    files = []
    t = time.time()
    xlsx_inflating(f"{work}/shared-2gib.xlsx", 2 * GIB)
    files.append(("xlsx, shared strings → 2 GiB", f"{work}/shared-2gib.xlsx", "/umkm/import", "file", "2 GiB"))
    xlsx_declaring(f"{work}/declared.xlsx")
    files.append(("xlsx, 4·10⁹ shared strings declared", f"{work}/declared.xlsx", "/umkm/import", "file", "96 GB reserved"))
    ods_repeats(f"{work}/repeats.ods")
    files.append(("ods, 10⁶ rows × 16,384 cells repeated", f"{work}/repeats.ods", "/umkm/import", "file", "16·10⁹ cells"))
    xlsx_inflating(f"{work}/shared-2gib-proc.xlsx", 2 * GIB)
    files.append(("xlsx → 2 GiB, procurement import", f"{work}/shared-2gib-proc.xlsx", "/pengadaan/impor", "file", "2 GiB"))
    png_16bit(f"{work}/59mp.png", 9000, 6600)
    files.append(("png, 59 MP, 16-bit", f"{work}/59mp.png", f"/produk/{product}/foto", "photo", "356 MB decoded"))
    print(f"files made in {time.time() - t:.1f} s", file=sys.stderr)

    port = subprocess.run(["python3", "-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    server = subprocess.Popen([binary, "serve", "--database", db, "--home-region", "36.74",
                               "--listen", f"127.0.0.1:{port}", "--insecure-cookies"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        opener.open(urllib.request.Request(base + "/login", data=b"login=admin%40bom.id&password=kata-sandi-admin&next=%2Fumkm"))
        session = next(c.value for c in jar if c.name == "sentra_session")
        page = opener.open(base + "/umkm/import").read().decode()
        csrf = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
        started_rss = rss_mb(server.pid)
        print(f"| upload ({concurrency} at once) | file | unpacks to | answers | last answer after | server RSS before | server peak (VmHWM) |")
        print("|---|---:|---:|---|---:|---:|---:|")
        for label, path, route, field, unpacks in files:
            before = rss_mb(server.pid)

            def send(_):
                out = subprocess.run(
                    ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "120",
                     "-H", f"Cookie: sentra_session={session}", "-F", f"_csrf={csrf}",
                     "-F", f"{field}=@{path}", base + route],
                    capture_output=True, text=True)
                return out.stdout.strip() or "failed"

            t = time.time()
            with ThreadPoolExecutor(concurrency) as pool:
                answers = list(pool.map(send, range(concurrency)))
            took = time.time() - t
            alive = urllib.request.urlopen(base + "/healthz", timeout=5).status == 200
            counts = {a: answers.count(a) for a in sorted(set(answers))}
            shown = ", ".join(f"{n}× {a}" for a, n in counts.items()) + ("" if alive else " — SERVER DOWN")
            size = os.path.getsize(path)
            print(f"| {label} | {size / 1024:,.0f} KB | {unpacks} | {shown} | {took:.2f} s | {before} MB | {peak_mb(server.pid)} MB |")
        print(f"\nserver RSS at the start: {started_rss} MB; peak over the whole run: {peak_mb(server.pid)} MB")
    finally:
        server.terminate()
        server.wait(timeout=30)
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
