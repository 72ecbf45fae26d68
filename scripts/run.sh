#!/usr/bin/env bash
# One command: install what is missing, build Release, and serve on 127.0.0.1:9443 with the
# SQLite database under ./data/. Extra arguments go to `vestibule serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DVESTIBULE_BUILD_TESTS=OFF >/dev/null
cmake --build build/release --target vestibule
exec build/release/src/vestibule serve "$@"
