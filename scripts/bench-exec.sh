#!/usr/bin/env bash
# make bench, case exec (run by scripts/bench.sh in its own `unshare -m`):
#   scripts/bench-exec.sh UNICAGE WORKDIR
# `unicage exec USER -- /bin/true` against plain `/bin/true`, against
# `nsenter --mount=HANDLE -S UID -G GID /bin/true` (the same cage, the same
# user) and against the floor of any exec-through tool (a static program
# that only execs its argument), same run, whole-process times: the median
# of 7 batches of 300 runs each. Two floors are measured beside them: a
# static program that only execs its argument, and one that joins the cage
# with setns(2) and execs (no checks, no ids, no capability drop).
set -euo pipefail
UC=${1:?usage: bench-exec.sh UNICAGE WORKDIR}
w=${2:?usage: bench-exec.sh UNICAGE WORKDIR}
src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/scripts/bench-cage-lib.sh"
bench_start
bench_alice
bench_host sh true id
"$UC" enable alice > /dev/null
"$UC" mount alice > /dev/null
handle=$w/run/ns/alice.1
printf '#include <unistd.h>\nextern char **environ;\nint main(int c, char **v) { if (c > 1) execve(v[1], v + 1, environ); return 127; }\n' > "$w/floor.c"
${CC:-cc} -O2 -static -o "$w/floor" "$w/floor.c"
printf '#define _GNU_SOURCE\n#include <fcntl.h>\n#include <sched.h>\n#include <unistd.h>\nextern char **environ;\nint main(int c, char **v) { int fd = open(v[1], O_RDONLY | O_CLOEXEC); if (fd < 0 || setns(fd, CLONE_NEWNS)) return 1; execve(v[2], v + 2, environ); return 127; }\n' > "$w/floor-ns.c"
${CC:-cc} -O2 -static -o "$w/floor-ns" "$w/floor-ns.c"
[ "$("$UC" exec alice -- id -un)" = alice ] || { echo "bench: exec does not work" >&2; exit 1; }

per_call() { # CMD...: median over 7 batches of 300, in microseconds per call
    local t=() s e i b
    for ((b = 0; b < 7; b++)); do
        s=$(date +%s%N)
        for ((i = 0; i < 300; i++)); do "$@"; done
        e=$(date +%s%N)
        t+=($(( (e - s) / 300000 )))
    done
    printf '%s\n' "${t[@]}" | sort -n | sed -n 4p
}
plain=$(per_call /bin/true)
floor=$(per_call "$w/floor" /bin/true)
floorns=$(per_call "$w/floor-ns" "$handle" /bin/true)
nsent=$(per_call nsenter --mount="$handle" -S 1001 -G 1001 /bin/true)
ucx=$(per_call "$UC" exec alice -- /bin/true)
core=$(per_call "$(dirname "$UC")/unicage-core" exec alice -- /bin/true)
r() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
printf 'exec /bin/true, whole process, median per call:\n'
printf '  plain /bin/true                          %6s us\n' "$plain"
printf '  a static program that only execs it      %6s us   %sx plain (the floor of any exec-through tool)\n' "$floor" "$(r "$floor" "$plain")"
printf '  a static program: setns, then exec       %6s us   %sx plain (the floor in a cage: no ids, no checks)\n' "$floorns" "$(r "$floorns" "$plain")"
printf '  nsenter --mount=HANDLE -S -G /bin/true   %6s us   %sx plain\n' "$nsent" "$(r "$nsent" "$plain")"
printf '  unicage exec alice -- /bin/true          %6s us   %sx plain (goal <= 1.3), %sx nsenter\n' "$ucx" "$(r "$ucx" "$plain")" "$(r "$ucx" "$nsent")"
printf '  unicage-core exec (the full binary)      %6s us   %sx plain (what exec cost before the small front)\n' "$core" "$(r "$core" "$plain")"
