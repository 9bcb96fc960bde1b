#!/usr/bin/env bash
# Surrogate with several edges on one Redis, beside the same runs without Redis and beside Nchan
# on Redis, with the same generator ('surrogate loadtest'); prints one table per scenario
# (docs/performance.md, "Several edges on one Redis").
#
#   benchmarks/several-edges.sh                         # fanout unicast held (about 15 minutes)
#   benchmarks/several-edges.sh fanout                  # some of them
#   N=300 DURATION=3 RATE=200 ROUNDS=2 WARMUP_CLIENTS=0 benchmarks/several-edges.sh   # a smoke run (a few minutes)
#   SKIP_BUILD=1 OUT=target/several-edges.jsonl benchmarks/several-edges.sh unicast
#
# Each scenario runs on: 1 edge alone (no Redis: the figures of vs-nchan.sh), 1 edge on Redis,
# EDGES edges on Redis (subscriber I on edge I mod EDGES), and, where Nchan has the same scenario
# (fanout, held), one Nchan with WORKERS nginx workers on the same Redis.
#   fanout   one event to N subscribers of one channel, spread over the edges; ROUNDS recorded after 3
#            warm-up rounds, each posted to the first edge: the time until the last subscriber on any
#            edge has it, the receipt latency, the CPU per receipt of the edges and of Redis
#   unicast  RATE signed deliveries a second for DURATION seconds (after 5 s not recorded) to distinct
#            subscribers among N; with several edges posted as DELIVER_TO says (round-robin: each edge in
#            turn, as a load balancer that does not know where tokens are held, so (EDGES-1)/EDGES are
#            passed on to the holding edge): accepted per second, publish-to-receipt latency, CPU per delivery
#   held     N idle SSE subscribers (after 1,000 held and closed): RSS and PSS per connection of the
#            edges (or nginx), and the RSS per connection of Redis
#
# The script starts its own redis-server on a free loopback port (never 6379), empties it before
# each run, and stops it at the end; Nchan is started and stopped by benchmarks/nchan/nchan.sh
# (installs Debian's nginx and libnginx-mod-nchan when absent). Loopback only. The JSON lines go
# to $OUT; the table is printed from them ('java -cp cli/target/surrogate.jar
# io.surrogate.cli.loadtest.SetupTable FILE' prints it again).
#
# Variables: N (subscribers, 9000), DURATION (unicast seconds recorded, 30), RATE (unicast, 1000),
# ROUNDS (fanout, 10), EDGES (3), DELIVER_TO (round-robin, first or holder), WORKERS (Nchan's,
# 2: as many as one edge has IO threads on 2 cores), WARMUP_CLIENTS (held, 1000), NCHAN_PORT
# (8090), REDIS_PORT (a free one), SKIP_BUILD=1, OUT.
set -euo pipefail
cd "$(dirname "$0")/.."

n="${N:-9000}"
duration="${DURATION:-30}"
rate="${RATE:-1000}"
rounds="${ROUNDS:-10}"
edges="${EDGES:-3}"
deliver_to="${DELIVER_TO:-round-robin}"
workers="${WORKERS:-2}"
warmup_clients="${WARMUP_CLIENTS:-1000}"
[[ "$warmup_clients" =~ ^[0-9]+$ ]] || { echo "several-edges.sh: WARMUP_CLIENTS is a number" >&2; exit 2; }
for v in "$n" "$duration" "$rate" "$rounds" "$edges" "$workers"; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] || { echo "several-edges.sh: N, DURATION, RATE, ROUNDS, EDGES and WORKERS are positive integers" >&2; exit 2; }
done

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  mvn -q -B -DskipTests package -pl cli -am
fi
command -v redis-server >/dev/null || { echo "several-edges.sh: redis-server is not installed (apt-get install redis-server)" >&2; exit 2; }
out="${OUT:-target/several-edges-$(date -u +%Y%m%dT%H%M%SZ).jsonl}"
mkdir -p "$(dirname "$out")"
scenarios=("$@")
[[ ${#scenarios[@]} -gt 0 ]] || scenarios=(fanout unicast held)
for s in "${scenarios[@]}"; do
  case "$s" in fanout|unicast|held) ;; *) echo "several-edges.sh: unknown scenario: $s (fanout, unicast, held)" >&2; exit 2 ;; esac
done
if printf '%s\n' "${scenarios[@]}" | grep -qE '^(fanout|held)$'; then
  benchmarks/nchan/nchan.sh install >/dev/null
fi

# a free loopback port for Redis: never 6379 (a Redis that may hold someone's data), never one in use
free_port() {
  local p
  for _ in $(seq 200); do
    p=$(( 20000 + RANDOM % 30000 ))
    [[ "$p" != 6379 ]] || continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  echo "several-edges.sh: no free port found" >&2; exit 1
}
redis_port="${REDIS_PORT:-$(free_port)}"
[[ "$redis_port" != 6379 ]] || { echo "several-edges.sh: not on 6379" >&2; exit 2; }
redis_url="redis://127.0.0.1:$redis_port"
redis_dir="$(mktemp -d "${TMPDIR:-/tmp}/several-edges-redis.XXXXXX")"
redis_pid=""
nchan_dir=""
cleanup() {
  [[ -z "$nchan_dir" ]] || benchmarks/nchan/nchan.sh stop "$nchan_dir" >/dev/null 2>&1 || true
  if [[ -n "$redis_pid" ]]; then kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; fi
  rm -rf -- "$redis_dir"
}
trap cleanup EXIT
# not persistent: a run's keys are gone with it; bound to loopback
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$redis_dir" --protected-mode yes \
  --logfile "$redis_dir/redis.log" &
redis_pid=$!
for _ in $(seq 100); do
  redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && break
  sleep 0.1
done
redis-cli -p "$redis_port" ping | grep -q PONG || { echo "several-edges.sh: redis-server did not answer on $redis_port" >&2; exit 1; }

echo "# machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(awk '/MemTotal/ {print $2, $3}' /proc/meminfo) MemTotal, $(uname -sr)"
echo "# java: $(java -version 2>&1 | sed -n 2p); $(redis-server --version | cut -d' ' -f1-3) on 127.0.0.1:$redis_port (pid $redis_pid)"
edge_opts="$(sed -n 's/^edge_opts="\(.*\)"$/\1/p' surrogate)"
echo "# edge JVM flags: ${SURROGATE_EDGE_JAVA_OPTS-$edge_opts}"
echo "# N=$n DURATION=$duration RATE=$rate ROUNDS=$rounds EDGES=$edges DELIVER_TO=$deliver_to WORKERS=$workers"
echo "# results: $out"

# each run starts from an empty Redis, so no run inherits another's keys or memory
fresh_redis() { redis-cli -p "$redis_port" flushall >/dev/null; }

surrogate() {
  local label="$1"; shift
  echo "## $label: loadtest $*"
  fresh_redis
  ./surrogate loadtest "$@" --json "$out" | grep -v '^{' || true
}

nchan_on_redis() {
  echo "## nchan, $workers workers on Redis: loadtest $*"
  fresh_redis
  local line
  line="$(benchmarks/nchan/nchan.sh start --workers "$workers" --port "${NCHAN_PORT:-8090}" --redis "$redis_url")"
  nchan_dir="${line##* dir }"
  ./surrogate loadtest "$@" --target nchan --nchan "http://127.0.0.1:${NCHAN_PORT:-8090}" --nchan-dir "$nchan_dir" --redis "$redis_url" \
    --json "$out" | grep -v '^{' || true
  benchmarks/nchan/nchan.sh stop "$nchan_dir" >/dev/null
  nchan_dir=""
}

# the same arguments on: 1 edge alone, 1 edge on Redis, EDGES edges on Redis
three_ways() {
  surrogate "1 edge, no Redis" "$@"
  surrogate "1 edge on Redis" "$@" --redis "$redis_url"
  surrogate "$edges edges on Redis" "$@" --edges "$edges" --redis "$redis_url" --deliver-to "$deliver_to"
}

for s in "${scenarios[@]}"; do
  case "$s" in
    fanout)
      three_ways fanout -n "$n" --rounds "$rounds" --warmup 3 --threads 2
      nchan_on_redis fanout -n "$n" --rounds "$rounds" --warmup 3 --threads 2 ;;
    unicast)
      three_ways unicast -n "$n" --rate "$rate" --seconds "$duration" --warmup 5 ;;
    held)
      three_ways held --steps "$n" --warmup-clients "$warmup_clients"
      nchan_on_redis held --steps "$n" --warmup-clients "$warmup_clients" ;;
  esac
done

echo
java -cp cli/target/surrogate.jar io.surrogate.cli.loadtest.SetupTable "$out"
