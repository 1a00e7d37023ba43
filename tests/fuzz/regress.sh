#!/usr/bin/env bash
# make check: every seed and every kept crasher of each fuzz target through
# its driver build (tests/fuzz/driver.c).   regress.sh BINDIR NAME...
set -u
here=$(cd "$(dirname "$0")" && pwd)
bindir=$1
shift
fail=0 pass=0
for t in "$@"; do
    dirs=()
    for d in "$here/seeds/$t" "$here/regress/$t"; do [ -d "$d" ] && dirs+=("$d"); done
    if [ ${#dirs[@]} -eq 0 ]; then
        echo "FAILED: fuzz $t: no seeds (tests/fuzz/seeds/$t/)"
        fail=$((fail + 1))
        continue
    fi
    if out=$("$bindir/$t" "${dirs[@]}" 2>&1); then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        printf '%s\n' "$out" | tail -n 30
        echo "FAILED: fuzz $t"
    fi
done
echo "fuzz regression: $pass targets passed, $fail failed"
[ "$fail" -eq 0 ]
