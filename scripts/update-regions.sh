#!/usr/bin/env bash
# Regenerates data/regions/ from the npm package idn-area-data (Kepmendagri 300.2.2-2138/2025).
# The copy ships inside the `sentra` binary and is loaded into the database at migrate time.
# Usage: scripts/update-regions.sh [VERSION]   (default 4.0.1)
set -euo pipefail
version="${1:-4.0.1}"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
# `npm pack` fetches the tarball without installing (the package declares node >= 22).
npm pack --silent "idn-area-data@${version}" >/dev/null
tar xzf "idn-area-data-${version}.tgz"
python3 - "$work/package/data" "$root/data/regions" "$version" <<'PY'
import csv, gzip, io, sys
src, dst, version = sys.argv[1], sys.argv[2], sys.argv[3]
rows = []
for name in ["provinces", "regencies", "districts", "villages"]:
    with open(f"{src}/{name}.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            rows.append((r["code"].strip(), " ".join(r["name"].split())))
rows.sort(key=lambda r: [int(p) for p in r[0].split(".")])
buf = io.StringIO()
w = csv.writer(buf, lineterminator="\n")
w.writerow(["code", "name"])
w.writerows(rows)
# mtime=0 keeps the file byte-identical between runs, so git sees no change when the data has none.
with open(f"{dst}/regions.csv.gz", "wb") as out:
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9, mtime=0, filename="") as gz:
        gz.write(buf.getvalue().encode("utf-8"))
counts = {}
for code, _ in rows:
    counts[code.count(".")] = counts.get(code.count("."), 0) + 1
print(f"regions: {counts.get(0,0)} provinces, {counts.get(1,0)} kab/kota, "
      f"{counts.get(2,0)} kecamatan, {counts.get(3,0)} desa/kelurahan (idn-area-data {version})")
PY
cp package/data/LICENSE.md "$root/data/regions/LICENSE-ODbL.md"
cat > "$root/data/regions/SOURCE.md" <<MD
# Region reference data

- Decree: Keputusan Menteri Dalam Negeri Nomor 300.2.2-2138 Tahun 2025 (kode dan data wilayah
  administrasi pemerintahan).
- Taken from: npm package \`idn-area-data@${version}\` (data under the Open Database License, see
  \`LICENSE-ODbL.md\`; code MIT), by its authors and contributors.
- Regenerate: \`scripts/update-regions.sh ${version}\`.
- Format: \`regions.csv.gz\`, columns \`code,name\`, sorted by code. The level and kind follow from the
  code (PP, PP.KK with KK 01-69 kabupaten / 71-99 kota, PP.KK.CC, PP.KK.CC.XNNN with X 1 =
  kelurahan, 2 = desa).

This database is made available under the ODbL. Any rights in individual contents of the database
are licensed under the terms of the original source.
MD
echo "written to $root/data/regions"
