#!/usr/bin/env bash
# Installs Stoplight Prism (pinned in tests/e2e/prism/package-lock.json) into a build directory,
# where the end-to-end suite's contract run finds it: CTest's contract.* tests run the API-level
# suites through `prism proxy docs/openapi.yaml` when <build>/prism/node_modules/.bin/prism
# exists, and report themselves skipped otherwise (tests/e2e/contract_proxy.h).
# Usage: scripts/install-prism.sh [BUILD_DIR]   (default: $VESTIBULE_BUILD_DIR or build/test)
# Prism 5.14.2 needs Node.js >= 18.20.1; where node or npm is missing, too old, or npm cannot
# reach its registry, this says so and exits 0 without Prism, as scripts/lint-openapi.sh does.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-${VESTIBULE_BUILD_DIR:-build/test}}
dir="$build/prism"
skip() { echo "install-prism: SKIPPED ($1); the contract run will be skipped too"; rm -rf "$dir/node_modules"; exit 0; }
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then skip "node/npm not installed"; fi
if ! node -e 'const [a,b,c]=process.versions.node.split(".").map(Number); process.exit(a>18||(a===18&&(b>20||(b===20&&c>=1)))?0:1)'; then
  skip "Node.js $(node --version) < 18.20.1"
fi
mkdir -p "$dir"
cp tests/e2e/prism/package.json tests/e2e/prism/package-lock.json "$dir/"
if ! (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null); then
  skip "npm could not install @stoplight/prism-cli"
fi
echo "install-prism: $dir/node_modules/.bin/prism ($("$dir/node_modules/.bin/prism" --version))"
