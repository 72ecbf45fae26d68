#!/usr/bin/env bash
# Installs the Debian 12 packages Vestibule builds and tests with, skipping those already
# present. Needs root (or sudo) only when something is missing.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config git ca-certificates libssl-dev
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsodium-dev libargon2-dev libcrypt-dev libidn2-dev libunistring-dev libsqlite3-dev libhiredis-dev
  libspdlog-dev libfmt-dev libcli11-dev
  libcurl4-openssl-dev  # the mail courier's SMTP client
  prometheus-cpp-dev  # the metrics' data model and text format (its core library only)
  libsystemd-dev  # sd_notify: the systemd unit's Type=notify readiness
  john-data  # its password.lst is the default --common-passwords blocklist
)
case "${1:-}" in
  # The tests start their own redis-server and SMTP server (aiosmtpd, run by /usr/bin/python3),
  # and make hashes to import with independent tools: passlib (with argon2-cffi and bcrypt),
  # openssl kdf, and mkpasswd (whois). A real /metrics scrape is checked with promtool (prometheus),
  # TOTP codes against oathtool's.
  --test) packages+=(libgtest-dev libgmock-dev libbenchmark-dev redis-server openssl python3-aiosmtpd
                     python3-passlib python3-argon2 python3-bcrypt whois prometheus oathtool) ;;
  --redis) packages+=(redis-server) ;;
  # scripts/test-package.sh: cpack's dependency scan (dpkg-shlibdeps), the Debian 12 root, and
  # what drives the server in it; systemd-nspawn boots it with systemd.
  --package) packages+=(dpkg-dev debootstrap curl python3 systemd-container) ;;
  # bench/run.sh: the harness is built with the tests, drives load with wrk and draws with gnuplot.
  --bench) packages+=(libgtest-dev libgmock-dev libbenchmark-dev redis-server openssl wrk gnuplot-nox) ;;
  # scripts/install-browser.sh: the account page's browser test drives Debian's chromium.
  --browser) packages+=(chromium) ;;
esac

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
