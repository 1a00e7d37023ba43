#!/usr/bin/env bash
# Crash safety and hostile trees: kill -9 at random moments (every path keeps
# its original content, a rerun completes), and a directory swapped for a
# symlink during runs (nothing outside the trees is linked or written).
. "$(dirname "$0")/lib.sh"
scratch_ext4 "$T/fs" 512
cd "$T/fs"
printf 'state_dir = %s/fs/state\n' "$T" > "$UNICAGE_CONFIG"

# A pristine guest of 200 files; every round unifies two fresh copies of it
# with g1 (and the objects of earlier rounds), and is killed at a random
# moment. Afterwards every path of every copy must hold its original
# content, owner and mode.
for d in $(seq 1 10); do
    mkdir -p tpl/usr/lib/d$d
    for f in $(seq 1 20); do
        printf 'file %s %s %s\n' "$d" "$f" "$(seq 1 $((f * 40)))" > tpl/usr/lib/d$d/f$f
    done
done
touch -d '2024-01-01' tpl/usr/lib/d*/*
cp -a tpl g1
# content TREE...: what every path holds; temp names of a killed run may
# stay until the next run removes them, so they are left out.
content() { listing --no-inodes "$@" | grep -v '/\.unicage-unify\.' | awk '{print $1, $3, $4, $5, $6, $7}'; }
# the same for copies of tpl named $@
tpl_content=$(content tpl)
expected() { for t in "$@"; do sed "s|^tpl/|$t/|" <<< "$tpl_content"; done; }

# Kill delays are drawn from what one run takes on this machine now (a
# fixed range was too long once unify got faster, and killed too few runs).
cp -a tpl m1 && cp -a tpl m2 && cp -a g1 m0
t0=$(date +%s%N)
"$UC" unify --store "$T/fs/measure" m0 m1 m2 > /dev/null 2>&1
run_us=$(( ($(date +%s%N) - t0) / 1000 ))
# (m0-m2 and that store stay: their objects are +i, cleanup clears them)
echo "one run takes ${run_us} us"
rounds=${UC_KILL_ROUNDS:-60}
killed=0
for i in $(seq 1 "$rounds"); do
    cp -a tpl a$i && cp -a tpl b$i
    "$UC" unify --threads $((1 + i % 4)) g1 a$i b$i > /dev/null 2>&1 &
    pid=$!
    d=$((RANDOM * run_us / 32768))
    sleep "$((d / 1000000)).$(printf %06d $((d % 1000000)))"
    kill -9 $pid 2>/dev/null && killed=$((killed + 1))
    wait $pid 2>/dev/null || true
    got=$(content g1 a$i b$i)
    want=$(expected g1 a$i b$i)
    [ "$got" == "$want" ] || { diff <(echo "$want") <(echo "$got") | head; fail "round $i: a path lost its content"; }
done
echo "killed $killed of $rounds runs midway"
[ "$killed" -ge $((rounds * 2 / 5)) ] || fail "too few runs were killed midway ($killed): the test proves nothing"
expect_exit 0 uc unify g1 a* b*
trees=$(ls -d g1 a* b*)
assert_eq "$(content $trees)" "$(expected $trees)" "content after the final run"
for f in tpl/usr/lib/d*/f*; do
    rel=${f#tpl/}
    i=$(inode g1/$rel)
    [ "$(inode a1/$rel)" = "$i" ] && [ "$(inode b$rounds/$rel)" = "$i" ] || fail "$rel not unified after the final run"
done
leftovers=$(find g1 a* b* -name '.unicage-unify.*' | wc -l)
assert_eq "$leftovers" 0 "temp names left in the trees"
assert_eq "$(ls -A "$T/fs/state/store/tmp" | wc -l)" 0 "temp names left in the store"

# A directory swapped for a symlink to the outside while runs go on.
mkdir -p outside/d1 swap/g5/usr/lib swap/g6/usr/lib
cp -a g1/usr/lib/d1 outside/
cp -a g1/usr/lib/d1 swap/g5/usr/lib/ && cp -a g1/usr/lib/d1 swap/g6/usr/lib/
outside_before=$(listing outside)
(
    for _ in $(seq 1 400); do
        mv swap/g6/usr/lib/d1 swap/g6/usr/lib/d1.real 2>/dev/null
        ln -sfn "$T/fs/outside/d1" swap/g6/usr/lib/d1
        sleep 0.001
        rm -f swap/g6/usr/lib/d1
        mv swap/g6/usr/lib/d1.real swap/g6/usr/lib/d1 2>/dev/null
    done
) &
swapper=$!
for _ in $(seq 1 20); do
    "$UC" unify --store "$T/fs/swapstore" swap/g5 swap/g6 > /dev/null 2>&1 || true
    # a fresh state for the next round: g5's names split back
    "$UC" unify --store "$T/fs/swapstore" --split swap/g5/usr/lib/d1/* >/dev/null 2>&1 || true
done
wait $swapper
assert_eq "$(listing outside)" "$outside_before" "files outside the trees changed"
[ -z "$(find outside -name '.unicage-unify.*')" ] || fail "temp names written outside the tree"
