#!/usr/bin/env bash
# Benchmark (issue 28): two builds of `sentra` serve the same demo database in turn; every
# signed-in page a Dinas admin opens most, median of 7 after a warm-up, side by side. For a
# refactor that must not change behaviour or speed: the peer is the build before it.
# Usage: bench/page-times.sh OLD_BINARY [NEW_BINARY]   (NEW default: a release build of this tree)
set -euo pipefail
cd "$(dirname "$0")/.."
old="$1"
new="${2:-}"
if [ -z "$new" ]; then
  cargo build --release -q -p sentra-cli
  new="$PWD/target/release/sentra"
fi
work="$(mktemp -d /tmp/sentra-pages.XXXXXX)"
trap 'rm -rf "$work"' EXIT
python3 bench/page_times.py "$old" "$new" "$work"
