#!/usr/bin/env bash
# The systemd units: `systemd-analyze verify --root` (no systemd needs to
# run: it loads the units as the manager would, inside a root holding
# systemd's own units, `make install`'s files and the man pages named by
# Documentation=) finds nothing to say about any of them, and does say so of
# a broken copy; then every service's ExecStart lines run as the unit would
# run them, under its CapabilityBoundingSet and NoNewPrivileges (setpriv),
# against a test root with a mounted cage: update makes a new generation,
# gc releases the idle slot and removes the old generation and its objects
# (unmounts, chattr -i), the boot service's gc runs; and the same update
# with CAP_LINUX_IMMUTABLE out of the set fails (the set is not decoration).
. "$(dirname "$0")/lib.sh"
command -v systemd-analyze >/dev/null || skip "no systemd-analyze (package systemd)"
src=$UNICAGE_SRC
bdir=$(dirname "$UC")
# the build directory (a test build of binaries sits in BUILD/test/)
[ -f "$bdir/.cflags" ] || bdir=$(dirname "$bdir")
san=$(grep -o -- '-fsanitize=[^ ]*' "$bdir/.cflags" 2>/dev/null | head -n 1 | cut -d= -f2 || true)

# --- systemd-analyze verify ------------------------------------------------
r=$T/root
mkdir -p "$r/usr/lib/systemd"
cp -a /usr/lib/systemd/system "$r/usr/lib/systemd/"
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$src" ${san:+SANITIZE=$san} install DESTDIR="$r" > /dev/null
units=$(ls "$r"/usr/local/lib/systemd/system/unicage-*)
[ "$(echo "$units" | wc -l)" -ge 3 ] || fail "make install put fewer than 3 units"
for u in boot.service update.service update.timer; do
    echo "$units" | grep -q "/unicage-$u$" || fail "no unicage-$u"
done
verify() {
    local rc=0
    MANPATH=$r/usr/local/share/man SYSTEMD_LOG_COLOR=0 \
        systemd-analyze verify --root="$r" --man=yes "$@" > "$T/verify.out" 2>&1 || rc=$?
    return $rc
}
# shellcheck disable=SC2086
verify $units || { cat "$T/verify.out" >&2; fail "systemd-analyze verify failed"; }
[ ! -s "$T/verify.out" ] || { cat "$T/verify.out" >&2; fail "systemd-analyze verify had something to say"; }
# a broken unit is caught (the check can fail)
b=$r/usr/local/lib/systemd/system/unicage-broken.service
sed 's/^NoNewPrivileges=/NoNewPrivilege=/; s|^ExecStart=/usr/local/sbin/unicage|ExecStart=/usr/local/sbin/no-such-unicage|' \
    "$r/usr/local/lib/systemd/system/unicage-boot.service" > "$b"
verify "$b" || true
assert_grep "Unknown key" "$T/verify.out" "a misspelt key"
assert_grep "no-such-unicage" "$T/verify.out" "a missing ExecStart binary"
rm -f "$b"

# --- each service's commands under its capability set ----------------------
cage_fixture
expect_exit 0 uc init
expect_exit 0 uc enable alice
expect_exit 0 uc mount alice
# unit_run UNIT [CAPS-OUT...]: UNIT's ExecStart lines with $UC for unicage,
# under the unit's bounding set (minus CAPS-OUT) and NoNewPrivileges
unit_run() {
    local unit=$r/usr/local/lib/systemd/system/$1 caps line set nnp=""
    shift
    caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit")
    [ -n "$caps" ] || fail "$unit has no CapabilityBoundingSet"
    local c
    for c in "$@"; do caps=$(echo " $caps " | sed "s/ $c / /"); done
    set=-all$(for c in $caps; do c=${c#CAP_}; printf ',+%s' "${c,,}"; done)
    grep -q '^NoNewPrivileges=yes' "$unit" && nnp=--no-new-privs
    sed -n 's/^ExecStart=//p' "$unit" | while read -r line; do
        # shellcheck disable=SC2086
        setpriv --bounding-set="$set" $nnp --inh-caps=-all -- "$UC" ${line#/usr/local/sbin/unicage } || return $?
    done
}
# the host changes: the daily update makes a new generation
echo "new tool" > "$h/usr/bin/uc-new-tool"
unit_run unicage-update.service || fail "unicage-update.service's commands failed under its capabilities"
assert_eq "$(readlink "$T/fs/state/skel/current")" gen-000002 "the daily update made a new generation"
# alice gets a new slot while a process keeps the old one busy; once it has
# exited, the boot gc releases that slot and removes its generation
nsenter --mount="$T/run/ns/alice.1" sleep 300 & busy=$!
on_cleanup "kill -9 $busy"
sleep 0.3
expect_exit 0 uc remount alice
[ -e "$T/run/ns/alice.1" ] || fail "the busy slot 1 is gone before gc"
kill -9 "$busy"; wait "$busy" 2>/dev/null || true
unit_run unicage-boot.service || fail "unicage-boot.service's gc failed under its capabilities"
[ ! -e "$T/run/ns/alice.1" ] || fail "gc (boot) did not release the idle slot"
[ ! -e "$T/fs/state/skel/gen-000001" ] || fail "gc (boot) did not remove the old generation"
if [ -e "$r/usr/local/lib/systemd/system/unicage-tmpwatch.service" ]; then
    unit_run unicage-tmpwatch.service || fail "unicage-tmpwatch.service failed under its capabilities"
fi
# without CAP_LINUX_IMMUTABLE the new objects cannot be made +i
echo "newer tool" > "$h/usr/bin/uc-newer-tool"
if unit_run unicage-update.service CAP_LINUX_IMMUTABLE 2> "$T/noimm.err"; then
    fail "update worked without CAP_LINUX_IMMUTABLE: is the set tested at all?"
fi
echo "units ok"
