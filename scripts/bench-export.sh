#!/usr/bin/env bash
# make bench, case export (run by scripts/bench.sh in its own `unshare -m`):
#   scripts/bench-export.sh UNICAGE WORKDIR CORPUS
# An upper of ~1 GB of mixed files (copies of corpus A's three guests) on a
# loop-mounted ext4 (direct I/O: it stands for a disk); `unicage export`
# against `tar --zstd -cf` of the same directory, `unicage import` against
# `tar --zstd -xf`, same run (both zstd level 3), the median of 5 warm runs
# each.
set -euo pipefail
UC=${1:?usage: bench-export.sh UNICAGE WORKDIR CORPUS}
w=${2:?usage}
corpus=${3:?usage}
src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/scripts/bench-cage-lib.sh"
bench_start 6G dio
bench_alice
bench_host sh true
"$UC" enable alice > /dev/null
"$UC" mount alice > /dev/null
"$UC" umount alice > /dev/null
cage=$w/state/cages/01/alice
mkdir -p "$cage/upper/srv"
cp -a "$corpus/guest3" "$cage/upper/srv/guest3"
cp -a "$corpus/guest1" "$cage/upper/srv/guest1"
cp -a "$corpus/guest2" "$cage/upper/srv/guest2"
chattr -R -i "$cage/upper" 2>/dev/null || true
# an upper never holds device nodes (no CAP_MKNOD in a cage; import refuses them)
find "$cage/upper" \( -type b -o -type c \) -delete
size=$(du -sb "$cage/upper" | cut -f1)
files=$(find "$cage/upper" -type f | wc -l)
sync

ms() { local s e; s=$(date +%s%N); "$@" > /dev/null || { echo "bench: $* failed" >&2; exit 1; }; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
median() { printf "%s\n" "$@" | sort -n | awk "{a[NR]=\$1} END {print a[int((NR+1)/2)]}"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

# warm-up: the upper in the page cache for both
tar -cf - -C "$cage/upper" . > /dev/null
ue=() te=() tx=() ui=() ux=() uxs=()
for i in 1 2 3 4 5; do
    rm -f "$w/u.tar.zst" "$w/t.tar.zst"
    ue+=("$(ms "$UC" export alice -o "$w/u.tar.zst")")
    te+=("$(ms tar --zstd -cf "$w/t.tar.zst" -C "$cage/upper" .)")
    tx+=("$(ms tar --zstd --xattrs --xattrs-include='*' --acls -cf "$w/tx.tar.zst" -C "$cage/upper" .)")
done
for i in 1 2 3 4 5; do
    rm -rf "$w/t-out"; mkdir "$w/t-out"; sync
    ux+=("$(ms tar --zstd -xf "$w/t.tar.zst" -C "$w/t-out")")
    rm -rf "$cage"; sync
    ui+=("$(ms "$UC" import "$w/u.tar.zst")")
    rm -rf "$w/t-out"; mkdir "$w/t-out"; sync
    uxs+=("$(ms sh -c "tar --zstd -xf '$w/t.tar.zst' -C '$w/t-out' && sync")")
done
a=$(median "${ue[@]}") b=$(median "${te[@]}") bx=$(median "${tx[@]}")
c=$(median "${ui[@]}") d=$(median "${ux[@]}") ds=$(median "${uxs[@]}")
printf 'an upper of %s MB, %s files (corpus A guest3, guest1, guest2); archives: unicage %s MB, tar %s MB\n' \
    $((size >> 20)) "$files" $(( $(stat -c %s "$w/u.tar.zst") >> 20 )) $(( $(stat -c %s "$w/t.tar.zst") >> 20 ))
printf 'export  unicage export %6s ms   tar --zstd -cf %6s ms   ratio %s (goal <= 1.2)   tar --xattrs --acls %s ms\n' "$a" "$b" "$(ratio "$a" "$b")" "$bx"
printf 'import  unicage import %6s ms   tar --zstd -xf %6s ms   ratio %s (goal <= 1.2)   tar -xf && sync %s ms: ratio %s (import makes the cage durable before it replaces anything)\n' "$c" "$d" "$(ratio "$c" "$d")" "$ds" "$(ratio "$c" "$ds")"
