#!/usr/bin/env bash
# make bench, case proxy (run by scripts/bench.sh in its own `unshare -m`):
#   scripts/bench-proxy.sh UNICAGE WORKDIR
# A proxied /bin/true end to end, from a shell in alice's cage: the
# wrapper connects to unicage-proxyd, which identifies her, forks, starts
# /bin/true outside the cage with her ids and limits, and sends the status
# back. Per call: (a loop of 300 `proxied-true`, the wrapper) minus (the same
# loop of /bin/true), median of 7 batches; against `sudo -n true` on the
# host (the same run) when sudo is installed.
set -euo pipefail
UC=${1:?usage: bench-proxy.sh UNICAGE WORKDIR}
w=${2:?usage: bench-proxy.sh UNICAGE WORKDIR}
src=$(cd "$(dirname "$0")/.." && pwd)
bin=$(dirname "$UC")
. "$src/scripts/bench-cage-lib.sh"
bench_start
bench_alice
bench_host sh true date
# the wrapper at /usr/bin/proxied-true (unicage update puts it there)
echo "true:/usr/bin/proxied-true=/bin/true" > "$w/etc/proxy.commands"
"$UC" update > /dev/null
"$UC" enable alice > /dev/null
"$UC" mount alice > /dev/null
"$bin/unicage-proxyd" --foreground > "$w/proxyd.log" 2>&1 & pd=$!
trap 'kill $pd; bench_cleanup' EXIT
for _ in $(seq 100); do [ -S "$w/run/proxy/proxyexec.sock" ] && break; sleep 0.05; done
"$UC" exec alice -- proxied-true || { echo "bench: the proxy does not work: $(cat "$w/proxyd.log")" >&2; exit 1; }
loop() { # CMD: 300 runs inside the cage, total microseconds
    "$UC" exec alice -- sh -c 's=$(date +%s%N); i=0; while [ $i -lt 300 ]; do '"$1"'; i=$((i+1)); done; e=$(date +%s%N); echo $(( (e - s) / 1000 ))'
}
per_call() { # median of 7 batches: "total above" microseconds per call
    local t=() b px pl
    for ((b = 0; b < 7; b++)); do
        px=$(loop proxied-true) pl=$(loop /bin/true)
        t+=("$(( px / 300 )) $(( (px - pl) / 300 ))")
    done
    printf '%s\n' "${t[@]}" | sort -n -k2 | sed -n 4p
}
plain_host() {
    local s e i
    s=$(date +%s%N); for ((i = 0; i < 300; i++)); do "$@" > /dev/null 2>&1; done; e=$(date +%s%N)
    echo $(( (e - s) / 300000 ))
}
read -r total px <<< "$(per_call)"
trueus=$(plain_host /bin/true)
printf 'proxy: a proxied /bin/true from a shell in a cage, median per call:\n'
printf '  proxied-true (the wrapper), end to end                %6s us   (goal <= 3000 us)\n' "$total"
printf '  ... of which above a plain /bin/true in the cage      %6s us\n' "$px"
printf '  /bin/true on the host                                 %6s us\n' "$trueus"
if command -v sudo > /dev/null && sudo -n true 2> /dev/null; then
    su=$(plain_host sudo -n true)
    printf '  sudo -n true on the host                              %6s us   proxy/sudo %s (goal <= 2)\n' \
        "$su" "$(awk -v a="$total" -v b="$su" 'BEGIN {printf "%.2f", a / b}')"
else
    printf '  sudo -n true: sudo is not installed (or asks a password) here: no comparison\n'
fi
