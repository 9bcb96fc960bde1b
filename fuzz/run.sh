#!/usr/bin/env bash
# Fuzzes the engine's parsers with Jazzer, one target after the other, and prints the
# executions of each. The contract of every target: a result or a clean error, never an
# uncaught exception, a hang (one input over --timeout seconds) or a stack overflow.
#
#   fuzz/run.sh                       every target for 60 s
#   fuzz/run.sh --time 600            every target for 10 minutes
#   fuzz/run.sh --runs 2000000 TokenDecodeFuzzTest OriginSignatureFuzzTest
#
# Without JAZZER_FUZZ the same tests only replay their committed inputs
# (engine/src/test/resources/io/surrogate/engine/fuzz/<Target>Inputs/), as `mvn verify` does.
# Inputs the fuzzer finds interesting go to engine/.cifuzz-corpus/ (not committed) and are
# reused by the next run; an input that breaks the contract is written by Jazzer into the
# target's Inputs directory, where it becomes a regression test once committed.
# Logs: target/fuzz/<Target>.log. Exit status: 0 when no target had a finding.
set -euo pipefail

ALL=(RuleCompilerFuzzTest RawHttpRequestFuzzTest RequestExtractorsFuzzTest OriginSignatureFuzzTest TokenDecodeFuzzTest JwtFuzzTest)
seconds=60
runs=-1
timeout=10
targets=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --time) seconds="$2"; shift 2 ;;
        --runs) runs="$2"; seconds=0; shift 2 ;;
        --timeout) timeout="$2"; shift 2 ;;
        -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "error: unknown option '$1'; options: --time SECONDS, --runs N, --timeout SECONDS" >&2; exit 2 ;;
        *) targets+=("$1"); shift ;;
    esac
done
[[ ${#targets[@]} -eq 0 ]] && targets=("${ALL[@]}")
for t in "${targets[@]}"; do
    if [[ " ${ALL[*]} " != *" $t "* ]]; then
        echo "error: unknown target '$t'; targets: ${ALL[*]}" >&2
        exit 2
    fi
done

root="$(cd "$(dirname "$0")/.." && pwd)"
logs="$root/target/fuzz"
mkdir -p "$logs"
cd "$root"

# Each target runs in its own test JVM (Jazzer fuzzes one test per JVM); the first build compiles.

printf '%-28s %14s %10s %10s  %s\n' target executions seconds exec/s result
total=0
failed=0
for t in "${targets[@]}"; do
    log="$logs/$t.log"
    start=$(date +%s)
    status=0
    JAZZER_FUZZ=1 mvn -B -o -q -pl engine -am test -Dtest="$t" -Dsurefire.failIfNoSpecifiedTests=false \
        -Djazzer.internal.arg.0=fuzz -Djazzer.internal.arg.1=-max_total_time="$seconds" \
        -Djazzer.internal.arg.2=-runs="$runs" -Djazzer.internal.arg.3=-timeout="$timeout" \
        >"$log" 2>&1 || status=$?
    end=$(date +%s)
    # libFuzzer ends with "Done N runs in S second(s)"; after a finding, its last status line counts them
    done_line=$(grep -aE '^Done [0-9]+ runs' "$log" | tail -1 || true)
    if [[ -n "$done_line" ]]; then
        n=$(sed -E 's/^Done ([0-9]+) runs in ([0-9]+).*/\1/' <<<"$done_line")
        s=$(sed -E 's/^Done ([0-9]+) runs in ([0-9]+).*/\2/' <<<"$done_line")
    else
        n=$(grep -aoE '^#[0-9]+' "$log" | tail -1 | tr -d '#' || true)
        n=${n:-0}
        s=$((end - start))
    fi
    if [[ $status -eq 0 ]]; then
        result=ok
    elif grep -aqE '^== Java Exception|^==[0-9]+== ERROR: libFuzzer|FuzzTestFindingException|^ERROR: libFuzzer' "$log"; then
        result="FINDING: see $log"
        failed=1
    else
        result="FAILED to run (exit $status): see $log"
        failed=1
    fi
    rate=$(( s > 0 ? n / s : n ))
    printf '%-28s %14d %10d %10d  %s\n' "$t" "$n" "$s" "$rate" "$result"
    total=$((total + n))
done
printf '%-28s %14d\n' total "$total"
exit $failed
