#!/usr/bin/env bash
# The benchmark harness in one command: installs what it needs (wrk, gnuplot, redis-server, the
# build dependencies), builds Release into build/bench, and runs every scenario of
# docs/performance.md against servers it starts itself on loopback. Prints the table and writes
# results.csv, results.json and latency.png under bench/results/ (git ignores it).
#
#   bench/run.sh            # about 12 minutes (every comparison: 5 rounds of 3 s runs in turns)
#   bench/run.sh --quick    # about 5 minutes: 1 s runs in turns, 20 000 instead of 1 000 000 accounts
#   bench/run.sh --help     # every option (stores, run length, sizes, output folder)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --bench
build="${VESTIBULE_BENCH_BUILD_DIR:-build/bench}"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$build" vestibule vestibule_bench >/dev/null
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]]; then commit="$commit+changes"; fi
exec "$build/bench/vestibule_bench" --scripts bench/wrk --commit "$commit" "$@"
