#!/usr/bin/env bash
# make fuzz FUZZ_SECONDS=N: each libFuzzer target N seconds on its seeds and
# its own corpus (BUILD/corpus/NAME, kept between runs), at the lowest CPU
# priority; then every input of the corpus through the driver build, naming
# any that takes longer than 100 ms. A crash stops the run: its input is
# BUILD/crash/NAME/crash-*; fix it and keep the input under
# tests/fuzz/regress/NAME/.
#   run.sh BUILD SECONDS NAME...
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=$1 secs=$2
shift 2
fail=0
for t in "$@"; do
    corpus=$build/corpus/$t crash=$build/crash/$t
    mkdir -p "$corpus" "$crash"
    seeds=()
    [ -d "$here/seeds/$t" ] && seeds+=("$here/seeds/$t")
    start=$(date +%s)
    log=$build/fuzz-$t.log
    nice -n 19 "$build/fuzz-bin/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 \
        -max_len=65536 -print_final_stats=1 -artifact_prefix="$crash/" \
        "$corpus" "${seeds[@]}" >"$log" 2>&1
    rc=$?
    end=$(date +%s)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    if [ "$rc" -ne 0 ]; then
        echo "fuzz $t: CRASH after $((end - start)) s (log $log, input in $crash/)"
        grep -m 5 -E 'ERROR|SUMMARY|property failed' "$log"
        fail=1
        continue
    fi
    out=$(nice -n 19 "$build/fuzz/$t" -t 100 "$corpus" 2>&1)
    grep '^slow: ' <<<"$out"
    slow=$(tail -n 1 <<<"$out")
    echo "fuzz $t: ${execs:-?} executions in $((end - start)) s, corpus $(ls "$corpus" | wc -l) inputs; $slow"
    case $slow in *", 0 slower"*) ;; *) fail=1 ;; esac
done
exit "$fail"
