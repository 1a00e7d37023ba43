#!/usr/bin/env bash
# kill -9 at any point of an import loses nothing: before its commit record
# is durable the host stays as it was, after it the import is finished by
# the next mount (exec, enter), gc or import; at no moment is the cage's
# directory missing, and nothing temporary is left once recovered.
. "$(dirname "$0")/lib.sh"
cage_fixture
state=$T/fs/state
cage=$state/cages/01/alice
expect_exit 0 uc init
expect_exit 0 uc enable alice
expect_exit 0 uc mount alice
up=$cage/upper
# version 1 and version 2 of alice's cage: her upper, custom.etc, home; a few
# MB so that a kill can land while the archive is being extracted
mkdir -p "$up/srv/data" "$T/etc/custom.etc/alice"
for i in $(seq 60); do head -c 65536 /dev/urandom > "$up/srv/data/f$i"; done
echo v1 > "$up/srv/version"; echo v1 > "$T/etc/custom.etc/alice/motd"
echo v1 > "$h/home/alice/index.html"
expect_exit 0 uc umount alice
expect_exit 0 uc export alice --with-home -o "$T/v1.tar.zst"
echo v2 > "$up/srv/version"; echo v2 > "$T/etc/custom.etc/alice/motd"
echo v2 > "$h/home/alice/index.html"; rm "$up/srv/data/f1"
expect_exit 0 uc export alice --with-home -o "$T/v2.tar.zst"

state_of() { # the listing of alice's three trees
    listing --no-inodes "$cage/upper" "$T/etc/custom.etc/alice" "$h/home/alice"
}
leftovers() {
    ls -d "$state/cages/01"/.import-* "$T/etc/custom.etc"/.import-* "$h/home"/.import-* \
        "$state/imports"/*.intent* 2>/dev/null || true
}
expect_exit 0 uc import --force "$T/v1.tar.zst"; state_of > "$T/L1"
expect_exit 0 uc import --force "$T/v2.tar.zst"; state_of > "$T/L2"
cmp -s "$T/L1" "$T/L2" && fail "test setup: the two versions do not differ"
cur=2

# --- every point of the commit: the record, each swap, /etc, the removal ---------
points=0
for k in 1 2 3 4 5 6 7; do
    want=$((3 - cur)) # the other version
    rc=0
    UNICAGE_TEST_IMPORT_CRASH=$k "$UC" import --force "$T/v$want.tar.zst" > /dev/null 2>&1 || rc=$?
    if [ "$rc" = 0 ]; then
        [ "$k" -gt 1 ] || fail "the import did not reach its first crash point"
        break # past the last point
    fi
    assert_eq "$rc" 137 "import killed at commit point $k"
    points=$k
    [ -d "$cage/upper" ] || fail "point $k: alice's cage directory is missing"
    [ -e "$state/imports/alice.intent" ] || fail "point $k: no commit record after the crash"
    if [ "$k" = 1 ]; then # check says so
        expect_exit 1 uc check
        assert_grep "^FAILED *stopped imports: 1: alice (its commit was cut short)" "$T/out" "check names the stopped import"
        expect_exit 0 uc umount alice # check's exec mounted it (and finished the import)
    fi
    # the next mount (or exec, which mounts), gc or import finishes it
    case $((k % 4)) in
    0) expect_exit 0 uc mount alice; expect_exit 0 uc umount alice ;;
    1) pending=$([ -e "$state/imports/alice.intent" ] && echo yes || true)
       expect_exit 0 uc gc
       [ -z "$pending" ] || assert_grep "finished 1 import" "$T/out" "gc says it finished the import" ;;
    2) expect_exit 0 uc import --force "$T/v$want.tar.zst" ;;
    3) expect_exit 0 uc exec alice -- /bin/sh -c true; expect_exit 0 uc umount alice ;;
    esac
    state_of > "$T/now"
    diff "$T/L$want" "$T/now" > "$T/d" || fail "point $k: not version $want after recovery: $(head -5 "$T/d")"
    [ -z "$(leftovers)" ] || fail "point $k: left behind: $(leftovers)"
    cur=$want
done
[ "$points" -ge 5 ] || fail "only $points commit points were reached"
echo "$points commit points: each finished by the next mount, gc or import"
uc check > "$T/out" || true
assert_grep "^OK *stopped imports: none" "$T/out" "nothing left for check to report"
expect_exit 0 uc umount alice # check's exec mounted it

# --- kills anywhere, mostly while the archive is extracted: all or nothing ----------
s0=$(date +%s%N)
expect_exit 0 uc import --force "$T/v$((3 - cur)).tar.zst"; cur=$((3 - cur))
span=$(( ($(date +%s%N) - s0) / 100000 )) # one import, in 0.1 ms
[ "$span" -ge 10 ] || span=10
rounds=${UC_CRASH_ROUNDS:-20}
killed=0
for i in $(seq "$rounds"); do
    want=$((3 - cur))
    "$UC" import --force "$T/v$want.tar.zst" > /dev/null 2>&1 &
    p=$!
    sleep "0.$(printf %04d $((RANDOM % span)))"
    kill -9 "$p" 2>/dev/null || true
    rc=0; wait "$p" 2>/dev/null || rc=$?
    [ "$rc" = 137 ] && killed=$((killed + 1))
    [ -d "$cage/upper" ] || fail "round $i: alice's cage directory is missing"
    if [ -n "$(ls -d "$state/cages/01"/.import-* 2>/dev/null)" ]; then
        uc check > "$T/out" || true
        assert_grep "^FAILED *stopped imports: .*alice" "$T/out" "check names what a stopped import left"
        expect_exit 0 uc umount alice # check's exec mounted it
    fi
    expect_exit 0 uc gc
    state_of > "$T/now"
    if cmp -s "$T/now" "$T/L$want"; then
        cur=$want
    elif ! cmp -s "$T/now" "$T/L$cur"; then
        fail "round $i: neither version after the crash and gc: $(diff "$T/L$cur" "$T/now" | head -5)"
    fi
    [ -z "$(leftovers)" ] || fail "round $i: left behind: $(leftovers)"
done
echo "$killed of $rounds imports killed before they finished"
[ "$killed" -ge $((rounds / 4)) ] || fail "too few kills landed mid-run ($killed)"
expect_exit 0 uc mount alice
expect_exit 0 uc umount alice

# --- a home in a directory its user can write ------------------------------------
# dave owns /www, where his home is: he can rename what import puts beside
# his home. He swaps import's temporary directory for a link to a directory
# of his choosing just before the commit: nothing of that directory may be
# swapped in, and nothing moves.
echo "dave:x:1004:1004::/www/dave:/bin/sh" >> "$T/passwd"; echo "dave:x:1004:" >> "$T/group"
mkdir -p "$h/www/dave"; chown 1004:1004 "$h/www" "$h/www/dave"
echo "dave's page" > "$h/www/dave/index.html"
mkdir -p "$state/cages/04/dave/upper/srv"; echo mine > "$state/cages/04/dave/upper/srv/f"
expect_exit 0 uc export dave --with-home -o "$T/dave.tar.zst"
# (on the same filesystem: a rename could move it)
mkdir -p "$T/fs/decoy/home"; echo "not dave's" > "$T/fs/decoy/home/marker"
rm -f "$T/pause"
UNICAGE_TEST_IMPORT_PAUSE=$T/pause "$UC" import --force "$T/dave.tar.zst" > "$T/out" 2> "$T/err" &
p=$!
for i in $(seq 300); do [ -e "$T/pause" ] && break; sleep 0.05; done
[ -e "$T/pause" ] || fail "import did not reach its pause"
tmp=$(ls -d "$h/www"/.import-dave.* | head -1)
[ -n "$tmp" ] || fail "no temporary dir beside dave's home"
mv "$tmp" "$h/www/moved-away"; ln -s "$T/fs/decoy" "$tmp"
rm "$T/pause"
if wait $p; then fail "the import went on through a link dave planted"; fi
[ -e "$T/fs/decoy/home/marker" ] || fail "the directory dave's link pointed to was moved"
assert_eq "$(cat "$h/www/dave/index.html")" "dave's page" "dave's home is still his own"
[ ! -e "$state/imports/dave.intent" ] || fail "a commit record left after a refused commit"
echo "a link planted beside a home before the commit: refused, nothing moved"
echo ok
