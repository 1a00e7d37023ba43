#!/usr/bin/env bash
# Kill the cages' inits recorded below DIR (run_dir/ns/.slots/<user>/init:
# one per user with a cage, pid 1 of her pid namespace): they outlive every
# mount and would run on after a test, bench or demo that stops without
# `unicage umount-all`. Only a process still in the recorded pid namespace
# is killed (a recycled pid is left alone); its whole namespace dies with it.
#   scripts/stop-cage-inits.sh DIR
dir=${1:?usage: stop-cage-inits.sh DIR}
find "$dir" -maxdepth 6 -path '*/ns/.slots/*/init' 2>/dev/null | while read -r rec; do
    pid=$(sed -n 's/^pid=//p' "$rec")
    ino=$(sed -n 's/^pidns=//p' "$rec")
    [ -n "$pid" ] && [ "$(readlink "/proc/$pid/ns/pid" 2>/dev/null)" = "pid:[$ino]" ] &&
        kill -9 "$pid" 2>/dev/null
done
exit 0
