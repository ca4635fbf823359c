#!/usr/bin/env bash
# Benchmark of issue 7: a province's generated year of activities (all levels, clustered by
# month, weekday and busy areas, with venues and 25–40 registered UMKM each), every conflict
# found by Sentra's region-filed sweep and, in the same run, by comparing every pair (which must
# find exactly the same). Prints time, peak memory allocated and the conflicts by reason.
# Usage: bench/conflicts.sh [N] [PROVINCE]   (default 100000 activities in Jawa Barat, 32: 27 kabupaten/kota, 627 kecamatan, 5,957 desa/kelurahan).
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100000}"
province="${2:-32}"
cargo build --release -q -p sentra-bench
target/release/sentra-bench conflicts --province "$province" --activities "$n"
