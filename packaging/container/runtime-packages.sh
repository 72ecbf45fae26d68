#!/usr/bin/env bash
# Prints, one a line, the Debian packages that hold the shared libraries BINARY loads (ldd),
# so the image's runtime stage installs exactly those and no -dev package or compiler. Run in
# the build stage, where the binary was linked against the very libraries it names. Fails if a
# library is missing or belongs to no package, rather than leave the image without it.
set -euo pipefail
binary=${1:?usage: runtime-packages.sh BINARY}

# dpkg records a library under the path its package ships it at, which on a merged-/usr system
# may be /lib/... or /usr/lib/..., while ldd names the path the loader cache found: try both
# spellings, before and after resolving symlinks.
owner() {
  local path=$1 real candidate found package
  real=$(readlink -f "$path")
  for candidate in "$path" "$real" "/usr$path" "/usr$real" "${path#/usr}" "${real#/usr}"; do
    found=$(dpkg -S "$candidate" 2>/dev/null) || continue
    # "libssl3:amd64: /usr/lib/x86_64-linux-gnu/libssl.so.3"; skip "diversion by ..." lines.
    package=$(awk -F': ' '!/^diversion by/ { print $1; exit }' <<<"$found")
    package=${package%%:*}
    if [[ -n $package ]]; then
      echo "$package"
      return 0
    fi
  done
  echo "runtime-packages: no package owns $path" >&2
  return 1
}

if ldd "$binary" | grep -q 'not found'; then
  ldd "$binary" >&2
  echo "runtime-packages: $binary has unresolved libraries" >&2
  exit 1
fi
# "libfoo.so.1 => /lib/x86_64-linux-gnu/libfoo.so.1 (0x...)" and the loader's own line
# "/lib64/ld-linux-x86-64.so.2 (0x...)"; linux-vdso has no file.
mapfile -t libraries < <(ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
if ((${#libraries[@]} == 0)); then
  echo "runtime-packages: ldd found no libraries in $binary" >&2
  exit 1
fi
for library in "${libraries[@]}"; do
  owner "$library"
done | sort -u
