#!/usr/bin/env bash
# make bench: each case runs unicage and the tool a user would pick instead,
# side by side in one run, and prints the ratio (unicage / other; < 1 is faster).
#   scripts/bench.sh /abs/path/to/unicage [case...]
# Cases: rpmscan. Data is built once under build/bench-data (or $UC_BENCH_DATA).
# Figures and how they were measured: doc/benchmarks.md.
set -euo pipefail
UC=${1:?usage: bench.sh UNICAGE_BINARY [case...]}
shift
src=$(cd "$(dirname "$0")/.." && pwd)
data=${UC_BENCH_DATA:-$src/build/bench-data}
runs=${UC_BENCH_RUNS:-7}
mkdir -p "$data"
export UNICAGE_CONFIG=$data/unicage.conf
: > "$UNICAGE_CONFIG"

# median wall time in ms of `runs` runs of a command (stdout discarded)
median_ms() {
    local t=() i s e
    "$@" > /dev/null 2>&1 # warm-up
    for ((i = 0; i < runs; i++)); do
        s=$(date +%s%N); "$@" > /dev/null 2>&1; e=$(date +%s%N)
        t+=($(( (e - s) / 1000 )))
    done
    printf '%s\n' "${t[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]/1000}'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

# The largest rpmdb available: a synthetic host with N packages of M files
# (real RPMs, built and installed like the fixtures), unless the machine has
# a larger real one at /var/lib/rpm.
bench_rpmdb() {
    local root=$data/rpmhost
    if [ ! -e "$root/.done" ]; then
        rm -rf "$root" "$data/rpms"
        echo "bench: building ${UC_BENCH_PACKAGES:-40} packages x ${UC_BENCH_FILES:-1000} files..." >&2
        UC_BIG_FILES=${UC_BENCH_FILES:-1000} UC_BIG_PACKAGES=${UC_BENCH_PACKAGES:-40} \
            "$src/scripts/make-fixture-rpms.sh" "$data/rpms" >/dev/null
        "$src/scripts/make-fixture-root.sh" "$root" "$data/rpms"
        touch "$root/.done"
    fi
    echo "$root"
}

case_rpmscan() {
    local root db=/var/lib/rpm
    root=$(bench_rpmdb)
    local qf='[%{=NEVRA}\t%{FILENAMES}\t%{FILEMODES}\t%{FILEUSERNAME}\t%{FILEGROUPNAME}\t%{FILESIZES}\t%{FILEMTIMES}\t%{=FILEDIGESTALGO}\t%{FILEDIGESTS}\t%{FILELINKTOS}\t%{FILEFLAGS:fflags}\t%{FILESTATES:fstate}\n]'
    local files
    files=$("$UC" rpmscan --sysroot "$root" --all --tsv | tail -n +2 | wc -l)
    local a b
    a=$(median_ms "$UC" rpmscan --sysroot "$root" --dbpath "$db" --all --tsv)
    b=$(median_ms rpm --root "$root" --dbpath "$db" -qa --qf "$qf")
    printf '%-10s %7s files  unicage rpmscan --all --tsv %8s ms   rpm -qa --qf (same fields) %8s ms   ratio %s (goal <= 1.2)\n' \
        rpmscan "$files" "$a" "$b" "$(ratio "$a" "$b")"
    if [ -s /var/lib/rpm/rpmdb.sqlite ] || [ -s /var/lib/rpm/Packages ]; then
        files=$("$UC" rpmscan --sysroot / --all --tsv | tail -n +2 | wc -l)
        a=$(median_ms "$UC" rpmscan --sysroot / --all --tsv)
        b=$(median_ms rpm -qa --qf "$qf")
        printf '%-10s %7s files  (this host) unicage %8s ms   rpm %8s ms   ratio %s\n' \
            rpmscan-host "$files" "$a" "$b" "$(ratio "$a" "$b")"
    fi
}

cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(rpmscan)
echo "unicage bench: median of $runs warm runs each, $(nproc) cores, $(uname -r)"
for c in "${cases[@]}"; do "case_$c"; done
