#!/usr/bin/env bash
# Surrogate and Nchan under the same load, one after the other in one run, with the same
# generator ('surrogate loadtest'); prints both systems' figures and their ratios
# (docs/performance.md, "Edge server under load, beside Nchan").
#
#   benchmarks/vs-nchan.sh                      # held fanout unicast subscribe (about 15 minutes)
#   benchmarks/vs-nchan.sh 100k soak            # the long ones (about 20 minutes)
#   benchmarks/vs-nchan.sh held fanout          # some of them
#   SKIP_BUILD=1 OUT=target/vs-nchan.jsonl benchmarks/vs-nchan.sh unicast
#
# Scenarios: held (RSS per idle SSE subscriber at 10,000 and 19,000), fanout (one event to
# 10,000 and to 19,000 subscribers of one channel), unicast (deliveries to distinct subscribers
# among 10,000 at 1,000/s and 5,000/s, and as fast as each answers), subscribe (subscribe round
# trips per second; Nchan asks no origin), 100k (100,000 idle SSE subscribers: 6 edge processes
# and 6 nginx workers, held from 6 generator processes; Surrogate's deliveries then routed by
# 421 to the edge holding each client), soak (Surrogate alone: 10 minutes of churn at 1,000 new
# subscribers per second, each getting one event and leaving). Nchan runs as many nginx workers
# as the edge has IO threads (max(2, cores)); WORKERS overrides. Installs Debian's nginx and libnginx-mod-nchan when
# absent (benchmarks/nchan/nchan.sh). Loopback only. The JSON lines go to $OUT.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  mvn -q -B -DskipTests package -pl cli -am
fi
benchmarks/nchan/nchan.sh install >/dev/null
out="${OUT:-target/vs-nchan-$(date -u +%Y%m%dT%H%M%SZ).jsonl}"
mkdir -p "$(dirname "$out")"
scenarios=("$@")
[[ ${#scenarios[@]} -gt 0 ]] || scenarios=(held fanout unicast subscribe)

echo "# machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(awk '/MemTotal/ {print $2, $3}' /proc/meminfo) MemTotal, $(uname -sr)"
echo "# java: $(java -version 2>&1 | sed -n 2p); nginx: $(nginx -v 2>&1 | sed 's/.*: //'), nchan $(dpkg-query -W -f '${Version}' libnginx-mod-nchan)"
edge_opts="$(sed -n 's/^edge_opts="\(.*\)"$/\1/p' surrogate)"
echo "# edge JVM flags: ${SURROGATE_EDGE_JAVA_OPTS-$edge_opts}"
echo "# results: $out"

# The same parallelism on both sides: one edge serves its clients on max(2, cores) IO threads
# (EdgeServer), so Nchan gets as many nginx workers. (Until issue 9 Nchan ran one worker against
# the edge's two IO threads; docs/performance.md marks the figures measured so.)
edge_io_threads=$(( $(nproc) > 2 ? $(nproc) : 2 ))
echo "# nchan workers: ${WORKERS:-$edge_io_threads} (the edge's IO threads: $edge_io_threads)"

nchan_dir=""
stop_nchan() { [[ -z "$nchan_dir" ]] || benchmarks/nchan/nchan.sh stop "$nchan_dir" >/dev/null 2>&1 || true; nchan_dir=""; }
trap stop_nchan EXIT
# a fresh Nchan for each run, so no run inherits another's channels
start_nchan() {
  stop_nchan
  local line
  line="$(benchmarks/nchan/nchan.sh start --workers "${1:-$edge_io_threads}" --port "${NCHAN_PORT:-8090}")"
  nchan_dir="${line##* dir }"
}

# both: run the same loadtest arguments against Nchan (WORKERS nginx workers, by default as many
# as the edge has IO threads), then Surrogate
both() {
  echo "## loadtest $*"
  start_nchan "${WORKERS:-$edge_io_threads}"
  ./surrogate loadtest "$@" --target nchan --nchan "http://127.0.0.1:${NCHAN_PORT:-8090}" --nchan-dir "$nchan_dir" --json "$out" | grep -v '^{' || true
  stop_nchan
  ./surrogate loadtest "$@" --json "$out" | grep -v '^{' || true
}

for s in "${scenarios[@]}"; do
  case "$s" in
    held) both held --steps 10000,19000 ;;
    fanout)
      both fanout -n 10000 --rounds 10 --warmup 3 --threads 2
      both fanout -n 19000 --rounds 10 --warmup 3 --threads 2 ;;
    unicast)
      both unicast -n 10000 --rate 1000 --seconds 30 --warmup 5
      both unicast -n 10000 --rate 5000 --seconds 30 --warmup 5
      both unicast -n 10000 --rate 0 --seconds 20 --warmup 5 --publishers 32 ;;
    subscribe) both subscribe --seconds 20 --concurrency 500 ;;
    100k)
      # memory, process for process: 6 edge processes beside 6 nginx workers
      WORKERS=6 both held -n 100000 --processes 6 --edges 6 --concurrency 600 --idle 5 ;;
    soak)
      echo "## loadtest soak --rate 1000 --seconds 600"
      ./surrogate loadtest soak --rate 1000 --seconds 600 --concurrency 2000 --json "$out" | grep -v '^{' || true ;;
    *) echo "unknown scenario: $s" >&2; exit 2 ;;
  esac
done

echo
java -cp cli/target/surrogate.jar io.surrogate.cli.loadtest.Compare "$out"
