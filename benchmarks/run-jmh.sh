#!/usr/bin/env bash
# Builds the JMH benchmarks (profile 'bench') and runs the suite with the flags that
# docs/performance.md reports. Extra arguments go to JMH: a benchmark regex or options the
# line below does not set (JMH refuses an option given twice), e.g.
#   benchmarks/run-jmh.sh MailEvaluation
#   benchmarks/run-jmh.sh -rf json -rff target/jmh.json
#   JMH_FLAGS="-f 1 -wi 1 -i 1" benchmarks/run-jmh.sh OriginSignatures   # a quick smoke run
# SKIP_BUILD=1 reuses benchmarks/target/benchmarks.jar.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  mvn -q -B -Pbench package -DskipTests
fi

load() { echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) load:$(uptime | sed 's/.*load average://')"; }
load
# The mail rules are read from sample-rules/ relative to the repository root (the cwd here).
# shellcheck disable=SC2086
java -jar benchmarks/target/benchmarks.jar \
  ${JMH_FLAGS:--f 1 -wi 3 -w 2 -i 5 -r 2} \
  -jvmArgsAppend "-Xms1g -Xmx1g" \
  -prof gc \
  "$@"
load
