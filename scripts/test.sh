#!/usr/bin/env bash
# One command: install what is missing, build (Release, with tests) and run the whole suite
# through CTest. Exits non-zero on any failure.
# Optional environment:
#   VESTIBULE_BUILD_DIR    build directory (default build/test)
#   VESTIBULE_SANITIZE     "address,undefined" or "thread": a sanitizer build (Debug)
#   VESTIBULE_CTEST_ARGS   extra ctest arguments, e.g. "-L store"
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
build=${VESTIBULE_BUILD_DIR:-build/test}
config=(-DCMAKE_BUILD_TYPE=Release)
if [[ -n "${VESTIBULE_SANITIZE:-}" ]]; then
  config=(-DCMAKE_BUILD_TYPE=Debug "-DVESTIBULE_SANITIZE=$VESTIBULE_SANITIZE")
fi
cmake -S . -B "$build" -G Ninja "${config[@]}" -DVESTIBULE_BUILD_TESTS=ON >/dev/null
cmake --build "$build"
# shellcheck disable=SC2086
ctest --test-dir "$build" --output-on-failure --timeout 600 -j "$(nproc)" ${VESTIBULE_CTEST_ARGS:-}
