#!/usr/bin/env bash
# The lean no-op update (skel/noop.h, issue 12 "Speed"): the static front
# says "nothing to do" only when it has proven that nothing changed since
# the last full no-op; each kind of input changed here must make the full
# update run (UNICAGE_DEBUG names the path taken), and the lean path's
# output is byte for byte the full one's, for each option update takes.
. "$(dirname "$0")/lib.sh"
rhel_fixture 512
core=$(dirname "$UC")/unicage-core
[ -x "$core" ] || fail "no unicage-core beside $UC"
skel=$T/fs/state/skel
cp "$UNICAGE_SRC"/conf.d/*.cfg "$T/etc/conf.d/"
cat > "$T/etc/conf.d/extra.cfg" <<'CFG'
[extra]
paths=/etc/profile.d, /usr/bin/no-such-tool, /usr/share/licenses/bash*
CFG
# a library directory of ld.so.conf outside every cfg path (see below)
mkdir -p "$h/opt/uc-libs"
echo /opt/uc-libs > "$h/etc/ld.so.conf.d/uc-test.conf"
expect_exit 0 uc addrpm bash
expect_exit 0 uc init

# which path an update took: "lean" or "full"
path_taken() {
    UNICAGE_DEBUG=general "$UC" update > "$T/out" 2> "$T/err" || fail "update failed: $(cat "$T/err")"
    if grep -q "update: lean no-op" "$T/err"; then echo lean
    elif grep -q "update: full update" "$T/err"; then echo full; grep "full update\|noop" "$T/err" >&2
    else fail "update said neither path: $(cat "$T/err")"; fi
}
# after a change: the full update, then (one full no-op records) lean again
must_be_full() { # WHAT
    assert_eq "$(path_taken)" full "$1: lean path claimed a no-op"
    "$UC" gc > /dev/null 2>&1 || fail "gc"
    path_taken > /dev/null
    assert_eq "$(path_taken)" lean "$1: not lean again once recorded"
}

# a generation that misses libraries (here: NSS modules nsswitch.conf names
# that UBI micro lacks, libraries of packages not taken) rechecks them at
# each full update; the record holds where those lookups looked, so the
# lean path proves them too
assert_eq "$(path_taken)" full "first update after init (no record yet)"
assert_eq "$(path_taken)" lean "a generation with a recheck list, recorded"
grep -q "^res	f	/opt/uc-libs/libnss_myhostname.so.2	" "$skel/noop" ||
    fail "the record lacks the lookup in ld.so.conf's /opt/uc-libs"
grep -q "/opt/uc-libs" "$skel/current/index" && fail "premise: /opt/uc-libs is in the index"
# the missing module appears where only the recheck looks (a directory of
# ld.so.conf outside every cfg path: no directory of the index changes)
cp "$h/usr/lib64/libnss_files.so.2" "$h/opt/uc-libs/libnss_myhostname.so.2"
assert_eq "$(path_taken)" full "a missing library appeared in a directory the recheck searches"
assert_grep "/opt/uc-libs/libnss_myhostname.so.2" "$skel/current/elfdeps" "the library found by the full update"
path_taken > /dev/null
assert_eq "$(path_taken)" lean "lean again once recorded"
# every package taken: nothing missing
HOME=$T rpm --root "$h" --dbpath /var/lib/rpm -qa --qf '%{NAME}\n' > "$T/etc/rpm.list"
assert_eq "$(path_taken)" full "rpm.list changed"
path_taken > /dev/null
assert_eq "$(path_taken)" lean "unchanged host"
assert_grep "nothing to do" "$T/out" "lean output"

# byte for byte the full update's output, for each option
for opts in "" "-q" "-v" "--json" "-n" "-n -v" "--json -n" "-v --wait-lock" "--dry-run -q"; do
    # shellcheck disable=SC2086
    "$core" update $opts > "$T/full.out" 2> "$T/full.err"
    # shellcheck disable=SC2086
    UNICAGE_DEBUG= "$UC" update $opts > "$T/lean.out" 2> "$T/lean.err"
    # shellcheck disable=SC2086
    assert_eq "$(UNICAGE_DEBUG=general "$UC" update $opts 2>&1 >/dev/null | grep -c 'lean no-op')" 1 "[$opts] took the lean path"
    cmp -s "$T/full.out" "$T/lean.out" || fail "[$opts] stdout differs: $(diff "$T/full.out" "$T/lean.out")"
    cmp -s "$T/full.err" "$T/lean.err" || fail "[$opts] stderr differs: $(diff "$T/full.err" "$T/lean.err")"
done
UNICAGE_DEBUG= "$UC" update -v > "$T/lean.out" 2> "$T/lean.err"
assert_grep "conf.d path not on this host: /usr/bin/no-such-tool" "$T/lean.err" "-v names missing cfg paths (lean)"

# options it does not handle: the full update
"$UC" update --dont-clean > /dev/null 2>&1
UNICAGE_DEBUG=general "$UC" update -vn > "$T/out" 2> "$T/err"
! grep -q "lean no-op" "$T/err" || fail "-vn taken by the lean path"

# a new cfg file
printf '[more]\npaths=/etc/os-release\n' > "$T/etc/conf.d/more.cfg"
must_be_full "new cfg file"
# a cfg edited with its size and mtime restored (its ctime says it)
f=$T/etc/conf.d/more.cfg
touch -r "$f" "$T/stamp"
sed -i 's/os-release/os-releasX/' "$f"
touch -r "$T/stamp" "$f"
must_be_full "cfg edited, same size and mtime"
# black.list
echo /usr/share/licenses >> "$T/etc/black.list"
must_be_full "black.list edit"
echo /nothing >> "$T/etc/custom.black.list"
must_be_full "custom.black.list created"
# unicage.conf
echo "# a comment" >> "$UNICAGE_CONFIG"
must_be_full "unicage.conf edited"
# rpm -U: the rpmdb changed
export HOME=$T/rpmhome; mkdir -p "$HOME"
rpm --root "$h" --dbpath /var/lib/rpm --define '_db_backend sqlite' --rebuilddb 2>/dev/null
[ -f "$h/var/lib/rpm/rpmdb.sqlite" ] || skip "rpm cannot convert the rpmdb to sqlite here"
must_be_full "the rpmdb rebuilt"
rpms=$(fixture_rpms)
rpm --root "$h" --dbpath /var/lib/rpm --nodeps --noscripts -U "$rpms/uc-extra-2.0-1.noarch.rpm" 2>/dev/null
must_be_full "rpm -U"
# a file changed under a wanted directory, a new file in one
echo "# changed" >> "$h/etc/profile.d/colorls.sh"
must_be_full "a file changed under /etc/profile.d"
touch "$h/etc/profile.d/new.sh"
must_be_full "a new file in /etc/profile.d"
[ -e "$skel/current/tree/etc/profile.d/new.sh" ] || fail "new.sh not taken"
# a missing cfg path appears
printf "#!/bin/sh\necho hi\n" > "$h/usr/bin/no-such-tool"
must_be_full "a missing cfg path created"
[ -e "$skel/current/tree/usr/bin/no-such-tool" ] || fail "no-such-tool not taken"
# a glob's directory gets a new match
touch "$h/usr/share/licenses/bash-extra"
must_be_full "a new glob match"
# a new user whose home is a directory the skeleton takes
echo "carol:x:1003:1003::/etc/profile.d:/bin/bash" >> "$T/passwd"
must_be_full "a new user's home"
[ ! -e "$skel/current/tree/etc/profile.d/new.sh" ] || fail "carol's home still in the skeleton"
# a symlink on the way retargeted
ln -sfn usr/lib64 "$h/lib64.new" && mv -T "$h/lib64.new" "$h/lib64"
must_be_full "the /lib64 link replaced"
# the record damaged, of another version, or the generation switched
sed -i '1s/.*/unicage-noop 0 old/' "$skel/noop"
assert_eq "$(path_taken)" full "a record of another version"
path_taken > /dev/null
echo "garbage" >> "$skel/noop"
assert_eq "$(path_taken)" full "a damaged record"
path_taken > /dev/null
assert_eq "$(path_taken)" lean "recorded again"
# the skeleton's lock held: the full update (which says who holds it)
flock "$T/fs/state/skel.lock" sleep 3 &
pid=$!
on_cleanup "kill $pid"
sleep 0.3
UNICAGE_DEBUG=general "$UC" update > "$T/out" 2> "$T/err" || true
grep -q "full update (skel.lock)" "$T/err" || fail "lean path ran with the lock held: $(cat "$T/err")"
wait $pid || true
echo "ok"
