#!/usr/bin/env bash
# One command: install what is missing, build (Release, with tests) and run the whole suite
# through CTest. Exits non-zero on any failure. Set VESTIBULE_BUILD_DIR to use another build dir.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
build=${VESTIBULE_BUILD_DIR:-build/test}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DVESTIBULE_BUILD_TESTS=ON >/dev/null
cmake --build "$build"
ctest --test-dir "$build" --output-on-failure --timeout 600 -j "$(nproc)"
