#!/usr/bin/env bash
# Lints docs/openapi.yaml with Redocly CLI (pinned in package.json / package-lock.json).
# Redocly CLI 2.x needs Node.js >= 20.19; where that is missing (Debian 12 ships 18) the lint is
# skipped with a notice rather than failing the build on a tooling gap.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "lint-openapi: SKIPPED (node/npm not installed)"; exit 0
fi
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
  echo "lint-openapi: SKIPPED (Node.js $(node --version) < 20.19)"; exit 0
fi
npm ci --no-audit --no-fund --loglevel=error >/dev/null
npx --no-install redocly lint docs/openapi.yaml
