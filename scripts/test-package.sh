#!/usr/bin/env bash
# The Debian package, end to end, on a fresh Debian 12:
#   scripts/test-package.sh BUILD_DIR
# builds vestibule_*.deb with cpack from a Release build dir (configured and built there if
# missing), installs it with `apt-get install ./vestibule_*.deb` into a copy of a minbase
# bookworm root (scripts/bookworm-root.sh; VESTIBULE_BOOKWORM_ROOT reuses a finished one, which
# is never changed), checks what the package laid out, verifies and scores the unit, runs the
# server as the package's user with the package's env file, registers an account, stops it;
# boots the root with systemd-nspawn to run the unit under systemd (that stage alone is skipped,
# with a message, where nspawn cannot boot); then removes and purges the package and checks the
# data stays. Needs root (chroot, mounts). Prints "skipped: REASON" and exits 0 only when a
# chroot cannot be made here; any other failure exits non-zero with a message. Cleans up (kills
# what it started, unmounts, deletes its copy) on every exit.
set -euo pipefail

build=$(realpath -m "${1:?usage: scripts/test-package.sh BUILD_DIR}")
here=$(cd "$(dirname "$0")" && pwd)
source_dir=$(dirname "$here")
# systemd-analyze security's overall exposure (systemd 252, bookworm): 1.4 when measured.
max_exposure=${VESTIBULE_MAX_EXPOSURE:-1.5}
started=$(date +%s)

say() { echo "test-package: $*"; }
fail() {
  echo "test-package: FAIL: $*" >&2
  exit 1
}
skip() {
  echo "test-package: skipped: $*"
  exit 0
}

[[ $(id -u) -eq 0 ]] || skip "needs root for chroot and mounts"
command -v chroot >/dev/null || skip "no chroot command"

# --- the package --------------------------------------------------------------------------
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-/work} CCACHE_DIR=${CCACHE_DIR:-/work/.ccache}
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  say "configuring a Release build in $build"
  launcher=()
  if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
  cmake -S "$source_dir" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DVESTIBULE_BUILD_TESTS=OFF \
    "${launcher[@]}" >/dev/null
fi
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt")
sanitize=$(sed -n 's/^VESTIBULE_SANITIZE:[A-Z]*=//p' "$build/CMakeCache.txt")
[[ $build_type == Release ]] || fail "$build is a '$build_type' build; the package is made from a Release one"
[[ -z $sanitize ]] || fail "$build is built with sanitizers ($sanitize); the package is made without"
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:[A-Z]*=//p' "$build/CMakeCache.txt")
[[ -n $version ]] || fail "no CMAKE_PROJECT_VERSION in $build/CMakeCache.txt"

# dpkg-dev: cpack's dependency scan; curl and python3 drive the server in the root from here
# (a chroot shares the host's network).
if ! command -v dpkg-shlibdeps >/dev/null || ! command -v python3 >/dev/null || ! command -v curl >/dev/null ||
  ! command -v systemd-nspawn >/dev/null; then
  "$here/setup.sh" --package
fi
cmake --build "$build" --target vestibule -j2 >/dev/null || fail "building vestibule in $build"
rm -rf "$build/package"
(cd "$build" && cpack -G DEB -B "$build/package" >"$build/cpack.log" 2>&1) || fail "cpack, see $build/cpack.log"
debs=("$build"/package/vestibule_*.deb)
[[ ${#debs[@]} -eq 1 && -f ${debs[0]} ]] || fail "cpack made no single vestibule_*.deb in $build/package"
deb=${debs[0]}
deb_version=$(dpkg-deb -f "$deb" Version)
[[ $deb_version == "$version" ]] || fail "package version '$deb_version', project version '$version'"
dpkg-deb -f "$deb" Depends | grep -q 'john-data' || fail "Depends lacks john-data"
say "built $(basename "$deb") ($(stat -c %s "$deb") bytes)"

# --- a fresh Debian 12 root ------------------------------------------------------------------
# Shared with scripts/test-container.sh: one bootstrap for both (relative to the current directory).
base=$(realpath -m "${VESTIBULE_BOOKWORM_ROOT:-build/bookworm-root}")
if [[ ! -f "$base.complete" ]]; then
  command -v debootstrap >/dev/null || "$here/setup.sh" --package || skip "cannot install debootstrap"
  say "bootstrapping Debian 12 into $base (minutes)"
  "$here/bookworm-root.sh" "$base" || skip "debootstrap cannot run here (see $base.log)"
fi

work=$(mktemp -d "$build/package-test.XXXXXX")
root="$work/root"
mounted=()
server_pid=""
notify_pid=""
container_init=""  # PID 1 of the systemd-nspawn container, as the host sees it
nspawn_pid=""

# Processes whose root directory is our copy: ours, whatever became of them.
chroot_pids() {
  local p
  for p in /proc/[0-9]*; do
    if [[ $(readlink "$p/root" 2>/dev/null) == "$root" ]]; then echo "${p#/proc/}"; fi
  done
}

cleanup() {
  local status=$? m p
  if [[ -n $notify_pid ]]; then kill "$notify_pid" 2>/dev/null || true; fi
  # Killing the container's PID 1 ends its PID namespace, every process in it, and nspawn.
  if [[ -n $container_init ]]; then kill -KILL "$container_init" 2>/dev/null || true; fi
  if [[ -n $nspawn_pid ]]; then
    for ((m = 0; m < 50; m++)); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$nspawn_pid" 2>/dev/null || true
  fi
  for p in $(chroot_pids); do kill -KILL "$p" 2>/dev/null || true; done
  unmount_root
  # Never delete through a mount still in place: that would reach the host's /dev or /sys.
  if grep -q " $root/" /proc/mounts || grep -q " $root " /proc/mounts; then
    echo "test-package: mounts under $root remain; not deleting it" >&2
    status=1
  else
    rm -rf --one-file-system "$work"
  fi
  say "took $(($(date +%s) - started)) s"
  exit "$status"
}
mount_root() {
  local fs
  for fs in proc sys dev; do
    case $fs in
      proc) mount -t proc proc "$root/proc" 2>/dev/null || mount --bind /proc "$root/proc" || skip "cannot mount proc" ;;
      *) mount --bind "/$fs" "$root/$fs" || skip "cannot bind-mount /$fs" ;;
    esac
    mounted+=("$root/$fs")
  done
}
unmount_root() {
  local m
  for ((m = ${#mounted[@]} - 1; m >= 0; m--)); do
    umount "${mounted[m]}" 2>/dev/null || umount -l "${mounted[m]}" 2>/dev/null || true
  done
  mounted=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "copying $base"
cp -a "$base/." "$root"
mount_root
cp -L /etc/resolv.conf "$root/etc/resolv.conf"

in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }

# --- install ---------------------------------------------------------------------------------
cp "$deb" "$root/tmp/"
install_deb() { in_root sh -c "cd /tmp && apt-get install -y -q ./$(basename "$deb")" >>"$work/apt.log" 2>&1; }
say "apt-get install ./$(basename "$deb")"
if ! install_deb; then
  # The copy's package lists may be older than the mirror: refresh them once.
  in_root apt-get update -q >>"$work/apt.log" 2>&1 || fail "apt-get update in the root: $(tail -5 "$work/apt.log")"
  install_deb || fail "apt-get install: $(tail -20 "$work/apt.log")"
fi

out=$(in_root vestibule --version) || fail "vestibule --version exited non-zero"
[[ $out == "vestibule $version" ]] || fail "vestibule --version printed '$out', want 'vestibule $version'"
[[ -x $root/usr/bin/vestibule ]] || fail "no /usr/bin/vestibule"

passwd_line=$(in_root getent passwd vestibule) || fail "no vestibule user"
IFS=: read -r _ _ uid _ _ home shell <<<"$passwd_line"
in_root getent group vestibule >/dev/null || fail "no vestibule group"
((uid < 1000)) || fail "vestibule is not a system user (uid $uid)"
[[ $home == /var/lib/vestibule ]] || fail "vestibule's home is $home"
[[ $shell == /usr/sbin/nologin ]] || fail "vestibule's shell is $shell, want /usr/sbin/nologin"
[[ $(in_root stat -c '%U:%G %a' /var/lib/vestibule) == "vestibule:vestibule 750" ]] ||
  fail "/var/lib/vestibule is $(in_root stat -c '%U:%G %a' /var/lib/vestibule), want vestibule:vestibule 750"
[[ $(in_root stat -c '%U:%G %a' /etc/vestibule/vestibule.env) == "root:root 640" ]] ||
  fail "/etc/vestibule/vestibule.env is $(in_root stat -c '%U:%G %a' /etc/vestibule/vestibule.env), want root:root 640"
grep -qx 'VESTIBULE_LISTEN=127.0.0.1:9443' "$root/etc/vestibule/vestibule.env" || fail "env file: no VESTIBULE_LISTEN"
grep -qx 'VESTIBULE_STORE=sqlite:/var/lib/vestibule/vestibule.db' "$root/etc/vestibule/vestibule.env" ||
  fail "env file: no VESTIBULE_STORE"
conffiles=$(in_root dpkg-query -W -f='${Conffiles}' vestibule)
[[ $conffiles == *" /etc/vestibule/vestibule.env "* ]] || fail "/etc/vestibule/vestibule.env is not a conffile"
unit=/usr/lib/systemd/system/vestibule.service
[[ -f $root$unit ]] || fail "no $unit"
grep -qx 'Type=notify' "$root$unit" || fail "the unit is not Type=notify"
# Enabled for the next boot, and nothing started: systemd does not run in a chroot.
[[ -L $root/etc/systemd/system/multi-user.target.wants/vestibule.service ]] || fail "the unit is not enabled"
say "installed: --version, user, /var/lib/vestibule, env file, unit"

# --- the unit: systemd-analyze (systemd 252 of the root; systemd is not PID 1 here) ------------
in_root apt-get install -y -q --no-install-recommends systemd >>"$work/apt.log" 2>&1 ||
  fail "installing systemd in the root: $(tail -5 "$work/apt.log")"
in_root systemd-analyze verify vestibule.service >"$work/verify.log" 2>&1 ||
  fail "systemd-analyze verify: $(cat "$work/verify.log")"
[[ ! -s $work/verify.log ]] || fail "systemd-analyze verify warned: $(cat "$work/verify.log")"
exposure=$(in_root systemd-analyze security --offline=true vestibule.service 2>&1 |
  sed -n 's/.*Overall exposure level for vestibule.service: \([0-9.]*\).*/\1/p')
[[ -n $exposure ]] || fail "no exposure level from systemd-analyze security"
awk -v e="$exposure" -v m="$max_exposure" 'BEGIN { exit !(e <= m) }' ||
  fail "systemd-analyze security: exposure $exposure above $max_exposure"
say "systemd-analyze verify passed; security exposure $exposure (at most $max_exposure)"

# --- the server, as the package's user with the package's settings -----------------------------
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$root/run/vestibule-test"
# The service manager's end of Type=notify: what sd_notify sends, one datagram a line.
python3 - "$root/run/vestibule-test/notify.sock" >"$work/notify.log" 2>&1 <<'EOF' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
s.settimeout(120)  # bounded: the script kills it sooner
while True:
    print(s.recv(4096).decode(), flush=True)
EOF
notify_pid=$!
for ((i = 0; i < 50; i++)); do
  [[ -S $root/run/vestibule-test/notify.sock ]] && break
  sleep 0.1
done
[[ -S $root/run/vestibule-test/notify.sock ]] || fail "the notify listener did not start: $(cat "$work/notify.log")"

# As systemd would: the env file read as root, then the vestibule user, umask 0077, in its home.
chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin NOTIFY_SOCKET=/run/vestibule-test/notify.sock \
  PORT="$port" /bin/sh -c 'set -a; . /etc/vestibule/vestibule.env; VESTIBULE_LISTEN=127.0.0.1:$PORT; set +a
    umask 0077; cd /var/lib/vestibule
    exec setpriv --reuid vestibule --regid vestibule --init-groups -- /usr/bin/vestibule serve' \
  >"$work/server.log" 2>&1 &
server_pid=$!
base_url="http://127.0.0.1:$port"
deadline=$(($(date +%s) + 30))
until curl -fsS --max-time 2 "$base_url/healthz" >/dev/null 2>&1; do
  kill -0 "$server_pid" 2>/dev/null || fail "the server exited: $(tail -20 "$work/server.log")"
  (($(date +%s) < deadline)) || fail "no /healthz answer within 30 s: $(tail -20 "$work/server.log")"
  sleep 0.2
done
[[ $(stat -c %u "/proc/$server_pid") == "$uid" ]] || fail "the server does not run as vestibule (uid $uid)"
grep -qx 'READY=1' "$work/notify.log" || fail "no READY=1 on NOTIFY_SOCKET: $(cat "$work/notify.log")"

status=$(curl -sS --max-time 20 -o "$work/register.json" -w '%{http_code}' "$base_url/v1/users" \
  -H 'Content-Type: application/json' \
  -d '{"name":"Ann","email":"ann@example.com","password":"correct horse battery staple"}') || true
[[ $status == 201 ]] || fail "registration answered $status: $(cat "$work/register.json")"
status=$(curl -sS --max-time 20 -o "$work/login.json" -w '%{http_code}' "$base_url/v1/sessions" \
  -H 'Content-Type: application/json' -d '{"email":"ann@example.com","password":"correct horse battery staple"}') || true
[[ $status == 201 ]] || fail "login answered $status"
say "server as vestibule on $base_url: /healthz, READY=1, register 201, login 201"

kill -TERM "$server_pid"
deadline=$(($(date +%s) + 30))
while kill -0 "$server_pid" 2>/dev/null; do
  (($(date +%s) < deadline)) || fail "the server did not stop within 30 s of SIGTERM"
  sleep 0.2
done
server_status=0
wait "$server_pid" || server_status=$?
[[ $server_status -eq 0 ]] || fail "the server exited $server_status after SIGTERM: $(tail -20 "$work/server.log")"
grep -qx 'STOPPING=1' "$work/notify.log" || fail "no STOPPING=1 on NOTIFY_SOCKET: $(cat "$work/notify.log")"
[[ $(in_root stat -c '%U %a' /var/lib/vestibule/vestibule.db) == "vestibule 600" ]] ||
  fail "vestibule.db is $(in_root stat -c '%U %a' /var/lib/vestibule/vestibule.db), want vestibule 600"
say "SIGTERM: STOPPING=1, exit 0; vestibule.db owned by vestibule, 0600"

# --- under systemd: the root booted with systemd-nspawn (optional: needs systemd-container) -----
# The unit as systemd runs it: sandbox applied, started at boot because postinst enabled it,
# ready by sd_notify, stopped cleanly; then apt-get remove, whose prerm stops it.
removed=""
boot_log="$work/nspawn.log"
booted() {
  command -v systemd-nspawn >/dev/null || { say "systemd boot skipped: no systemd-nspawn (systemd-container)"; return 1; }
  unmount_root  # nspawn mounts its own /proc, /sys and /dev
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  sed -i "s/^VESTIBULE_LISTEN=.*/VESTIBULE_LISTEN=127.0.0.1:$port/" "$root/etc/vestibule/vestibule.env"
  systemd-nspawn -D "$root" --register=no --keep-unit --console=pipe -b >"$boot_log" 2>&1 </dev/null &
  nspawn_pid=$!
  local deadline=$(($(date +%s) + 30)) state
  while [[ -z $container_init ]]; do
    kill -0 "$nspawn_pid" 2>/dev/null || { say "systemd boot skipped: systemd-nspawn exited: $(tail -3 "$boot_log")"; nspawn_pid=""; return 1; }
    (($(date +%s) < deadline)) || { say "systemd boot skipped: no container within 30 s"; return 1; }
    container_init=$(pgrep -P "$nspawn_pid" -x systemd || true)
    sleep 0.2
  done
  # Booted once its systemd answers; a boot that never finishes (a unit stuck starting) is
  # vestibule's failure to find below, not a reason to skip.
  deadline=$(($(date +%s) + 60))
  state=""
  while (($(date +%s) < deadline)); do
    state=$(timeout 5 nsenter -t "$container_init" -a systemctl is-system-running 2>/dev/null || true)
    [[ $state == running || $state == degraded ]] && break
    sleep 0.5
  done
  case $state in
    running | degraded | starting | initializing | maintenance | stopping) return 0 ;;
    *) say "systemd boot skipped: the container's systemd does not answer ('$state')"; return 1 ;;
  esac
}
in_container() { nsenter -t "$container_init" -a /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }
if booted; then
  base_url="http://127.0.0.1:$port"
  [[ $(in_container systemctl is-active vestibule.service) == active ]] ||
    fail "vestibule.service is not active after boot: $(in_container systemctl status --no-pager vestibule.service | tail -15)"
  curl -fsS --max-time 5 "$base_url/healthz" >/dev/null || fail "no /healthz from the unit on $base_url"
  main_pid=$(in_container systemctl show -p MainPID --value vestibule.service)
  sandbox=$(in_container grep -E '^(NoNewPrivs|Seccomp|CapEff|CapBnd):' "/proc/$main_pid/status" | tr -s '\t\n' '  ' | sed 's/ $//')
  [[ $sandbox == *"CapEff: 0000000000000000"* && $sandbox == *"CapBnd: 0000000000000000"* &&
     $sandbox == *"NoNewPrivs: 1"* && $sandbox == *"Seccomp: 2"* ]] || fail "the unit's process is not sandboxed: $sandbox"
  status=$(curl -sS --max-time 20 -o "$work/register.json" -w '%{http_code}' "$base_url/v1/users" \
    -H 'Content-Type: application/json' \
    -d '{"name":"Bob","email":"bob@example.com","password":"correct horse battery staple"}') || true
  [[ $status == 201 ]] || fail "registration under systemd answered $status: $(cat "$work/register.json")"
  in_container systemctl stop vestibule.service
  result=$(in_container systemctl show -p Result -p ExecMainStatus --value vestibule.service | tr '\n' ' ')
  [[ $result == "success 0 " ]] || fail "systemctl stop: Result and ExecMainStatus are '$result'"
  in_container systemctl start vestibule.service || fail "systemctl start: $(in_container journalctl -u vestibule --no-pager | tail -10)"
  say "under systemd: started at boot, /healthz, sandboxed ($sandbox), register 201, stop: success, start"
  in_container apt-get remove -y -q vestibule >>"$work/apt.log" 2>&1 || fail "apt-get remove under systemd: $(tail -10 "$work/apt.log")"
  [[ $(in_container systemctl is-active vestibule.service) != active ]] || fail "apt-get remove left the server running"
  removed=yes
  kill -s RTMIN+4 "$container_init"  # systemd's signal for poweroff.target (no D-Bus in the root)
  deadline=$(($(date +%s) + 30))
  while kill -0 "$nspawn_pid" 2>/dev/null; do
    (($(date +%s) < deadline)) || fail "the container did not power off within 30 s"
    sleep 0.2
  done
  nspawn_pid=""
  container_init=""
  say "apt-get remove under systemd stopped the server; container powered off"
fi
[[ -z $nspawn_pid ]] || { kill -KILL "$container_init" "$nspawn_pid" 2>/dev/null || true; wait "$nspawn_pid" 2>/dev/null || true; nspawn_pid=""; container_init=""; }
((${#mounted[@]})) || mount_root

# --- remove keeps the data and the settings; purge keeps the data ------------------------------
if [[ -z $removed ]]; then
  in_root apt-get remove -y -q vestibule >>"$work/apt.log" 2>&1 || fail "apt-get remove: $(tail -10 "$work/apt.log")"
fi
[[ ! -e $root/usr/bin/vestibule ]] || fail "/usr/bin/vestibule remains after remove"
[[ -f $root/var/lib/vestibule/vestibule.db ]] || fail "remove deleted /var/lib/vestibule/vestibule.db"
in_root getent passwd vestibule >/dev/null || fail "remove deleted the vestibule user"
[[ -f $root/etc/vestibule/vestibule.env ]] || fail "remove deleted the conffile"
say "remove: binary gone; vestibule.db, the user and the env file remain"

in_root apt-get purge -y -q vestibule >>"$work/apt.log" 2>&1 || fail "apt-get purge: $(tail -10 "$work/apt.log")"
[[ ! -e $root/etc/vestibule ]] || fail "/etc/vestibule remains after purge"
[[ -f $root/var/lib/vestibule/vestibule.db ]] || fail "purge deleted /var/lib/vestibule/vestibule.db"
in_root getent passwd vestibule >/dev/null || fail "purge deleted the vestibule user"
say "purge: /etc/vestibule gone; vestibule.db and the user remain"
say "passed"
