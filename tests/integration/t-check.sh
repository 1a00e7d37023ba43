#!/usr/bin/env bash
# check: passes on a good setup; a broken cage.mp line, a missing object, a
# flipped byte in an object (--full), a stale pin each make their check
# FAILED (exit 1) and say why.
. "$(dirname "$0")/lib.sh"
cage_fixture
state=$T/fs/state
expect_exit 0 uc init
expect_exit 0 uc enable alice bob
expect_exit 0 uc check
for c in "kernel: overlay data-only layers" "kernel: data-only layers without metacopy" \
    "kernel: new mount API" "kernel: openat2" "kernel: FS_IMMUTABLE_FL on the store" \
    "kernel: procfs subset=pid" "kernel: cage mode" "config: cage.mp" \
    "skeleton: current generation" "cages: exec alice -- id -un" "cages: exec bob -- id -un" \
    "stale: slots and pins"; do
    grep -q "^OK  *$c: " "$T/out" || fail "check '$c' not OK: $(grep "$c" "$T/out")"
done
expect_exit 0 uc check --full --json
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["data"]
bad = [c for c in d if c["result"] == "FAILED"]
assert not bad, bad
sk = [c for c in d if c["check"] == "skeleton: current generation"][0]
assert "(all)" in sk["detail"], sk
' "$T/out" || fail "check --full --json"

# a broken cage.mp line
printf '/srv/shared\n!relative\n' > "$T/etc/cage.mp"
expect_exit 1 uc check
assert_grep "^FAILED *config: cage.mp: .*cage.mp:2" "$T/out" "a bad cage.mp line is a FAILED check naming file:line"
rm "$T/etc/cage.mp"
expect_exit 0 uc check

# a flipped byte in an object: only re-hashing every object sees it
gen=$state/skel/$(readlink "$state/skel/current")
obj=$state/store/objects$(getfattr --absolute-names --only-values -n trusted.overlay.redirect "$gen/stubs/usr/lib/uc-lib/libuc.so.1")
chattr -i "$obj"
printf '\x01' | dd of="$obj" bs=1 seek=3 count=1 conv=notrunc 2>/dev/null
chattr +i "$obj"
expect_exit 1 uc check --full
assert_grep "^FAILED *skeleton: current generation: .*not matching their key" "$T/out" "a flipped byte is found by --full"

# a missing object
chattr -i "$obj"; rm "$obj"
expect_exit 1 uc check
assert_grep "^FAILED *skeleton: current generation: .*1 object(s) missing" "$T/out" "a missing object is found"
assert_grep "libuc.so.1: its object is missing" "$T/out" "the check names the file"

# a pin left by a cage that is gone
mkdir -p "$state/skel/pins"; echo gen-000001 > "$state/skel/pins/alice.99"
expect_exit 1 uc check
assert_grep "^FAILED *stale: slots and pins: 1: pin alice.99" "$T/out" "a stale pin is reported"
expect_exit 0 uc gc
[ ! -e "$state/skel/pins/alice.99" ] || fail "gc left the stale pin"
expect_exit 0 uc umount-all
echo ok
