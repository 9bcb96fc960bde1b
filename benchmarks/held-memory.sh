#!/usr/bin/env bash
# Resident memory of 'surrogate serve' per held idle SSE connection (docs/performance.md,
# "Edge server: memory per held SSE connection"). Builds the CLI and benchmark jars (profile
# 'bench' builds every module), prints the machine, the date and the load, then runs
# io.surrogate.benchmarks.HeldMemory: the edge as a child process with EDGE_JVM_FLAGS, an
# in-process sample origin, and up to the last step's SSE clients from one NIO thread.
#
#   benchmarks/held-memory.sh                                   # the flags ./surrogate serve starts the edge with
#   EDGE_JVM_FLAGS= benchmarks/held-memory.sh                   # the JVM's own defaults (G1)
#   EDGE_JVM_FLAGS="-XX:+UseSerialGC -Xmx256m" benchmarks/held-memory.sh
#   benchmarks/held-memory.sh --steps 1000,2000 --warmup 200    # a quick look; other HeldMemory options pass through
#
# STEPS (default 5000,19000) sets the steps; SKIP_BUILD=1 reuses the jars. This machine kind
# allows 20,000 open files per process, so 19,000 held clients is about the most one edge (and
# this client) can hold. Loopback only; takes about two minutes per run.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  mvn -q -B -Pbench package -DskipTests
fi

load() { echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) load:$(uptime | sed 's/.*load average://')"; }
echo "# machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(awk '/MemTotal/ {print $2, $3}' /proc/meminfo) MemTotal, $(uname -sr)"
echo "# java: $(java -version 2>&1 | sed -n 2p)"
echo "# open files: soft $(ulimit -Sn), hard $(ulimit -Hn)"
# unset: the launcher's flags for serve and demo, read from ./surrogate itself
launcher_flags="$(sed -n 's/^edge_opts="\(.*\)"$/\1/p' surrogate)"
flags="${EDGE_JVM_FLAGS-$launcher_flags}"
defaults="(none: the JVM's defaults)"
echo "# EDGE_JVM_FLAGS: ${flags:-$defaults}"
load
java -cp benchmarks/target/benchmarks.jar io.surrogate.benchmarks.HeldMemory \
  --steps "${STEPS:-5000,19000}" \
  --edge-jvm-flags "$flags" \
  "$@"
load
