#!/usr/bin/env bash
# kill -9 at any point of mount/remount loses nothing and leaves nothing:
# the next mount works, the cage is whole, and umount-all leaves no handle,
# pin, workdir or mount behind.
. "$(dirname "$0")/lib.sh"
cage_fixture
ns=$T/run/ns
state=$T/fs/state
expect_exit 0 uc init
expect_exit 0 uc enable alice bob
expect_exit 0 uc mount alice bob
rounds=${UC_CRASH_ROUNDS:-40}
# kills land anywhere in a remount: the delay is drawn from 0 to what one
# remount takes on this machine (in 0.1 ms steps)
s0=$(date +%s%N)
for i in 1 2 3; do "$UC" remount alice > /dev/null; done
span=$(( ($(date +%s%N) - s0) / 300000 ))   # one remount, in 0.1 ms
[ "$span" -ge 10 ] || span=10
killed=0
for i in $(seq "$rounds"); do
    "$UC" remount alice > /dev/null 2>&1 &
    p=$!
    sleep "0.$(printf %04d $((RANDOM % span)))"
    kill -9 "$p" 2>/dev/null || true
    rc=0; wait "$p" 2>/dev/null || rc=$?
    [ "$rc" = 137 ] && killed=$((killed + 1))
done
echo "$killed of $rounds remounts killed before they finished"
[ "$killed" -ge $((rounds / 4)) ] || fail "too few kills landed mid-run ($killed)"
expect_exit 0 uc mount alice
s=$(sed -n 's/^alice: [a-z ]*mounted (slot \([0-9]*\).*/\1/p' "$T/out")
[ -n "$s" ] || fail "no slot after the crashes: $(cat "$T/out")"
nsenter --mount="$ns/alice.$s" cat /etc/passwd > "$T/pw" || fail "the cage after the crashes does not work"
assert_grep '^alice:' "$T/pw" "alice's /etc after the crashes"
grep -q '^bob:' "$T/pw" && fail "bob in alice's /etc after the crashes"
n=$(nsenter --mount="$ns/alice.$s" --pid="$ns/alice.pid" cat /proc/self/mountinfo | awk '$5 !~ "^/proc/"' | wc -l)
assert_eq "$n" 10 "the cage after the crashes has all its mounts (9 and the proxy socket directory)"
# one init per user, parked in this run's template namespace
tmpl="mnt:[$(stat -L -c %i "$ns/.template")]"
n=0; for p in $(pgrep -x unicage-init); do [ "$(readlink "/proc/$p/ns/mnt")" = "$tmpl" ] && n=$((n + 1)); done
assert_eq "$n" 2 "one init for alice, one for bob"
nsenter --mount="$ns/bob.1" cat /etc/passwd | grep -q '^bob:' || fail "bob's cage hurt by alice's crashes"
expect_exit 0 uc remount-all                 # releases what the crashes left
expect_exit 0 uc umount-all
expect_exit 0 uc list
[ ! -s "$T/out" ] || fail "slots left: $(cat "$T/out")"
[ -z "$(ls "$state/skel/pins" 2>/dev/null)" ] || fail "pins left: $(ls "$state/skel/pins")"
[ -z "$(ls "$state/cages/01/alice/work" 2>/dev/null)" ] || fail "workdirs left: $(ls "$state/cages/01/alice/work")"
[ -z "$(ls "$ns" | grep -v '^\.' | grep -v '\.lock$')" ] || fail "files left in run_dir/ns: $(ls "$ns")"
findmnt -rn -o TARGET | grep "^$T/run" && fail "mounts left behind"
[ ! -e "$state/cages/01/alice/etc.new" ] || fail "etc.new left"
echo "ok ($rounds kills)"
