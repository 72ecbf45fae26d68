#!/usr/bin/env bash
# One command for the shared store: starts a local redis-server (loopback, port 6390 unless
# VESTIBULE_REDIS_PORT says otherwise, append-only file with fsync every second under
# ./data/redis/) and vestibule on it; stopping vestibule (Ctrl-C / SIGTERM) stops both.
# Extra arguments go to `vestibule serve`. Start more instances against the same Redis with
#   build/release/src/vestibule serve --listen 127.0.0.1:9444 --store redis://127.0.0.1:6390
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --redis
port=${VESTIBULE_REDIS_PORT:-6390}
mkdir -p data/redis
redis-server --port "$port" --bind 127.0.0.1 --dir "$PWD/data/redis" \
  --appendonly yes --appendfsync everysec --save "" --daemonize no --loglevel warning &
redis_pid=$!
trap 'kill "$redis_pid" 2>/dev/null; wait "$redis_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  redis-cli -p "$port" ping >/dev/null 2>&1 && break
  sleep 0.1
done
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DVESTIBULE_BUILD_TESTS=OFF >/dev/null
cmake --build build/release --target vestibule
build/release/src/vestibule serve --store "redis://127.0.0.1:$port" "$@" &
server_pid=$!
trap 'kill -TERM "$server_pid" 2>/dev/null || true' INT TERM
wait "$server_pid" || true
