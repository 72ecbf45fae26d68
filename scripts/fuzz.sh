#!/usr/bin/env bash
# Builds the libFuzzer harnesses with clang (ASan) and runs one, or all in turn, for SECONDS
# each (default 600). The seeds in fuzz/corpus/ are read, never written: what the fuzzer finds
# goes to build/fuzz/corpus/<harness>, crashes to build/fuzz/artifacts/.
#   scripts/fuzz.sh [email|hash_formats|json_mapping|http_request|mail_compose|log_format|second_factor|all]
#                   [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-all}
seconds=${2:-600}
scripts/setup.sh
if ! command -v clang++-14 >/dev/null || ! dpkg -s libclang-rt-14-dev >/dev/null 2>&1; then
  apt-get install -y -qq --no-install-recommends clang-14 libclang-rt-14-dev >/dev/null
fi
CXX=clang++-14 cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVESTIBULE_FUZZ=ON \
  -DVESTIBULE_BUILD_TESTS=OFF >/dev/null
cmake --build build/fuzz
harnesses=(email hash_formats json_mapping http_request mail_compose log_format second_factor)
[[ "$which" == all ]] || harnesses=("$which")
mkdir -p build/fuzz/artifacts
for h in "${harnesses[@]}"; do
  mkdir -p "build/fuzz/corpus/$h"
  build/fuzz/fuzz/${h}_fuzz "build/fuzz/corpus/$h" "fuzz/corpus/$h" -max_total_time="$seconds" \
    -artifact_prefix=build/fuzz/artifacts/ -print_final_stats=1
done
