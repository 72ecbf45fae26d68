#!/usr/bin/env bash
# Measures `vestibule import`: users/s into a fresh server (SQLite, or Redis with --redis) at
# several --concurrency values, and for a re-run that skips everyone. Measures and prints;
# asserts nothing. Usage: bench/import.sh [BUILD_DIR] [USERS] [--redis]
#   bench/import.sh build/test 20000
set -euo pipefail
build=${1:-build/test}
users=${2:-20000}
store_kind=${3:-}
bin="$build/src/vestibule"
work=$(mktemp -d -t vestibule-import-bench-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# One argon2id hash shared by every user: the server checks its form (it is verified only at a
# login), so the import's cost does not depend on the hash's parameters.
hash=$(/usr/bin/python3 -c 'from passlib.hash import argon2; print(argon2.using(type="id", memory_cost=1024, rounds=1, parallelism=1).hash("bench pw"))')
make_file() {  # $1: file, $2: tag
  /usr/bin/python3 - "$1" "$2" "$users" "$hash" <<'PY'
import json, sys
path, tag, n, h = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
with open(path, "w") as f:
    for i in range(n):
        f.write(json.dumps({"name": "User %d" % i, "email": "%s-%d@example.com" % (tag, i), "password_hash": h}) + "\n")
PY
}

head -c 32 /dev/urandom | base64 | tr -d '=+/\n' > "$work/admin.token"
chmod 600 "$work/admin.token"

start_server() {  # $1: data tag; prints the admin port
  local log="$work/server-$1.log" store
  if [[ $store_kind == --redis ]]; then
    store=(--store "redis://127.0.0.1:$redis_port" --redis-key-prefix "bench-$1:")
  else
    store=(--store "sqlite:$work/$1.db")
  fi
  "$bin" serve --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 --admin-token-file "$work/admin.token" \
    --mail-url "file:$work/mail" --log-level info "${store[@]}" >"$log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 200); do
    if grep -q 'event=listening.admin address=127.0.0.1:' "$log"; then
      grep -o 'event=listening.admin address=127.0.0.1:[0-9]*' "$log" | head -1 | sed 's/.*://'
      return
    fi
    sleep 0.1
  done
  echo "the server did not start:" >&2; cat "$log" >&2; exit 1
}

if [[ $store_kind == --redis ]]; then
  redis_port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no >"$work/redis.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
fi

echo "users=$users store=${store_kind:-sqlite} cpus=$(nproc)"
for c in 1 4 8 16; do
  port=$(start_server "c$c")
  make_file "$work/users-$c.jsonl" "c$c"
  for run in first rerun; do
    start=$(date +%s.%N)
    status=0
    "$bin" import --admin-url "http://127.0.0.1:$port" --admin-token-file "$work/admin.token" \
      --concurrency "$c" "$work/users-$c.jsonl" >"$work/summary" 2>"$work/progress" || status=$?
    end=$(date +%s.%N)
    if [[ $status == 2 ]]; then
      echo "concurrency=$c $run: the import stopped: $(tail -1 "$work/progress")"
      continue
    fi
    awk -v c="$c" -v r="$run" -v n="$users" -v s="$start" -v e="$end" -v sum="$(tr '\n' ' ' <"$work/summary")" \
      'BEGIN { printf "concurrency=%-3s %-6s %7.0f users/s  (%s)\n", c, r, n / (e - s), sum }'
  done
done
