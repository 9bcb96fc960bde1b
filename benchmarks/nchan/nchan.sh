#!/usr/bin/env bash
# Nchan (Debian's nginx + libnginx-mod-nchan) as a peer for load tests; see README.md here.
#
#   benchmarks/nchan/nchan.sh install                                  # apt-get nginx libnginx-mod-nchan if absent
#   benchmarks/nchan/nchan.sh start [--workers K] [--port P] [--dir DIR] [--redis URL]   # K: max(2, cores), as the edge's IO threads
#       -> nchan: http://127.0.0.1:P pids MASTER W1 ... dir DIR
#   benchmarks/nchan/nchan.sh pids DIR                                 # MASTER W1 ...
#   benchmarks/nchan/nchan.sh mem DIR                                  # summed VmRSS and Pss of those pids
#   benchmarks/nchan/nchan.sh stop DIR                                 # quit that nginx, remove DIR
#
# Each instance lives in its own directory (config, pid file, error log, temp paths) and listens
# on 127.0.0.1 only. NCHAN_SO overrides the module path found with dpkg -L. With --redis
# redis://HOST:PORT the instance keeps its channels and messages in that Redis
# (nginx-redis.conf.template), so that several instances share them.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
template="$here/nginx.conf.template"
redis_template="$here/nginx-redis.conf.template"
marker="# Nchan peer for load tests."

die() { echo "nchan.sh: $*" >&2; exit 1; }

usage() {
  sed -n '4,9s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
  exit 2
}

as_root() {
  if [[ "$(id -u)" == 0 ]]; then "$@"; else sudo "$@"; fi
}

installed() { dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed'; }

alive() { [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null; }

# gone TENTHS PID...: true once none of the pids is alive, waiting at most TENTHS x 0.1 s.
gone() {
  local tenths="$1" p; shift
  for _ in $(seq "$tenths"); do
    for p in "$@"; do if alive "$p"; then sleep 0.1; continue 2; fi; done
    return 0
  done
  return 1
}

cmd_install() {
  local missing=() p
  for p in nginx libnginx-mod-nchan; do
    installed "$p" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
  fi
  # The package's own nginx service (port 80) is not wanted: stop it if it runs.
  if [[ -d /run/systemd/system ]] && systemctl is-active --quiet nginx 2>/dev/null; then
    as_root systemctl stop nginx
  elif [[ -s /run/nginx.pid ]] && alive "$(cat /run/nginx.pid)"; then
    # started by the init script without systemd: same config and pid file as the service
    as_root nginx -s quit || true
    for _ in $(seq 50); do alive "$(cat /run/nginx.pid 2>/dev/null)" || break; sleep 0.1; done
  fi
  if command -v ss >/dev/null && ss -Hltnp 'sport = :80' | grep -q nginx; then
    echo "nchan.sh: warning: an nginx still listens on port 80" >&2
  fi
  echo "nchan: $(dpkg-query -W -f '${Package} ${Version}' nginx), $(dpkg-query -W -f '${Package} ${Version}' libnginx-mod-nchan)"
}

nchan_so() {
  if [[ -n "${NCHAN_SO:-}" ]]; then echo "$NCHAN_SO"; return; fi
  local so
  so="$(dpkg -L libnginx-mod-nchan 2>/dev/null | grep '/ngx_nchan_module\.so$' | head -n 1 || true)"
  [[ -n "$so" && -f "$so" ]] || die "ngx_nchan_module.so not found; run: $0 install"
  echo "$so"
}

# Master pid from DIR's pid file, then its children (the workers) from /proc.
pids_of() {
  local dir="$1" master stat pid rest
  [[ -s "$dir/nginx.pid" ]] || return 1
  master="$(cat "$dir/nginx.pid")"
  alive "$master" || return 1
  local out=("$master")
  for stat in /proc/[0-9]*/stat; do
    pid="${stat#/proc/}"; pid="${pid%/stat}"
    rest="$(cat "$stat" 2>/dev/null)" || continue
    rest="${rest##*) }"            # after "pid (comm) ": state ppid ...
    read -r _ ppid _ <<<"$rest"
    [[ "$ppid" == "$master" ]] && out+=("$pid")
  done
  echo "${out[@]}"
}

cmd_pids() {
  [[ $# == 1 ]] || usage
  pids_of "$1" || die "no nginx running for $1"
}

# Memory of master + workers: sums of VmRSS (/proc/PID/status) and Pss (smaps_rollup), in KiB.
cmd_mem() {
  [[ $# == 1 ]] || usage
  local pids p rss=0 pss=0 v
  pids="$(pids_of "$1")" || die "no nginx running for $1"
  for p in $pids; do
    v="$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status")"; rss=$((rss + v))
    v="$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup")"; pss=$((pss + v))
  done
  echo "nchan: pids $pids VmRSS ${rss} KiB Pss ${pss} KiB"
}

cmd_start() {
  # by default as many workers as a Surrogate edge has IO threads, max(2, cores): the same parallelism
  local workers=$(( $(nproc) > 2 ? $(nproc) : 2 )) port=8090 dir="" redis=""
  while (($#)); do
    case "$1" in
      --workers) workers="${2:?}"; shift 2 ;;
      --port) port="${2:?}"; shift 2 ;;
      --dir) dir="${2:?}"; shift 2 ;;
      --redis) redis="${2:?}"; shift 2 ;;
      *) usage ;;
    esac
  done
  [[ "$workers" =~ ^[1-9][0-9]*$ ]] || die "--workers must be a positive integer"
  [[ "$port" =~ ^[1-9][0-9]*$ ]] || die "--port must be a port number"
  [[ -z "$redis" || "$redis" =~ ^redis://[A-Za-z0-9.:_-]+:[0-9]+$ ]] || die "--redis must be redis://HOST:PORT"
  command -v nginx >/dev/null || die "nginx not installed; run: $0 install"
  # reuseport would let a second nginx (or anything else with SO_REUSEPORT) share the port
  # silently, so refuse a port that already has a listener.
  if command -v ss >/dev/null && [[ -n "$(ss -Hltn "sport = :$port")" ]]; then
    die "port $port already has a listener: $(ss -Hltnp "sport = :$port" | head -n 1)"
  fi
  local so
  so="$(nchan_so)"
  if [[ -z "$dir" ]]; then
    dir="$(mktemp -d "${TMPDIR:-/tmp}/nchan.XXXXXX")"
  else
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    if pids_of "$dir" >/dev/null; then die "an nginx already runs for $dir"; fi
  fi
  local tpl="$template"
  [[ -z "$redis" ]] || tpl="$redis_template"
  local esc_dir esc_so
  esc_dir="$(printf '%s' "$dir" | sed 's/[\\|&]/\\&/g')"
  esc_so="$(printf '%s' "$so" | sed 's/[\\|&]/\\&/g')"
  sed -e "s|@DIR@|$esc_dir|g" -e "s|@PORT@|$port|g" -e "s|@WORKERS@|$workers|g" \
      -e "s|@NCHAN_SO@|$esc_so|g" -e "s|@REDIS_URL@|$redis|g" "$tpl" >"$dir/nginx.conf"
  if ! nginx -p "$dir" -c "$dir/nginx.conf"; then
    [[ -f "$dir/error.log" ]] && tail -n 5 "$dir/error.log" >&2
    die "nginx did not start (config and logs in $dir)"
  fi
  # Wait for the pid file and all K workers.
  local pids="" n
  for _ in $(seq 100); do
    pids="$(pids_of "$dir" || true)"
    n="$(wc -w <<<"$pids")"
    ((n == workers + 1)) && break
    sleep 0.1
  done
  ((n == workers + 1)) || die "expected 1 master + $workers workers, found: ${pids:-none} (see $dir/error.log)"
  echo "nchan: http://127.0.0.1:$port${redis:+ on $redis} pids $pids dir $dir"
}

cmd_stop() {
  [[ $# == 1 ]] || usage
  local dir
  dir="$(cd "$1" 2>/dev/null && pwd)" || die "no such directory: $1"
  [[ "$(head -n 1 "$dir/nginx.conf" 2>/dev/null)" == "$marker"* ]] ||
    die "$dir/nginx.conf was not written by nchan.sh start; not touching $dir"
  local pids
  pids="$(pids_of "$dir" || true)"
  if [[ -n "$pids" ]]; then
    # graceful quit (held subscribers are dropped after worker_shutdown_timeout 5s), then harder
    nginx -p "$dir" -c "$dir/nginx.conf" -s quit 2>/dev/null || true
    # shellcheck disable=SC2086 # the pid lists are split into words on purpose
    if ! gone 150 $pids; then
      kill -s TERM $pids 2>/dev/null || true
      if ! gone 50 $pids; then
        kill -s KILL $pids 2>/dev/null || true
        gone 20 $pids || die "nginx pids still alive: $pids; $dir kept"
      fi
    fi
  fi
  rm -rf -- "$dir"
  echo "nchan: stopped, removed $dir"
}

case "${1:-}" in
  install) shift; cmd_install "$@" ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  pids) shift; cmd_pids "$@" ;;
  mem) shift; cmd_mem "$@" ;;
  *) usage ;;
esac
