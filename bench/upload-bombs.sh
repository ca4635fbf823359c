#!/usr/bin/env bash
# Benchmark (issue 27, item 1): decompression and pixel bombs sent CONCURRENCY at a time to a
# running `sentra serve` (release build); the answers, the time to refuse and the server's peak
# memory, as a table for docs/SECURITY.md.
# Usage: bench/upload-bombs.sh [CONCURRENCY]   (default 8)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=../scripts/lib/apt.sh
. scripts/lib/apt.sh
command -v curl >/dev/null || apt_install curl
cargo build --release -q -p sentra-cli
python3 bench/upload_bombs.py target/release/sentra "${1:-8}"
