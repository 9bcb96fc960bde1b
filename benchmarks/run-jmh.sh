#!/usr/bin/env bash
# Builds the JMH benchmarks (profile 'bench') and runs the suite with the flags that
# docs/performance.md reports. Extra arguments go to JMH, e.g. a benchmark regex:
#   benchmarks/run-jmh.sh MailEvaluation
#   benchmarks/run-jmh.sh -rf json -rff target/jmh.json
# SKIP_BUILD=1 reuses benchmarks/target/benchmarks.jar.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  mvn -q -B -Pbench package -DskipTests
fi

echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) load:$(uptime | sed 's/.*load average://')"
# The mail rules are read from sample-rules/ relative to the repository root (cwd).
java -jar benchmarks/target/benchmarks.jar \
  -f 1 -wi 3 -w 2 -i 5 -r 2 \
  -jvmArgsAppend "-Xms1g -Xmx1g" \
  -prof gc \
  "$@"
echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) load:$(uptime | sed 's/.*load average://')"
