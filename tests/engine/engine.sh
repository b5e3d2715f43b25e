#!/usr/bin/env bash
# engine.sh - provision and run throwaway container engines for the integration tests.
#
#   v26   : Debian trixie docker.io 26.1.5 (API 1.45) + trixie containerd 1.7
#   v20   : Debian bookworm docker.io 20.10 (API 1.41 max) + bookworm containerd 1.6
#   v28   : Debian sid docker.io 28.5.2 (API 1.51) + sid containerd 2.1
#   docker: bookworm runc 1.1.5 and tini (newer runc needs a newer glibc than bookworm's)
#   podman: Debian bookworm podman 4.3.1 (Docker-compatible API 1.41) with conmon and runc,
#           serving `podman system service` as root
#
# Nothing is installed system-wide: the .debs are fetched with apt-get using a private
# sources list and private apt state, then unpacked with `dpkg-deb -x` into a cache dir.
# The engines listen on unix sockets under the state dir and run without a bridge. Unless
# ENGINE_TCP=0, v26 and v20 also listen on a loopback TCP port: v26 with --tlsverify
# (certificates generated into <state>/tls with openssl), v20 in plain HTTP.
#
# Usage: engine.sh fetch [ENGINE|all] | start [ENGINE|all] | stop [ENGINE|all]
#                  | status [ENGINE|all] | import [ENGINE|all] | clean | help
#        ENGINE: v26, v20, v28 or podman
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
CACHE=${ENGINE_CACHE:-$REPO_ROOT/target/engine-cache}
STATE=${ENGINE_STATE:-$REPO_ROOT/target/engine-state}
case $CACHE in /*) ;; *) CACHE=$PWD/$CACHE ;; esac   # dockerd and the pid checks need
case $STATE in /*) ;; *) STATE=$PWD/$STATE ;; esac   # absolute paths
START_TIMEOUT=${ENGINE_START_TIMEOUT:-30}  # seconds to wait for /_ping
STOP_TIMEOUT=${ENGINE_STOP_TIMEOUT:-30}    # seconds to wait for a process to exit after SIGTERM
APT_SOURCES_FILE=/etc/apt/sources.list.d/debian.sources
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
ALL_ENGINES=(v26 v20 v28 podman)

log() { printf '[engine] %s\n' "$*" >&2; }
die() { printf '[engine] ERROR: %s\n' "$*" >&2; exit 1; }

# Serialise concurrent runs of this script on the same cache / state dir.
lock_dir() {  # lock_dir FD DIR
  mkdir -p "$2"
  eval "exec $1>\"\$2/.lock\""
  flock -w 300 "$1" || die "could not lock $2 (another engine.sh still running?)"
}

need_cmd() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || die "required command '$c' not found (install it with apt-get)"
  done
}

# ---------------------------------------------------------------------------------------
# Per-engine facts
# ---------------------------------------------------------------------------------------
engine_root() { echo "$CACHE/$1/root"; }       # unpacked packages
engine_dir()  { echo "$STATE/$1"; }            # sockets, pidfile, data, logs
engine_kind() { case $1 in podman) echo podman ;; *) echo docker ;; esac; }
engine_sock() {
  case $1 in podman) echo "$STATE/podman/podman.sock" ;; *) echo "$STATE/$1/docker.sock" ;; esac
}
# The API version the script itself speaks to an engine (all of them serve it).
engine_api()  { case $1 in v26|v28) echo 1.43 ;; v20|podman) echo 1.41 ;; esac; }
# The variable `start` exports the engine's address in.
engine_var() {
  case $1 in
    v26) echo DOCKER_HOST ;; v20) echo DOCKER_HOST_V20 ;;
    v28) echo DOCKER_HOST_V28 ;; podman) echo DOCKER_HOST_PODMAN ;;
  esac
}
# "suite:package" list making up each engine's root
engine_pkgs() {
  case $1 in
    v26) echo "trixie:docker.io trixie:containerd bookworm:runc bookworm:tini" ;;
    v20) echo "bookworm:docker.io bookworm:containerd bookworm:runc bookworm:tini bookworm:libdevmapper1.02.1" ;;
    # sid's docker.io ships usr/bin/docker-init -> tini-static; bookworm's tini has tini-static.
    v28) echo "sid:docker.io sid:containerd bookworm:runc bookworm:tini" ;;
    # podman's libraries that a minimal Debian 12 may lack come along (libgpgme11 and
    # libassuan0, libsubid4, libglib2.0-0 for conmon, libdevmapper1.02.1); its configuration
    # files (seccomp.json) come from golang-github-containers-common.
    podman) echo "bookworm:podman bookworm:conmon bookworm:runc bookworm:tini" \
      "bookworm:golang-github-containers-common bookworm:libgpgme11 bookworm:libassuan0" \
      "bookworm:libsubid4 bookworm:libglib2.0-0 bookworm:libdevmapper1.02.1" ;;
  esac
}
BUSYBOX_TAR="$CACHE/busybox/rootfs.tar"

# ---------------------------------------------------------------------------------------
# Loopback TCP listeners: v26 on tcp://127.0.0.1:<port> with --tlsverify, v20 on a plain
# tcp://127.0.0.1:<port> (one dockerd cannot serve both); v28 and podman have none. Ports are
# picked free once and remembered in <state>/<engine>/tcp.port.
# ---------------------------------------------------------------------------------------
TCP_LISTEN=${ENGINE_TCP:-1}
TLS_DIR="$STATE/tls"
engine_port_file() { echo "$STATE/$1/tcp.port"; }
engine_tcp_mode() { case $1 in v26) echo tls ;; v20) echo plain ;; *) echo none ;; esac; }

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# pick_port ENGINE: a free loopback port, the one used last time when it is still free.
pick_port() {
  local f p base
  f=$(engine_port_file "$1")
  if [ -s "$f" ] && p=$(cat "$f") && [[ $p =~ ^[0-9]+$ ]] && port_free "$p"; then echo "$p"; return; fi
  base=$(( $(printf '%s' "$STATE/$1" | cksum | cut -d' ' -f1) % 8000 + 20000 ))
  for ((p = base; p < base + 500; p++)); do
    if port_free "$p"; then mkdir -p "$(dirname "$f")"; echo "$p" > "$f"; echo "$p"; return; fi
  done
  die "no free loopback port in $base..$((base + 499))"
}

# The TCP address a running engine listens on (its dockerd has the -H argument), if any.
engine_tcp_addr() {
  local e=$1 pid p
  [ "$TCP_LISTEN" = 0 ] && return 1
  [ "$(engine_tcp_mode "$e")" = none ] && return 1
  pid=$(server_pid "$e") || return 1
  p=$(cat "$(engine_port_file "$e")" 2>/dev/null) || return 1
  has_arg "$pid" "tcp://127.0.0.1:$p" && echo "tcp://127.0.0.1:$p"
}

# openssl, from the system or else unpacked from bookworm's packages into the cache.
openssl_cmd() {
  if command -v openssl >/dev/null 2>&1; then openssl "$@"; return; fi
  local root="$CACHE/openssl/root"
  if [ ! -x "$root/usr/bin/openssl" ]; then
    fetch_debs bookworm openssl libssl3
    rm -rf "$root.tmp"; mkdir -p "$root.tmp"
    dpkg-deb -x "$(deb_path bookworm openssl)" "$root.tmp"
    dpkg-deb -x "$(deb_path bookworm libssl3)" "$root.tmp"
    rm -rf "$root"; mv "$root.tmp" "$root"
  fi
  OPENSSL_CONF=/dev/null LD_LIBRARY_PATH="$root/usr/lib/x86_64-linux-gnu" "$root/usr/bin/openssl" "$@"
}

# A CA, a server certificate for 127.0.0.1/localhost and a client certificate, in $TLS_DIR:
# ca.pem, ca-key.pem, server-cert.pem, server-key.pem, and cert.pem, key.pem (the client's:
# with ca.pem, what DOCKER_CERT_PATH holds). Generated once per state dir.
gen_certs() {
  local d=$TLS_DIR t f
  for f in ca.pem ca-key.pem server-cert.pem server-key.pem cert.pem key.pem; do
    [ -s "$d/$f" ] || { t=missing; break; }
  done
  [ "${t:-}" = missing ] || return 0
  log "generating TLS certificates in $d"
  t="$d.tmp"; rm -rf "$t"; mkdir -p "$t"; chmod 700 "$t"
  printf '[req]\ndistinguished_name=dn\n[dn]\n' > "$t/req.cnf"
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n' > "$t/server.ext"
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n' > "$t/client.ext"
  (
    cd "$t"
    openssl_cmd req -config req.cnf -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -keyout ca-key.pem -out ca.pem -days 3650 -subj "/CN=docker-client test CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
    openssl_cmd req -config req.cnf -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -keyout server-key.pem -out server.csr -subj "/CN=localhost"
    openssl_cmd x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
      -out server-cert.pem -days 3650 -extfile server.ext
    openssl_cmd req -config req.cnf -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -keyout key.pem -out client.csr -subj "/CN=docker-client test client"
    openssl_cmd x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
      -out cert.pem -days 3650 -extfile client.ext
    rm -f ./*.csr ./*.ext ./*.srl req.cnf
    chmod 600 ca-key.pem server-key.pem key.pem
  ) >"$STATE/tls-gen.log" 2>&1 || { cat "$STATE/tls-gen.log" >&2; die "generating certificates failed"; }
  rm -rf "$d"; mv "$t" "$d"
}

check_engine_name() {
  case $1 in v26|v20|v28|podman) ;; *) die "unknown engine '$1' (expected v26, v20, v28, podman or all)" ;; esac
}
# Expand the optional [ENGINE|all] argument into the global ENGINES array.
parse_engines() {
  local a=${1:-all}
  if [ "$a" = all ]; then ENGINES=("${ALL_ENGINES[@]}"); else check_engine_name "$a"; ENGINES=("$a"); fi
}

# ---------------------------------------------------------------------------------------
# fetch: private apt state per suite, download .debs, unpack, build busybox rootfs tar
# ---------------------------------------------------------------------------------------

# URI of the stanza whose Suites include "bookworm" in the machine's deb822 sources file. The
# same mirror serves trixie and sid, which the private sources lists name instead.
mirror_uri() {
  if [ -n "${ENGINE_DEBIAN_MIRROR:-}" ]; then echo "$ENGINE_DEBIAN_MIRROR"; return; fi
  [ -r "$APT_SOURCES_FILE" ] || die "$APT_SOURCES_FILE not found; set ENGINE_DEBIAN_MIRROR to a Debian mirror URI"
  local line uri="" suites=()
  # A blank line ends a stanza; the extra empty "line" handles the last stanza.
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in
      URIs:*)   read -r uri _ <<<"${line#URIs:}" ;;           # first URI of the stanza
      Suites:*) read -r -a suites <<<"${line#Suites:}" ;;
      "")
        if [[ " ${suites[*]} " == *" bookworm "* && -n $uri ]]; then echo "$uri"; return; fi
        uri=""; suites=() ;;
    esac
  done < <(cat "$APT_SOURCES_FILE"; echo)
  die "no stanza with Suites: bookworm found in $APT_SOURCES_FILE; set ENGINE_DEBIAN_MIRROR"
}

# apt-get with a private sources list and private state/cache for one suite.
apt_private() {
  local suite=$1; shift
  local d="$CACHE/apt/$suite"
  apt-get -q \
    -o APT::Sandbox::User=root \
    -o Dir::Etc::SourceList="$d/sources.list" -o Dir::Etc::SourceParts=/dev/null \
    -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null \
    -o Dir::State::Lists="$d/lists" -o Dir::Cache="$d/cache" \
    "$@"
}

apt_update() {
  local suite=$1 d="$CACHE/apt/$1" uri
  uri=$(mirror_uri)
  mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
  echo "deb [signed-by=$KEYRING] $uri $suite main" > "$d/sources.list"
  log "apt-get update ($suite, private lists in $d)"
  apt_private "$suite" update >"$d/update.log" 2>&1 \
    || { tail -n 20 "$d/update.log" >&2; die "apt-get update for $suite failed (log: $d/update.log)"; }
}

# Download the given packages of one suite into $CACHE/debs/<suite>, skipping ones present.
fetch_debs() {
  local suite=$1; shift
  local dir="$CACHE/debs/$suite" p missing=()
  mkdir -p "$dir"
  for p in "$@"; do
    if compgen -G "$dir/${p}_*.deb" >/dev/null; then
      log "cached: $(basename "$(deb_path "$suite" "$p")")"
    else
      missing+=("$p")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  # Update the private lists if never done; retry once with fresh lists on failure.
  compgen -G "$CACHE/apt/$suite/lists/*_Packages*" >/dev/null || apt_update "$suite"
  log "apt-get download ($suite): ${missing[*]}"
  if ! (cd "$dir" && apt_private "$suite" download "${missing[@]}" >"$dir/download.log" 2>&1); then
    apt_update "$suite"
    (cd "$dir" && apt_private "$suite" download "${missing[@]}" >"$dir/download.log" 2>&1) \
      || { tail -n 20 "$dir/download.log" >&2; die "apt-get download (${missing[*]}) from $suite failed"; }
  fi
  for p in "${missing[@]}"; do
    compgen -G "$dir/${p}_*.deb" >/dev/null || die "package $p was not downloaded from $suite"
  done
}

deb_path() { local f=("$CACHE/debs/$1/${2}"_*.deb); echo "${f[0]}"; }

# Unpack an engine's packages into $CACHE/<engine>/root (skipped when the stamp matches).
unpack_engine() {
  local e=$1 root stamp sp debs=() want
  root=$(engine_root "$e")
  for sp in $(engine_pkgs "$e"); do debs+=("$(deb_path "${sp%%:*}" "${sp#*:}")"); done
  want=$(for d in "${debs[@]}"; do basename "$d"; done)
  stamp="$root/.unpacked-debs"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    log "cached: $e root at $root"
  else
    log "unpacking $e packages into $root"
    rm -rf "$root.tmp"; mkdir -p "$root.tmp"
    for d in "${debs[@]}"; do dpkg-deb -x "$d" "$root.tmp"; done
    echo "$want" > "$root.tmp/.unpacked-debs"
    rm -rf "$root"; mv "$root.tmp" "$root"
  fi
  check_root "$e"
}

# Library path for an engine (v20's dockerd and podman link libdevmapper, shipped in their
# roots; podman's other libraries too).
engine_ld_path() {
  local root ld="" d
  root=$(engine_root "$1")
  for d in "$root/lib/x86_64-linux-gnu" "$root/usr/lib/x86_64-linux-gnu"; do
    [ -d "$d" ] && ld="$ld${ld:+:}$d"
  done
  echo "$ld"
}

# Make sure every binary the engine needs is there and its shared libraries resolve.
check_root() {
  local e=$1 root b out need link
  root=$(engine_root "$e")
  case $(engine_kind "$e") in
    docker)
      need=(usr/sbin/dockerd usr/bin/containerd usr/bin/containerd-shim-runc-v2 usr/sbin/runc usr/bin/docker-init)
      link=(usr/sbin/dockerd usr/bin/containerd usr/bin/containerd-shim-runc-v2 usr/sbin/runc) ;;
    podman)
      need=(usr/bin/podman usr/bin/conmon usr/sbin/runc usr/bin/tini-static usr/share/containers/seccomp.json)
      link=(usr/bin/podman usr/bin/conmon usr/sbin/runc) ;;
  esac
  for b in "${need[@]}"; do
    [ -e "$root/$b" ] || die "$e: $root/$b missing; remove $root and run '$0 fetch $e'"
  done
  for b in "${link[@]}"; do
    out=$(LD_LIBRARY_PATH=$(engine_ld_path "$e") ldd "$root/$b" 2>&1 || true)
    if grep -q 'not found' <<<"$out"; then
      die "$e: $b has unresolved libraries: $(grep 'not found' <<<"$out" | tr -s ' \t' ' ')"
    fi
  done
}

# rootfs tar for a busybox image: /bin/busybox + one symlink per applet, minimal /etc.
build_busybox_tar() {
  if [ -s "$BUSYBOX_TAR" ]; then log "cached: $BUSYBOX_TAR"; return; fi
  local tmp="$CACHE/busybox/tmp" a
  log "building busybox rootfs tar $BUSYBOX_TAR"
  rm -rf "$tmp"; mkdir -p "$tmp/pkg" "$tmp/rootfs"
  dpkg-deb -x "$(deb_path bookworm busybox-static)" "$tmp/pkg"
  (
    cd "$tmp/rootfs"
    mkdir -p bin dev etc home proc root sys tmp usr/bin var
    chmod 1777 tmp; chmod 700 root
    install -m 0755 "$tmp/pkg/bin/busybox" bin/busybox
    for a in $(./bin/busybox --list); do
      [ "$a" = busybox ] || ln -sf busybox "bin/$a"
    done
    ln -sf /bin/env usr/bin/env
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n' > etc/passwd
    printf 'root:x:0:\nnobody:x:65534:\n' > etc/group
    for a in sh echo cat sleep ls true false env top ps; do
      [ -L "bin/$a" ] || die "busybox has no '$a' applet"
    done
  )
  # Reproducible tar: sorted, root-owned, fixed mtime.
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime='2000-01-01 00:00Z' \
    -cf "$BUSYBOX_TAR.tmp" -C "$tmp/rootfs" .
  mv "$BUSYBOX_TAR.tmp" "$BUSYBOX_TAR"
  rm -rf "$tmp"
}

cmd_fetch() {
  local e sp suite suites=() pkgs
  parse_engines "${1:-all}"
  need_cmd apt-get dpkg-deb tar ldd flock
  lock_dir 8 "$CACHE"
  [ -r "$KEYRING" ] || die "$KEYRING missing (package debian-archive-keyring)"
  log "cache dir: $CACHE"
  # The packages of the chosen engines, by suite (busybox-static for the test image).
  declare -A by_suite=([bookworm]="busybox-static")
  for e in "${ENGINES[@]}"; do
    for sp in $(engine_pkgs "$e"); do
      suite=${sp%%:*}
      [[ " ${by_suite[$suite]:-} " == *" ${sp#*:} "* ]] || by_suite[$suite]+=" ${sp#*:}"
    done
  done
  for suite in "${!by_suite[@]}"; do suites+=("$suite"); done
  for suite in $(printf '%s\n' "${suites[@]}" | sort); do
    read -r -a pkgs <<<"${by_suite[$suite]}"
    fetch_debs "$suite" "${pkgs[@]}"
  done
  for e in "${ENGINES[@]}"; do unpack_engine "$e"; done
  build_busybox_tar
  log "fetch done"
}

# ---------------------------------------------------------------------------------------
# Process helpers. A process is "ours" only if its command line holds an exact argument
# that names a path under this engine's state dir; nothing is matched by process name.
# ---------------------------------------------------------------------------------------
has_arg() {  # has_arg PID ARG
  local c
  c=$(tr '\0' '\n' 2>/dev/null <"/proc/$1/cmdline") || return 1
  grep -Fxq -- "$2" <<<"$c"
}

alive() {  # alive PID: exists and is not a zombie
  [ -d "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# PIDs whose command line holds ARG.
pids_with_arg() {
  local p
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [ "$p" = "$$" ] && continue
    if has_arg "$p" "$1"; then echo "$p"; fi
  done
}

# PIDs with an argument that is a path under DIR (podman's conmon and cleanup processes).
pids_with_arg_under() {
  local p
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [ "$p" = "$$" ] && continue
    if tr '\0' '\n' 2>/dev/null <"/proc/$p/cmdline" | grep -Fq -- "$1/"; then echo "$p"; fi
  done
}

# Prints the pid of this engine's server (dockerd, or `podman system service`) if it runs.
server_pid() {
  local dir pid
  dir=$(engine_dir "$1")
  case $(engine_kind "$1") in
    docker)
      [ -s "$dir/docker.pid" ] || return 1
      pid=$(cat "$dir/docker.pid")
      [[ $pid =~ ^[0-9]+$ ]] && has_arg "$pid" "$dir/docker.pid" && echo "$pid" ;;
    podman)
      [ -s "$dir/podman.pid" ] || return 1
      pid=$(cat "$dir/podman.pid")
      [[ $pid =~ ^[0-9]+$ ]] && has_arg "$pid" "unix://$(engine_sock "$1")" && echo "$pid" ;;
  esac
}

containerd_pids() {  # dockerd-managed containerd of this engine
  pids_with_arg "$(engine_dir "$1")/exec/containerd/containerd.toml"
}

shim_pids() {  # containerd shims connected to this engine's containerd
  pids_with_arg "$(engine_dir "$1")/exec/containerd/containerd.sock"
}

# SIGTERM the given pids, wait up to STOP_TIMEOUT, then SIGKILL what is left.
term_and_wait() {
  local what=$1; shift
  [ $# -eq 0 ] && return 0
  local p i alive=()
  log "stopping $what (pid $*)"
  kill -TERM "$@" 2>/dev/null || true
  for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
    alive=()
    for p in "$@"; do if alive "$p"; then alive+=("$p"); fi; done
    [ ${#alive[@]} -eq 0 ] && return 0
    sleep 0.1
  done
  log "$what did not exit in ${STOP_TIMEOUT}s, sending SIGKILL to ${alive[*]}"
  kill -KILL "${alive[@]}" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    alive=()
    for p in "$@"; do if alive "$p"; then alive+=("$p"); fi; done
    [ ${#alive[@]} -eq 0 ] && return 0
    sleep 0.1
  done
  die "$what (pid ${alive[*]}) still alive after SIGKILL"
}

# Unmount everything mounted at or below DIR (deepest first).
unmount_under() {
  local dir=$1 m
  mounts_under "$dir" | sort -r | while IFS= read -r m; do
    log "unmounting $m"
    umount "$m" 2>/dev/null || umount -l "$m" || log "warning: could not unmount $m"
  done
}

mounts_under() {
  local dir=$1 m
  # Field 5 of mountinfo is the mount point, with spaces etc. as octal escapes.
  while read -r _ _ _ _ m _; do
    m=$(printf '%b' "$m")
    if [[ $m == "$dir" || $m == "$dir/"* ]]; then echo "$m"; fi
  done </proc/self/mountinfo
}

# Stop running containers at once (t=0: SIGKILL right away), so the daemon's shutdown
# does not wait 10s per container that ignores SIGTERM; then SIGTERM the server (dockerd
# shuts down its containerd cleanly). Does not wait (lets engines shut down in parallel).
begin_stop() {
  local e=$1 pid ids id sock api
  sock=$(engine_sock "$e"); api=$(engine_api "$e")
  pid=$(server_pid "$e") || return 0
  if ping_ok "$sock"; then
    ids=$(api_get "$sock" "/v$api/containers/json" | grep -o '"Id":"[0-9a-f]*"' | cut -d'"' -f4 || true)
    for id in $ids; do
      log "$e: stopping container ${id:0:12}"
      api_get "$sock" "/v$api/containers/$id/stop?t=0" -X POST >/dev/null 2>&1 || true
    done
  fi
  log "$e: sending SIGTERM to $(server_name "$e") (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
}

server_log() { case $(engine_kind "$1") in docker) echo "$STATE/$1/dockerd.log" ;; podman) echo "$STATE/podman/podman.log" ;; esac; }
server_name() { case $(engine_kind "$1") in docker) echo dockerd ;; podman) echo "podman service" ;; esac; }

# Bring one engine down and remove everything left over (also used before a start).
stop_engine() {
  local e=$1 dir root pid ids id runc_root
  dir=$(engine_dir "$e"); root=$(engine_root "$e")
  [ -d "$dir" ] || { log "$e: no state dir, nothing to stop"; return 0; }
  # 1.+2. containers, then the server (SIGKILL if it does not exit in STOP_TIMEOUT).
  begin_stop "$e"
  if pid=$(server_pid "$e"); then term_and_wait "$e $(server_name "$e")" "$pid"; fi
  # (a server that exited may stay a zombie until init reaps it; that counts as gone)
  # 3. Leftovers after a crash / SIGKILL: containerd, containers, shims (conmon for podman).
  case $(engine_kind "$e") in
    docker)
      # shellcheck disable=SC2046
      term_and_wait "$e containerd" $(containerd_pids "$e")
      runc_root="$dir/exec/runtime-runc/moby" ;;
    podman) runc_root="$dir/runc" ;;
  esac
  if [ -x "$root/usr/sbin/runc" ] && [ -d "$runc_root" ]; then
    ids=$("$root/usr/sbin/runc" --root "$runc_root" list -q 2>/dev/null || true)
    for id in $ids; do
      log "removing leftover $e container $id"
      "$root/usr/sbin/runc" --root "$runc_root" delete --force "$id" || true
    done
  fi
  case $(engine_kind "$e") in
    # shellcheck disable=SC2046
    docker) term_and_wait "$e containerd shims" $(shim_pids "$e") ;;
    # conmon and `podman container cleanup` name paths under the state dir.
    # shellcheck disable=SC2046
    podman) term_and_wait "$e conmon and cleanup processes" $(pids_with_arg_under "$dir") ;;
  esac
  # 4. Mounts (data-root bind mount, overlay layers, netns files) and stale files.
  unmount_under "$dir"
  rm -f "$dir/docker.sock" "$dir/docker.pid" "$dir/exec/containerd/containerd.pid" \
    "$dir/podman.sock" "$dir/podman.pid" "$dir/launcher.pid" "$dir/launch.ms"
}

# ---------------------------------------------------------------------------------------
# start
# ---------------------------------------------------------------------------------------
now_ms() { date +%s%3N; }
elapsed() { local d=$(($(now_ms) - $1)); printf '%d.%03ds' $((d / 1000)) $((d % 1000)); }

ping_ok() { [ "$(curl -s --noproxy '*' --max-time 1 --unix-socket "$1" http://localhost/_ping 2>/dev/null)" = OK ]; }

# overlay2 if an overlay mount works on the state dir's filesystem, otherwise vfs.
STORAGE_DRIVER=""
choose_storage_driver() {
  [ -n "$STORAGE_DRIVER" ] && return
  if [ -n "${ENGINE_STORAGE_DRIVER:-}" ]; then
    STORAGE_DRIVER=$ENGINE_STORAGE_DRIVER; log "storage driver: $STORAGE_DRIVER (ENGINE_STORAGE_DRIVER)"; return
  fi
  local t="$STATE/.overlay-probe"
  rm -rf "$t"; mkdir -p "$t/lower" "$t/upper" "$t/work" "$t/merged"
  if mount -t overlay overlay -o "lowerdir=$t/lower,upperdir=$t/upper,workdir=$t/work" "$t/merged" 2>/dev/null; then
    umount "$t/merged"; STORAGE_DRIVER=overlay2
  else
    STORAGE_DRIVER=vfs
  fi
  rm -rf "$t"
  log "storage driver: $STORAGE_DRIVER"
}

launch_engine() {
  local e=$1 dir root sock path ld envs port tcp_args
  dir=$(engine_dir "$e"); root=$(engine_root "$e"); sock=$(engine_sock "$e")
  if server_pid "$e" >/dev/null && ping_ok "$sock"; then
    log "$e already running (pid $(server_pid "$e")), reusing it"; return 0
  fi
  stop_engine "$e"   # clear stale pidfiles, sockets, mounts and processes of a previous run
  mkdir -p "$dir"
  # Unix socket paths are limited to 107 bytes; containerd's is the longest one.
  path="$dir/exec/containerd/containerd.sock.ttrpc"
  [ ${#path} -lt 108 ] || die "state dir path too long for unix sockets ($path); set ENGINE_STATE to a shorter dir"
  choose_storage_driver
  if [ "$(engine_kind "$e")" = podman ]; then launch_podman; return; fi
  tcp_args=()
  if [ "$TCP_LISTEN" != 0 ]; then
    port=$(pick_port "$e")
    tcp_args=(-H "tcp://127.0.0.1:$port")
    if [ "$(engine_tcp_mode "$e")" = tls ]; then
      gen_certs
      tcp_args+=(--tlsverify --tlscacert "$TLS_DIR/ca.pem" --tlscert "$TLS_DIR/server-cert.pem"
        --tlskey "$TLS_DIR/server-key.pem")
    else
      tcp_args+=(--tls=false)
    fi
  fi
  [ -f "$dir/dockerd.log" ] && mv -f "$dir/dockerd.log" "$dir/dockerd.log.prev"
  log "starting $e dockerd (log: $dir/dockerd.log)"
  # PATH: dockerd finds containerd, containerd-shim-runc-v2 and runc in the engine root.
  # The proxy variables point at a closed loopback port, so an accidental image pull
  # fails at once instead of leaving the machine.
  envs=(PATH="$root/usr/sbin:$root/usr/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 NO_PROXY=
    http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 no_proxy=)
  ld=$(engine_ld_path "$e")
  if [ -n "$ld" ]; then envs+=(LD_LIBRARY_PATH="$ld"); else envs=(-u LD_LIBRARY_PATH "${envs[@]}"); fi
  env "${envs[@]}" setsid "$root/usr/sbin/dockerd" \
      --data-root "$dir/data" \
      --exec-root "$dir/exec" \
      --pidfile "$dir/docker.pid" \
      -H "unix://$sock" \
      "${tcp_args[@]}" \
      --group root \
      --init-path "$root/usr/bin/docker-init" \
      --storage-driver "$STORAGE_DRIVER" \
      --iptables=false --ip6tables=false --bridge=none \
      </dev/null >"$dir/dockerd.log" 2>&1 8>&- 9>&- &   # (8, 9: our lock files)
  echo $! > "$dir/launcher.pid"
  now_ms > "$dir/launch.ms"
}

# The configuration of the podman service, all under its state dir: containers.conf (passed
# in CONTAINERS_CONF, also to conmon, whose exit command `podman container cleanup` must see
# the same configuration and libraries), storage.conf, registries.conf, and a policy.json in
# $HOME/.config/containers (podman 4.3 reads it from no variable; the user file comes first).
write_podman_config() {
  local dir root ld
  dir=$(engine_dir podman); root=$(engine_root podman); ld=$(engine_ld_path podman)
  mkdir -p "$dir/bin" "$dir/cni" "$dir/cni-plugins" "$dir/tmp" "$dir/home/.config/containers"
  # runc keeps its state under the state dir, not in the machine's /run/runc.
  printf '#!/bin/sh\nexec %q --root %q "$@"\n' "$root/usr/sbin/runc" "$dir/runc" > "$dir/bin/runc"
  chmod 755 "$dir/bin/runc"
  cat > "$dir/containers.conf" <<EOF
# Written by tests/engine/engine.sh; rewritten at each start.
[containers]
netns = "none"
# The defaults (nofile 1048576) fail here with "setrlimit: Operation not permitted".
default_ulimits = ["nofile=1024:1024", "nproc=1000:1000"]
seccomp_profile = "$root/usr/share/containers/seccomp.json"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$dir/events.log"
init_path = "$root/usr/bin/tini-static"
conmon_path = ["$root/usr/bin/conmon"]
conmon_env_vars = ["PATH=$root/usr/sbin:$root/usr/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LD_LIBRARY_PATH=$ld", "HOME=$dir/home", "CONTAINERS_STORAGE_CONF=$dir/storage.conf", "CONTAINERS_REGISTRIES_CONF=$dir/registries.conf"]
runtime = "runc"
tmp_dir = "$dir/tmp"
static_dir = "$dir/storage/libpod"
volume_path = "$dir/storage/volumes"
lock_type = "file"

[engine.runtimes]
runc = ["$dir/bin/runc"]

[network]
network_backend = "cni"
cni_plugin_dirs = ["$dir/cni-plugins"]
network_config_dir = "$dir/cni"
EOF
  cat > "$dir/storage.conf" <<EOF
[storage]
driver = "$( [ "$STORAGE_DRIVER" = overlay2 ] && echo overlay || echo vfs )"
graphroot = "$dir/storage"
runroot = "$dir/run"
EOF
  printf 'unqualified-search-registries = ["docker.io"]\nshort-name-mode = "permissive"\n' > "$dir/registries.conf"
  printf '{"default": [{"type": "insecureAcceptAnything"}]}\n' > "$dir/home/.config/containers/policy.json"
}

launch_podman() {
  local dir root sock ld
  dir=$(engine_dir podman); root=$(engine_root podman); sock=$(engine_sock podman)
  ld=$(engine_ld_path podman)
  write_podman_config
  [ -f "$dir/podman.log" ] && mv -f "$dir/podman.log" "$dir/podman.log.prev"
  log "starting podman system service (log: $dir/podman.log)"
  env -u LD_LIBRARY_PATH \
    PATH="$root/usr/sbin:$root/usr/bin:/usr/sbin:/usr/bin:/sbin:/bin" LD_LIBRARY_PATH="$ld" \
    HOME="$dir/home" CONTAINERS_CONF="$dir/containers.conf" \
    CONTAINERS_STORAGE_CONF="$dir/storage.conf" CONTAINERS_REGISTRIES_CONF="$dir/registries.conf" \
    HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 NO_PROXY= \
    http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 no_proxy= \
    setsid "$root/usr/bin/podman" --log-level=info system service --time=0 "unix://$sock" \
    </dev/null >"$dir/podman.log" 2>&1 8>&- 9>&- &   # (8, 9: our lock files)
  echo $! > "$dir/podman.pid"
  echo $! > "$dir/launcher.pid"
  now_ms > "$dir/launch.ms"
}

wait_engine() {
  local e=$1 dir sock lpid start deadline
  dir=$(engine_dir "$e"); sock=$(engine_sock "$e")
  start=$(now_ms); deadline=$((start + START_TIMEOUT * 1000))
  lpid=$(cat "$dir/launcher.pid" 2>/dev/null || true)
  while [ "$(now_ms)" -lt "$deadline" ]; do
    if ping_ok "$sock"; then
      server_pid "$e" >/dev/null || die "$e answers on $sock but its pidfile is missing"
      if [ -f "$dir/launch.ms" ]; then
        log "$e ready $(elapsed "$(cat "$dir/launch.ms")") after launch (pid $(server_pid "$e"))"
      fi
      rm -f "$dir/launcher.pid" "$dir/launch.ms"
      return 0
    fi
    if [ -n "$lpid" ] && ! alive "$lpid" && ! server_pid "$e" >/dev/null; then
      tail -n 30 "$(server_log "$e")" >&2 || true
      die "$e $(server_name "$e") exited during startup (log: $(server_log "$e"))"
    fi
    sleep 0.1
  done
  tail -n 30 "$(server_log "$e")" >&2 || true
  die "$e not ready after ${START_TIMEOUT}s (log: $(server_log "$e"))"
}

# Import the busybox rootfs tar as busybox:latest (CMD ["sh"]) unless already there.
import_busybox() {
  local e=$1 sock api code
  sock=$(engine_sock "$e"); api=$(engine_api "$e")
  [ -s "$BUSYBOX_TAR" ] || die "$BUSYBOX_TAR missing; run '$0 fetch'"
  ping_ok "$sock" || die "$e is not running"
  code=$(curl -s --noproxy '*' -o /dev/null -w '%{http_code}' --unix-socket "$sock" \
    "http://localhost/v$api/images/busybox:latest/json")
  if [ "$code" = 200 ]; then log "$e: busybox:latest already present"; return 0; fi
  log "$e: importing $BUSYBOX_TAR as busybox:latest"
  # changes=CMD ["sh"]  (URL-encoded)
  api_get "$sock" "/v$api/images/create?fromSrc=-&repo=busybox&tag=latest&changes=CMD%20%5B%22sh%22%5D" \
    -X POST -H 'Content-Type: application/x-tar' --data-binary "@$BUSYBOX_TAR" >/dev/null 2>&1 \
    || die "$e: busybox import failed"
  api_get "$sock" "/v$api/images/busybox:latest/json" >/dev/null || die "$e: busybox:latest missing after import"
}
# api_get SOCK PATH [curl args...] -> response body; fails on HTTP errors.
api_get() {
  local sock=$1 path=$2; shift 2
  curl -sSf --noproxy '*' --max-time 60 --unix-socket "$sock" "$@" "http://localhost$path"
}

# Write <state>/env (and print it) for the engines that are running now.
write_env() {
  local out="" e addr
  for e in "${ALL_ENGINES[@]}"; do
    if server_pid "$e" >/dev/null && ping_ok "$(engine_sock "$e")"; then
      out+="export $(engine_var "$e")=unix://$(engine_sock "$e")"$'\n'
      if addr=$(engine_tcp_addr "$e"); then
        case $(engine_tcp_mode "$e") in
          tls) out+="export DOCKER_TLS_HOST=$addr"$'\n'"export DOCKER_TLS_CERTS=$TLS_DIR"$'\n' ;;
          plain) out+="export DOCKER_TCP_HOST_V20=$addr"$'\n' ;;
        esac
      fi
    fi
  done
  if [ -z "$out" ]; then rm -f "$STATE/env"; return 0; fi
  out+="export BUSYBOX_ROOTFS_TAR=$BUSYBOX_TAR"$'\n'
  mkdir -p "$STATE"
  printf '%s' "$out" > "$STATE/env.tmp" && mv "$STATE/env.tmp" "$STATE/env"
  printf '%s' "$out"
}

cmd_start() {
  local e t0
  parse_engines "${1:-all}"
  need_cmd curl setsid mount umount flock
  [ "$(id -u)" = 0 ] || die "must run as root (dockerd needs it)"
  lock_dir 9 "$STATE"
  t0=$(now_ms)
  cmd_fetch "${1:-all}"
  parse_engines "${1:-all}"
  for e in "${ENGINES[@]}"; do launch_engine "$e"; done   # start in parallel ...
  for e in "${ENGINES[@]}"; do wait_engine "$e"; done     # ... then wait for each
  for e in "${ENGINES[@]}"; do import_busybox "$e"; done
  log "started ${ENGINES[*]} in $(elapsed "$t0"); env written to $STATE/env"
  write_env
}

cmd_stop() {
  local e
  parse_engines "${1:-all}"
  [ -d "$STATE" ] || { log "no state dir $STATE, nothing to stop"; return 0; }
  lock_dir 9 "$STATE"
  for e in "${ENGINES[@]}"; do begin_stop "$e"; done   # shut down in parallel ...
  for e in "${ENGINES[@]}"; do stop_engine "$e"; done  # ... then wait and clean up
  write_env >/dev/null
  log "stopped ${ENGINES[*]}"
}

cmd_import() {
  local e
  parse_engines "${1:-all}"
  for e in "${ENGINES[@]}"; do import_busybox "$e"; done
}

cmd_status() {
  local e pid sock v rc=0
  parse_engines "${1:-all}"
  for e in "${ENGINES[@]}"; do
    sock=$(engine_sock "$e")
    if pid=$(server_pid "$e") && ping_ok "$sock"; then
      v=$(api_get "$sock" "/v$(engine_api "$e")/version" 2>/dev/null \
        | grep -o '"\(Version\|ApiVersion\)":"[^"]*"' | tail -n 2 | tr '\n' ' ' || true)
      echo "$e: running pid=$pid socket=$sock $v$(engine_tcp_addr "$e" | sed 's/^/tcp=/')"
    elif pid=$(server_pid "$e"); then
      echo "$e: process $pid alive but $sock not answering"; rc=3
    else
      echo "$e: stopped"; rc=3
    fi
  done
  [ -f "$STATE/env" ] && echo "env file: $STATE/env"
  return $rc
}

cmd_clean() {
  cmd_stop all
  unmount_under "$STATE"
  [ -z "$(mounts_under "$STATE")" ] || die "mounts left under $STATE, not removing it"
  log "removing $STATE"
  rm -rf "$STATE"
}

usage() {
  sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
  cat <<EOF

Environment: ENGINE_CACHE (default <repo>/target/engine-cache), ENGINE_STATE (default
<repo>/target/engine-state), ENGINE_START_TIMEOUT (30), ENGINE_STOP_TIMEOUT (30),
ENGINE_STORAGE_DRIVER (auto: overlay2, else vfs), ENGINE_DEBIAN_MIRROR (default: read
from $APT_SOURCES_FILE), ENGINE_TCP (1: v26 also on a loopback TLS port, v20 on a plain one).
start exports DOCKER_HOST (v26), DOCKER_HOST_V20, DOCKER_HOST_V28, DOCKER_HOST_PODMAN,
DOCKER_TLS_HOST and DOCKER_TLS_CERTS (v26), DOCKER_TCP_HOST_V20 and BUSYBOX_ROOTFS_TAR.
EOF
}

case "${1:-help}" in
  fetch)  cmd_fetch "${2:-all}" ;;
  start)  cmd_start "${2:-all}" ;;
  stop)   cmd_stop "${2:-all}" ;;
  status) cmd_status "${2:-all}" ;;
  import) cmd_import "${2:-all}" ;;
  clean)  cmd_clean ;;
  help|-h|--help) usage ;;
  *) usage >&2; exit 2 ;;
esac
