#!/usr/bin/env bash
# Makes (or reuses) a minimal Debian 12 root file system in DIR with
#   debootstrap --variant=minbase bookworm DIR
# for the tests that need a fresh machine: the container test imports it as the base image,
# the package test installs the .deb into a copy of it. Callers take the directory from
# VESTIBULE_BOOKWORM_ROOT when set (one bootstrap shared by several runs) and never change it. DIR.complete (beside it, not in it) marks a finished
# bootstrap, so an interrupted one is started over instead of reused. Needs root and
# debootstrap (installed here if missing); the mirror is VESTIBULE_DEBIAN_MIRROR or Debian's.
set -euo pipefail
dir=${1:?usage: scripts/bookworm-root.sh DIR}
mirror=${VESTIBULE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
if [[ -f "$dir.complete" ]]; then
  exit 0
fi
if ! command -v debootstrap >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi
rm -rf "$dir" "$dir.complete"
mkdir -p "$(dirname "$dir")"
debootstrap --variant=minbase bookworm "$dir" "$mirror" >"$dir.log" 2>&1 || {
  echo "bookworm-root: debootstrap failed, see $dir.log" >&2
  exit 1
}
touch "$dir.complete"
