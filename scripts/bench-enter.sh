#!/usr/bin/env bash
# make bench, case enter (run by scripts/bench.sh in its own `unshare -m`):
#   scripts/bench-enter.sh UNICAGE WORKDIR
# An interactive `unicage enter alice` on a terminal (goal <= 50 ms): from
# its start on a new pty until the repair shell's prompt is on that pty
# (unicage opens a pty of its own and relays it), against the same shell
# started directly on the pty, same run (scripts/pty-time.c).
set -euo pipefail
UC=${1:?usage: bench-enter.sh UNICAGE WORKDIR}
w=${2:?usage: bench-enter.sh UNICAGE WORKDIR}
src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/scripts/bench-cage-lib.sh"
bench_start
bench_alice
bench_host sh true id
"$UC" enable alice > /dev/null
"$UC" mount alice > /dev/null
${CC:-cc} -O2 -o "$w/pty-time" "$src/scripts/pty-time.c" -lutil
printf 'interactive enter, from start to prompt on a terminal (41 runs):\n'
printf '  unicage enter alice      '; "$w/pty-time" 41 '[cage alice]' "$UC" enter alice
printf '  the shell alone (sh -i)  '; PS1='[cage alice] ' "$w/pty-time" 41 '[cage alice]' /bin/sh -i
