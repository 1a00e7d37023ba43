#!/usr/bin/env bash
# make fuzz FUZZ_SECONDS=N [FUZZ_JOBS=J]: each libFuzzer target N seconds on
# its seeds and its own corpus (BUILD/corpus/NAME, kept between runs), J
# targets at a time, at a low CPU priority. A unit slower than 100 ms of CPU
# fails it as a crash does (tests/fuzz/slow.c aborts on it and libFuzzer
# keeps the input); after the run every input of the corpus goes through the
# driver build once more, timed the same way. A crash or a slow unit stops
# that target with its input in BUILD/crash/NAME/; fix it and keep the input
# under tests/fuzz/regress/NAME/. One summary line per target (executions,
# seconds, corpus, slowest unit), in BUILD/fuzz-summary.txt too.
#   run.sh BUILD SECONDS NAME...
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=$1 secs=$2
shift 2
jobs=${FUZZ_JOBS:-1}
slow_ms=100
export UNICAGE_FUZZ_SLOW_MS=$slow_ms

# one target; its summary line into BUILD/result-NAME; fails on a finding
run_one() {
    local t=$1 corpus=$build/corpus/$1 crash=$build/crash/$1 log=$build/fuzz-$1.log
    mkdir -p "$corpus" "$crash"
    local seeds=()
    [ -d "$here/seeds/$t" ] && seeds+=("$here/seeds/$t")
    local start end rc execs slowest out slow
    start=$(date +%s)
    nice -n 10 "$build/fuzz-bin/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 \
        -max_len=65536 -print_final_stats=1 -artifact_prefix="$crash/" \
        "$corpus" "${seeds[@]}" >"$log" 2>&1
    rc=$?
    end=$(date +%s)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    slowest=$(sed -n 's/^stat::slowest_unit_ms: *//p' "$log" | tail -n 1)
    if [ "$rc" -ne 0 ]; then
        {
            echo "fuzz $t: FAILED after $((end - start)) s (log $log, input in $crash/)"
            grep -m 5 -E 'ERROR|SUMMARY|property failed|slow unit' "$log"
        } >"$build/result-$t"
        return 1
    fi
    out=$(nice -n 10 "$build/fuzz/$t" -t "$slow_ms" "$corpus" 2>&1)
    slow=$(tail -n 1 <<<"$out")
    {
        grep '^slow: ' <<<"$out"
        echo "fuzz $t: ${execs:-?} executions in $((end - start)) s, corpus $(ls "$corpus" | wc -l) inputs, slowest unit ${slowest:-?} ms; corpus again: ${slow#*: }"
    } >"$build/result-$t"
    case $slow in *", 0 slower"*) return 0 ;; *) return 1 ;; esac
}

fail=0 running=0
rm -f "$build"/result-*
for t in "$@"; do
    if [ "$running" -ge "$jobs" ]; then
        wait -n || fail=1
        running=$((running - 1))
    fi
    run_one "$t" &
    running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
    wait -n || fail=1
    running=$((running - 1))
done
for t in "$@"; do cat "$build/result-$t"; done | tee "$build/fuzz-summary.txt"
exit "$fail"
