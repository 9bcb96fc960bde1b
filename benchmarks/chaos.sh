#!/usr/bin/env bash
# The longer chaos run of issue 12: the fault suite (cli/.../faults/EdgeFaultsTest: an origin
# that black-holes, never answers or resets; a client flood at an open-file limit; kill -9 of an
# edge holding clients and its restart) run again and again against fresh serve processes, its
# `fault=` figures collected per round and summed up (min, median, max). Exits non-zero when a
# round fails; the failing round's Maven output is kept.
#
#   benchmarks/chaos.sh                 # 10 rounds
#   benchmarks/chaos.sh 30              # 30 rounds
#   SKIP_BUILD=1 benchmarks/chaos.sh 5  # the modules are already built (mvn -B -DskipTests install is not needed: the reactor builds them)
#
# Figures go to target/chaos/rounds.txt; docs/reliability.md ("Faults") quotes a run.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-10}"
out=target/chaos
mkdir -p "$out"
: > "$out/rounds.txt"
offline=""
[ -n "${SKIP_BUILD:-}" ] && offline="-o"
echo "chaos: $rounds rounds of the fault suite, $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
failed=0
for r in $(seq 1 "$rounds"); do
  log="$out/round-$r.log"
  if mvn -B $offline -pl cli -am test -Dtest=EdgeFaultsTest -Dsurefire.failIfNoSpecifiedTests=false >"$log" 2>&1; then
    grep -h '^fault=' "$log" | sed "s/^/round=$r /" >>"$out/rounds.txt"
    echo "round $r: passed"
    rm -f "$log"
  else
    failed=$((failed + 1))
    echo "round $r: FAILED (see $log)"
  fi
done
echo "chaos: $((rounds - failed)) of $rounds rounds passed, $(date -u +%FT%TZ)"
# min / median / max of every numeric figure, per fault
awk '
  { fault = ""; for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "fault") fault = kv[2] }
    for (i = 2; i <= NF; i++) { split($i, kv, "=");
      if (kv[1] != "fault" && kv[2] ~ /^[0-9]+$/) { key = fault " " kv[1]; n[key]++; v[key, n[key]] = kv[2] + 0 } } }
  END {
    for (key in n) {
      m = n[key]
      for (i = 1; i <= m; i++) a[i] = v[key, i]
      for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
      printf "%-40s rounds=%d min=%d median=%d max=%d\n", key, m, a[1], a[int((m + 1) / 2)], a[m]
    }
  }' "$out/rounds.txt" | sort
[ "$failed" -eq 0 ]
