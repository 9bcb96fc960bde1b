#!/usr/bin/env bash
# Held SSE streams over HTTP/2 (h2c, 100 streams per connection) beside HTTP/1.1 (a connection per
# stream), one generator for both (io.surrogate.benchmarks.Http2Streams, the JDK's HttpClient):
# the edge's resident memory per held stream after a full GC, and unicast latency at a fixed
# rate (docs/performance.md, "HTTP/2"). Runs h1, h2c, h2c, h1 so that drift shows; loopback only.
#
#   benchmarks/http2.sh                                  # 10,000 streams, 1,000 unicasts/s for 20 s
#   STREAMS=2000 RATE=200 DURATION=5 benchmarks/http2.sh  # a quick look
#
# SKIP_BUILD=1 reuses the jars; EDGE_JVM_FLAGS as in held-memory.sh (default: the launcher's).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  mvn -q -B -Pbench package -DskipTests
fi
launcher_flags="$(sed -n 's/^edge_opts="\(.*\)"$/\1/p' surrogate)"
flags="${EDGE_JVM_FLAGS-$launcher_flags}"
echo "# machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(awk '/MemTotal/ {print $2, $3}' /proc/meminfo) MemTotal, $(uname -sr)"
echo "# java: $(java -version 2>&1 | sed -n 2p)"
echo "# EDGE_JVM_FLAGS: ${flags:-(none)}"
for protocol in ${PROTOCOLS:-h1 h2c h2c h1}; do
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $protocol, load:$(uptime | sed 's/.*load average://')"
  java -cp benchmarks/target/benchmarks.jar io.surrogate.benchmarks.Http2Streams --protocol "$protocol" \
    --streams "${STREAMS:-10000}" --per-connection "${PER_CONNECTION:-100}" --warmup "${WARMUP:-1000}" \
    --rate "${RATE:-1000}" --seconds "${DURATION:-20}" --edge-jvm-flags "$flags"
done
