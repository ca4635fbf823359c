#!/usr/bin/env bash
# Real-browser tests (e2e/): Debian's Chromium driven by playwright-core, axe-core, page-weight
# budgets, phone and desktop screenshots in target/e2e/. Installs what is missing first:
# Debian's chromium (and Node.js), then the npm packages pinned in e2e/package-lock.json.
# With CI=true a missing browser is an error; otherwise the browser tests are skipped with a warning.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/apt.sh
. scripts/lib/apt.sh

missing() {
  [ "${CI:-}" = "true" ] && { echo "error: $1, and CI requires the browser tests" >&2; exit 1; }
  echo "warning: $1; skipped the browser tests" >&2
  exit 0
}

chromium_bin="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium_bin" ]; then
  echo "installing Chromium (Debian package chromium) ..." >&2
  apt_install chromium || missing "Chromium could not be installed"
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "installing Node.js (Debian packages nodejs, npm) ..." >&2
  apt_install nodejs npm || missing "Node.js could not be installed"
fi
if [ ! -f e2e/node_modules/.package-lock.json ] || [ e2e/package-lock.json -nt e2e/node_modules/.package-lock.json ]; then
  (cd e2e && npm ci --no-audit --no-fund --loglevel=error) || missing "the npm packages could not be installed"
fi

cargo build --quiet -p sentra-cli --bin sentra
rm -rf target/e2e
export CHROMIUM="$chromium_bin"
export SENTRA_BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug/sentra"
cd e2e
node --test --test-concurrency=1 --test-reporter=spec tests/*.test.mjs
echo "browser test artefacts (screenshots, page weights, slow-3G timings): target/e2e/"
