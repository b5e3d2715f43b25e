#!/usr/bin/env bash
# registry.sh - fetch the registry the workflow tests push to and pull from.
#
#   registry.sh fetch   download Debian's docker-registry (distribution 2.8) with apt-get,
#                       using the machine's apt sources but private apt state, unpack it with
#                       `dpkg-deb -x` into the cache, and print the path of its binary.
#
# Nothing is installed system-wide. The tests start the registry themselves, on a loopback port
# with htpasswd authentication (tests/src/registry.rs), and stop it when they end.
# REGISTRY_CACHE overrides the cache directory (default <repo>/target/registry-cache).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
CACHE=${REGISTRY_CACHE:-$REPO_ROOT/target/registry-cache}
BIN="$CACHE/root/usr/bin/docker-registry"

die() { printf '[registry] ERROR: %s\n' "$*" >&2; exit 1; }

fetch() {
  mkdir -p "$CACHE"
  exec 9>"$CACHE/.lock"
  flock -w 600 9 || die "could not lock $CACHE"
  if [ -x "$BIN" ]; then echo "$BIN"; return; fi
  local apt="$CACHE/apt"
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$CACHE/debs"
  local opts=(-q -o APT::Sandbox::User=root -o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache")
  printf '[registry] apt-get update (private lists in %s)\n' "$apt/lists" >&2
  apt-get "${opts[@]}" update >"$apt/update.log" 2>&1 \
    || { tail -n 20 "$apt/update.log" >&2; die "apt-get update failed (log: $apt/update.log)"; }
  (cd "$CACHE/debs" && apt-get "${opts[@]}" download docker-registry >"$apt/download.log" 2>&1) \
    || { tail -n 20 "$apt/download.log" >&2; die "apt-get download docker-registry failed"; }
  rm -rf "$CACHE/root.tmp"; mkdir -p "$CACHE/root.tmp"
  dpkg-deb -x "$(ls "$CACHE"/debs/docker-registry_*.deb | head -n 1)" "$CACHE/root.tmp"
  rm -rf "$CACHE/root"; mv "$CACHE/root.tmp" "$CACHE/root"
  [ -x "$BIN" ] || die "the package has no $BIN"
  echo "$BIN"
}

case ${1:-help} in
  fetch) fetch ;;
  *) echo "usage: $0 fetch" >&2; exit 2 ;;
esac
