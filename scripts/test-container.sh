#!/usr/bin/env bash
# Tests the container image and the compose stack with Debian's podman, without any image
# registry: imports a minbase Debian 12 root (scripts/bookworm-root.sh) as the base image,
# builds the Dockerfile and the Redis image on it, and then
#   1. runs the image on SQLite with a named volume: register -> login -> /v1/users/me, the
#      non-root uid, the HEALTHCHECK and ENV in `podman inspect`, the healthcheck command,
#      a stop + start (the account survives in the volume), and `-e VESTIBULE_TOKEN_TTL`
#      overriding the image's settings;
#   2. runs it with a self-signed certificate mounted as a volume (HTTPS, curl --cacert);
#   3. runs compose.yaml with podman-compose (Vestibule on Redis, appendonly volume) and checks
#      the account survives both containers being removed and started again.
# Prints "test-container: skipped: <reason>" and exits 0 only when podman cannot run here
# (not root, no podman and no apt-get, or a trivial container fails to start); any other
# failure exits non-zero with the reason and the containers' logs.
#
# Podman is set up for this VM and kept apart from the machine's own: `--runtime runc` and a
# containers.conf (through CONTAINERS_CONF) with `default_ulimits = []` and
# `cgroup_manager = "cgroupfs"` (crun and the default ulimits are refused here), images and
# layers under VESTIBULE_CONTAINER_DIR (default build/container, kept between runs so the
# setup.sh layer is reused), CNI network files there too; nothing is written to /etc. Images
# are built with `--format docker` (OCI drops HEALTHCHECK) and containers run with
# `--no-healthcheck` (no systemd here to drive its timers; the test runs the probe itself).
# Every container, volume and network this run creates is removed at exit.
#
# Environment: VESTIBULE_BOOKWORM_ROOT (default build/bookworm-root; made if missing, never
# changed), VESTIBULE_CONTAINER_DIR, VESTIBULE_BUILD_JOBS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS

say() { echo "test-container: $*"; }
skipped=0
skip() {
  say "skipped: $*"
  skipped=1
  exit 0
}
fail() {
  echo "test-container: FAIL: $*" >&2
  exit 1
}

# --- Can podman run here at all? --------------------------------------------------------------
if [[ $(uname -s) != Linux ]]; then skip "podman needs Linux"; fi
if [[ $(id -u) -ne 0 ]]; then skip "needs root (rootful podman with its own storage)"; fi
packages=()
for tool in podman:podman runc:runc podman-compose:podman-compose curl:curl openssl:openssl \
            python3:python3 /usr/lib/cni/dnsname:golang-github-containernetworking-plugin-dnsname; do
  if ! command -v "${tool%%:*}" >/dev/null; then packages+=("${tool#*:}"); fi
done
if ((${#packages[@]})); then
  if ! command -v apt-get >/dev/null; then skip "no podman and no apt-get to install it"; fi
  say "installing ${packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Where Debian's mirror cannot be reached the tools cannot run here: a skip, said plainly.
  if ! apt-get update -qq || ! apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null; then
    skip "cannot install ${packages[*]} with apt-get"
  fi
fi

state=$(realpath -m "${VESTIBULE_CONTAINER_DIR:-build/container}")
root_fs=$(realpath -m "${VESTIBULE_BOOKWORM_ROOT:-build/bookworm-root}")
jobs=${VESTIBULE_BUILD_JOBS:-2}
work=$(mktemp -d /tmp/vestibule-test-container.XXXXXX)
# Podman's tmpdir holds the containers' attach sockets, whose paths must stay under 108 bytes:
# a short path derived from the storage directory (podman's database remembers it).
podman_tmp=/tmp/vestibule-ct.$(printf '%s' "$state" | cksum | cut -d' ' -f1)
mkdir -p "$state" "$podman_tmp"
cat >"$work/containers.conf" <<EOF
[containers]
default_ulimits = []

[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
events_logger = "file"

[network]
network_config_dir = "$state/cni"
EOF
export CONTAINERS_CONF=$work/containers.conf
# One podman command line for the script and for podman-compose (--podman-path).
cat >"$work/podman" <<EOF
#!/bin/sh
exec podman --root '$state/storage' --runroot '$state/run' --tmpdir '$podman_tmp' --runtime runc "\$@"
EOF
chmod +x "$work/podman"
pm() { "$work/podman" "$@"; }

run_id=vt$$
containers=()
volumes=()
compose_project=""
cleanup() {
  local status=$?
  set +e
  if [[ -n $compose_project ]]; then
    compose down -t 15 -v >/dev/null 2>&1
    pm network rm -f "${compose_project}_default" >/dev/null 2>&1
    # CNI's host-local IPAM keeps a directory per network name even once it is gone.
    rm -rf "/var/lib/cni/networks/${compose_project}_default"
  fi
  if ((${#containers[@]})); then pm rm -f -v -t 15 "${containers[@]}" >/dev/null 2>&1; fi
  if ((${#volumes[@]})); then pm volume rm -f "${volumes[@]}" >/dev/null 2>&1; fi
  rm -rf "$work"
  if ((status == 0 && !skipped)); then say "passed in $((SECONDS - started)) s"; fi
  exit "$status"
}
trap cleanup EXIT
# On a failure, the last lines each container wrote, for the CI log.
dump_logs() {
  local c
  for c in "$@"; do
    echo "--- podman logs $c" >&2
    pm logs --tail 40 "$c" >&2 2>&1 || true
  done
}

# --- The base image and the probe -------------------------------------------------------------
scripts/bookworm-root.sh "$root_fs"
# Tagged by when the root was finished, so a new bootstrap gives a new base (and a rebuild),
# and an unchanged one keeps the image id every cached layer hangs from. Without apt's lists
# and caches, as in debian:bookworm-slim, so the image's size is the one it has there.
base=localhost/vestibule-test-base:$(stat -c %Y "$root_fs.complete")
if ! pm image exists "$base"; then
  say "importing $root_fs as $base"
  tar -C "$root_fs" --exclude='./var/lib/apt/lists/*' --exclude='./var/cache/apt/*' -c . |
    pm import --quiet - "$base" >/dev/null
fi
if ! probe=$(pm run --rm --no-healthcheck "$base" true 2>&1); then
  skip "podman cannot run a container here: $probe"
fi

# --- Build --------------------------------------------------------------------------------------
image=localhost/vestibule:test
redis_image=localhost/vestibule-redis:test
build_started=$SECONDS
pm build --format docker --layers --build-arg BASE_IMAGE="$base" --build-arg BUILD_JOBS="$jobs" \
  -t "$image" . >"$work/build.log" 2>&1 || {
  tail -n 60 "$work/build.log" >&2
  fail "podman build of Dockerfile failed"
}
build_seconds=$((SECONDS - build_started))
pm build --format docker --layers --build-arg BASE_IMAGE="$base" -t "$redis_image" \
  -f packaging/container/redis.Dockerfile packaging/container >"$work/build-redis.log" 2>&1 || {
  tail -n 40 "$work/build-redis.log" >&2
  fail "podman build of packaging/container/redis.Dockerfile failed"
}
size=$(pm image inspect --format '{{.Size}}' "$image")
say "built $image in $build_seconds s (redis image: $((SECONDS - build_started - build_seconds)) s), $((size / 1000000)) MB"

# --- HTTP helpers ---------------------------------------------------------------------------------
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# request METHOD URL [JSON] [TOKEN]: sets $status, the body in $work/body, headers in
# $work/headers. Every request is bounded by curl's --max-time.
curl_extra=()
request() {
  local method=$1 url=$2 data=${3:-} token=${4:-}
  local args=(--silent --show-error --max-time 20 -X "$method" -o "$work/body" -D "$work/headers"
              -w '%{http_code}' "${curl_extra[@]}")
  if [[ -n $data ]]; then args+=(-H 'Content-Type: application/json' --data "$data"); fi
  if [[ -n $token ]]; then args+=(-H "Authorization: Bearer $token"); fi
  status=$(curl "${args[@]}" "$url") || fail "curl $method $url failed"
}
expect_status() {
  [[ $status == "$1" ]] || fail "$2: HTTP $status, expected $1: $(head -c 500 "$work/body")"
}
# field KEY[.KEY...]: that member of the JSON body, printed as JSON would print a scalar.
field() {
  python3 - "$work/body" "$1" <<'EOF'
import json, sys
value = json.load(open(sys.argv[1]))
for key in sys.argv[2].split("."):
    value = value[key]
print(json.dumps(value) if isinstance(value, bool) or value is None else value)
EOF
}
expect_field() {
  local got
  got=$(field "$1") || fail "$3: no field $1 in $(head -c 500 "$work/body")"
  [[ $got == "$2" ]] || fail "$3: $1 is '$got', expected '$2'"
}
# wait_healthy URL CONTAINER: /healthz answers 200 within 60 s (120 polls, 0.5 s apart), or the
# test fails at once if the container stops.
wait_healthy() {
  local url=$1 container=$2 i code
  for ((i = 0; i < 120; i++)); do
    code=$(curl --silent --max-time 2 -o /dev/null -w '%{http_code}' "${curl_extra[@]}" "$url/healthz") || true
    if [[ $code == 200 ]]; then return 0; fi
    if [[ $(pm inspect --format '{{.State.Running}}' "$container" 2>/dev/null) != true ]]; then
      dump_logs "$container"
      fail "$container stopped before $url/healthz answered"
    fi
    sleep 0.5
  done
  dump_logs "$container"
  fail "$url/healthz did not answer 200 within 60 s"
}

email=ann@example.com
password='plum tiger violet 42'
register() {
  request POST "$1/v1/users" "{\"name\":\"Ann\",\"email\":\"$email\",\"password\":\"$password\"}"
  expect_status 201 "register on $2"
  expect_field email "$email" "register on $2"
  expect_field name Ann "register on $2"
  user_id=$(field id)
  if grep -q password "$work/body"; then fail "register on $2: the answer names a password"; fi
}
# login URL WHAT EXPECTED_TTL: sets $token.
login() {
  request POST "$1/v1/sessions" "{\"email\":\"$email\",\"password\":\"$password\"}"
  expect_status 201 "login on $2"
  expect_field token_type Bearer "login on $2"
  expect_field expires_in "$3" "login on $2"
  expect_field user.id "$user_id" "login on $2"
  token=$(field token)
}
me() {
  request GET "$1/v1/users/me" "" "$token"
  expect_status 200 "GET /v1/users/me on $2"
  expect_field id "$user_id" "GET /v1/users/me on $2"
  expect_field email "$email" "GET /v1/users/me on $2"
  request GET "$1/v1/users/me"
  expect_status 401 "GET /v1/users/me without a token on $2"
  expect_field code invalid_token "GET /v1/users/me without a token on $2"
}
track() { containers+=("$1"); }

# --- 1. The image on SQLite --------------------------------------------------------------------
say "1. the image on SQLite, volume $run_id-data"
volumes+=("$run_id-data")
pm volume create "$run_id-data" >/dev/null
port=$(free_port)
url=http://127.0.0.1:$port
c=$run_id-sqlite
track "$c"
pm run -d --name "$c" --no-healthcheck -p "127.0.0.1:$port:9443" -v "$run_id-data:/data" "$image" >/dev/null
wait_healthy "$url" "$c"
register "$url" SQLite
login "$url" SQLite 86400
me "$url" SQLite

# The server is pid 1: real, effective, saved and file-system uid all 10001.
uid=$(pm exec "$c" grep '^Uid:' /proc/1/status | tr -s '\t ' ' ')
[[ $uid == "Uid: 10001 10001 10001 10001" ]] || fail "the server should run as uid 10001: $uid"
[[ $(pm exec "$c" id -u) == 10001 ]] || fail "podman exec should run as uid 10001"
owner=$(pm exec "$c" stat -c '%u:%g' /data /data/vestibule.db | tr '\n' ' ')
[[ $owner == "10001:10001 10001:10001 " ]] || fail "/data and the database should belong to 10001:10001, got: $owner"
pm exec "$c" /usr/local/lib/vestibule/healthcheck || fail "the HEALTHCHECK command failed in $c"

healthcheck=$(pm image inspect --format '{{json .Config.Healthcheck.Test}}' "$image")
[[ $healthcheck == '["CMD","/usr/local/lib/vestibule/healthcheck"]' ]] ||
  fail "image HEALTHCHECK is $healthcheck (built without --format docker?)"
env=$(pm image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$image")
for setting in VESTIBULE_LISTEN=0.0.0.0:9443 VESTIBULE_STORE=sqlite:/data/vestibule.db \
               VESTIBULE_ALLOW_INSECURE_HTTP=true; do
  grep -qx "$setting" <<<"$env" || fail "image ENV lacks $setting: $env"
done
if grep -q '^DEBIAN_FRONTEND=' <<<"$env"; then fail "the build's DEBIAN_FRONTEND leaked into the image's ENV"; fi
config=$(pm image inspect --format '{{.Config.User}} {{json .Config.ExposedPorts}} {{json .Config.Volumes}} {{json .Config.Entrypoint}} {{json .Config.Cmd}}' "$image")
[[ $config == '10001:10001 {"9443/tcp":{}} {"/data":{}} ["/usr/local/bin/vestibule"] ["serve"]' ]] ||
  fail "image config: $config"
# Only the runtime: no compiler, CMake, headers or apt lists in the final image.
leftovers=$(pm run --rm --no-healthcheck --entrypoint sh "$image" -c \
  'command -v c++ g++ cmake ninja; ls -d /usr/include/boost 2>/dev/null; find /var/lib/apt/lists -type f')
[[ -z $leftovers ]] || fail "the image keeps build tools or apt lists: $leftovers"

say "   stop + start: the account is still there"
pm stop -t 15 "$c" >/dev/null
exit_code=$(pm inspect --format '{{.State.ExitCode}}' "$c")
[[ $exit_code == 0 ]] || { dump_logs "$c"; fail "$c exited $exit_code on SIGTERM, expected 0"; }
pm start "$c" >/dev/null
wait_healthy "$url" "$c"
login "$url" "SQLite after a restart" 86400
me "$url" "SQLite after a restart"
pm rm -f -v -t 15 "$c" >/dev/null

say "   -e VESTIBULE_TOKEN_TTL=600 overrides the image, on the same volume"
c=$run_id-override
track "$c"
pm run -d --name "$c" --no-healthcheck -e VESTIBULE_TOKEN_TTL=600 -p "127.0.0.1:$port:9443" \
  -v "$run_id-data:/data" "$image" >/dev/null
wait_healthy "$url" "$c"
login "$url" "SQLite with VESTIBULE_TOKEN_TTL=600" 600
me "$url" "SQLite with VESTIBULE_TOKEN_TTL=600"
pm rm -f -v -t 15 "$c" >/dev/null

# --- 2. HTTPS with a certificate mounted as a volume ------------------------------------------
say "2. HTTPS with a mounted certificate"
mkdir "$work/tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout "$work/tls/key.pem" \
  -out "$work/tls/cert.pem" 2>/dev/null
chown 10001:10001 "$work/tls/key.pem"
chmod 0600 "$work/tls/key.pem"
chmod 0755 "$work/tls"
c=$run_id-tls
track "$c"
pm run -d --name "$c" --no-healthcheck -p "127.0.0.1:$port:9443" -v "$run_id-data:/data" \
  -v "$work/tls:/tls:ro" -e VESTIBULE_TLS_CERT=/tls/cert.pem -e VESTIBULE_TLS_KEY=/tls/key.pem \
  "$image" >/dev/null
curl_extra=(--cacert "$work/tls/cert.pem" --resolve "localhost:$port:127.0.0.1")
wait_healthy "https://localhost:$port" "$c"
login "https://localhost:$port" HTTPS 86400
me "https://localhost:$port" HTTPS
grep -qi '^strict-transport-security:' "$work/headers" || fail "HTTPS answer without Strict-Transport-Security"
pm exec "$c" /usr/local/lib/vestibule/healthcheck || fail "the HEALTHCHECK command failed over HTTPS"
curl_extra=()
if curl --silent --max-time 5 -o /dev/null "http://127.0.0.1:$port/healthz"; then
  fail "the TLS listener answered plain HTTP"
fi
pm rm -f -v -t 15 "$c" >/dev/null

# --- 3. compose.yaml: Vestibule on Redis ------------------------------------------------------
# podman-compose 1.0.3 (Debian 12) runs compose.yaml as it is: it builds nothing here (the images
# exist under the names VESTIBULE_IMAGE / VESTIBULE_REDIS_IMAGE give), creates the project's
# network (DNS through CNI's dnsname plugin, so "redis" resolves) and passes --no-healthcheck.
say "3. compose.yaml with podman-compose: Vestibule on Redis"
compose_project=$run_id
port=$(free_port)
url=http://127.0.0.1:$port
compose() {
  VESTIBULE_IMAGE=$image VESTIBULE_REDIS_IMAGE=$redis_image BASE_IMAGE=$base \
    VESTIBULE_PUBLISH=127.0.0.1:$port \
    podman-compose --podman-path "$work/podman" -p "$compose_project" -f compose.yaml \
      --podman-run-args=--no-healthcheck "$@"
}
compose up -d --no-build >"$work/compose.log" 2>&1 || { cat "$work/compose.log" >&2; fail "podman-compose up failed"; }
vc=${compose_project}_vestibule_1
rc=${compose_project}_redis_1
wait_healthy "$url" "$vc"
register "$url" "compose (Redis)"
login "$url" "compose (Redis)" 86400
me "$url" "compose (Redis)"
# Read the whole log first: grep -q would stop reading at the match, and under pipefail the
# writer's SIGPIPE would fail the check.
server_log=$(pm logs "$vc" 2>&1)
grep -q 'event=listening .*store=redis' <<<"$server_log" || { dump_logs "$vc"; fail "compose's Vestibule is not on Redis"; }
[[ $(pm exec "$rc" redis-cli config get appendonly | tail -n1) == yes ]] || fail "Redis runs without appendonly"
[[ $(pm exec "$rc" redis-cli --scan --pattern 'vestibule:*' | wc -l) -gt 0 ]] || fail "no vestibule: keys in Redis"

say "   down + up: the account survives in the redis-data volume"
compose down -t 15 >>"$work/compose.log" 2>&1 || { cat "$work/compose.log" >&2; fail "podman-compose down failed"; }
[[ -z $(pm ps -a -q --filter "name=^${compose_project}_") ]] || fail "podman-compose down left containers"
compose up -d --no-build >>"$work/compose.log" 2>&1 || { cat "$work/compose.log" >&2; fail "podman-compose up (again) failed"; }
wait_healthy "$url" "$vc"
login "$url" "compose (Redis) after down + up" 86400
me "$url" "compose (Redis) after down + up"
pm exec "$rc" sh -c 'test -s /data/appendonlydir/appendonly.aof.1.incr.aof' ||
  fail "no append-only file in the redis-data volume: $(pm exec "$rc" ls -lR /data 2>&1)"
say "total $((SECONDS - started)) s (image build $build_seconds s, image $((size / 1000000)) MB)"
