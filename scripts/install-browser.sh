#!/usr/bin/env bash
# Installs what the account page's browser test (tests/browser/account_page.mjs, CTest's
# browser.account_page) needs: Debian's chromium (through scripts/setup.sh --browser, with
# apt-get, as root, only when it is missing), and playwright-core and axe-core, pinned in
# tests/browser/package-lock.json, into <build>/browser/node_modules, where the test finds them.
# Playwright drives the system's /usr/bin/chromium: nothing downloads a browser build of its own.
# Usage: scripts/install-browser.sh [BUILD_DIR]   (default: $VESTIBULE_BUILD_DIR or build/test)
# playwright-core 1.65 needs Node.js >= 20. Whatever cannot be had (node or npm missing or too
# old, no registry, apt-get failing or not root), this says so and exits 0; the test then
# reports itself skipped with the reason, as the contract run does without Prism.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-${VESTIBULE_BUILD_DIR:-build/test}}
dir="$build/browser"
skip() { echo "install-browser: SKIPPED ($1); the browser test will be skipped too"; rm -rf "$dir/node_modules"; exit 0; }
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then skip "node/npm not installed"; fi
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)'; then
  skip "Node.js $(node --version) < 20"
fi
if ! dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q "install ok installed" || [[ ! -x /usr/bin/chromium ]]; then
  if [[ $(id -u) -ne 0 ]] && ! command -v sudo >/dev/null; then skip "chromium not installed, and not root"; fi
  if ! scripts/setup.sh --browser; then skip "apt-get could not install chromium"; fi
fi
mkdir -p "$dir"
cp tests/browser/package.json tests/browser/package-lock.json "$dir/"
if ! (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null); then
  skip "npm could not install playwright-core and axe-core"
fi
version() { (cd "$dir" && node -p "require('./node_modules/$1/package.json').version"); }
echo "install-browser: $dir/node_modules (playwright-core $(version playwright-core), axe-core $(version axe-core)); $(/usr/bin/chromium --version 2>/dev/null)"
