#!/usr/bin/env bash
# The skeleton of the real RHEL 8.4 rootfs (issue 12: items 1, 2, 6, 7, 8, 11):
# paths below the merged-/usr links are taken at their real paths with the
# links kept; no-op updates build nothing; a changed file and `rpm -U` do;
# state on another filesystem (tmpfs: EXDEV); a damaged index is rebuilt;
# paths=/home takes no home; vdu follows skel/current.
. "$(dirname "$0")/lib.sh"
rhel_fixture 512
skel=$T/fs/state/skel
cur() { echo "$skel/$(readlink "$skel/current")"; }

# CageFS's format: no [section] line; /bin and /lib64 are links into usr/.
cat > "$T/etc/conf.d/shell.cfg" <<'CFG'
comment=a shell and what it needs, named as CageFS users name them
paths=/bin/bash, /bin/ls, /lib64/libtinfo.so.6, /sbin/ldconfig, /etc/profile,
    /usr/bin/no-such-tool, /home, /escape/only-in-sysroot, /escape/group
CFG
# a link that climbs above the sysroot resolves inside it (the machine's
# /etc is never reached); a home parent owned by a user is taken as root's
ln -s ../../../../../../../../../etc "$h/escape"
echo "sysroot's own" > "$h/etc/only-in-sysroot"
chown 1002:1002 "$h/home"
expect_exit 0 uc addrpm --requires bash
expect_exit 0 uc -v init
assert_grep "conf.d path not on this host: /usr/bin/no-such-tool" "$T/err" "missing cfg path named"
assert_grep "reaches users' homes" "$T/err" "paths=/home warned"
g=$(cur)
[ -L "$g/tree/lib64" ] && [ "$(readlink "$g/tree/lib64")" = usr/lib64 ] || fail "/lib64 -> usr/lib64 not in the generation"
[ -L "$g/tree/bin" ] || fail "/bin link not in the generation"
[ -f "$g/tree/usr/lib64/libc.so.6" ] || [ -L "$g/tree/usr/lib64/libc.so.6" ] || fail "no /usr/lib64/libc.so.6"
[ -f "$g/tree/usr/lib64/$(readlink "$h/usr/lib64/libc.so.6")" ] || fail "libc's file missing"
[ -f "$g/tree/usr/lib64/ld-linux-x86-64.so.2" ] || [ -L "$g/tree/usr/lib64/ld-linux-x86-64.so.2" ] || fail "no ld.so"
assert_eq "$(sha "$g/tree/usr/bin/bash")" "$(sha "$h/usr/bin/bash")" "bash"
[ -e "$g/tree/usr/bin/ls" ] || fail "cfg /bin/ls not taken at /usr/bin/ls"
[ -e "$g/tree/usr/lib64/libtinfo.so.6" ] || fail "cfg /lib64/libtinfo.so.6 not taken"
# the loader runs bash from the generation (its libraries are all there)
"$g/tree/usr/lib64/ld-linux-x86-64.so.2" --library-path "$g/tree/usr/lib64" "$g/tree/usr/bin/bash" -c 'echo ran' > "$T/ran" || fail "bash of the generation does not load"
assert_eq "$(cat "$T/ran")" "ran" "bash ran"

[ -f "$g/tree/etc/only-in-sysroot" ] || fail "a link above the sysroot not resolved inside it"
assert_eq "$(sha "$g/tree/etc/group")" "$(sha "$h/etc/group")" "/escape/group is the sysroot's /etc/group"
[ -L "$g/tree/escape" ] || fail "the link on the way not kept"

# paths=/home: the parent of homes is empty, root's, 0755; no home inside
[ -d "$g/tree/home" ] || fail "/home not taken"
assert_eq "$(stat -c '%u:%g %a' "$g/tree/home")" "0:0 755" "/home owner and mode"
assert_eq "$(ls -A "$g/tree/home")" "" "homes in the skeleton"

expect_exit 0 uc status
assert_grep "conf.d paths absent 1 (/usr/bin/no-such-tool)" "$T/out" "status names the missing cfg path"
expect_exit 0 uc check

# three no-op updates in a row: no new generation, nothing printed with -q
first=$(readlink "$skel/current")
for i in 1 2 3; do
    expect_exit 0 uc update
    assert_grep "nothing to do" "$T/out" "update $i"
done
expect_exit 0 uc -q update
assert_eq "$(cat "$T/out" "$T/err")" "" "-q update prints nothing"
assert_eq "$(readlink "$skel/current")" "$first" "no new generation"

# a changed file: update -n -v names it, update takes it
echo "# changed" >> "$h/etc/profile"
expect_exit 0 uc -v update -n
assert_grep "/etc/profile" "$T/out" "update -n -v names the changed path"
assert_eq "$(readlink "$skel/current")" "$first" "dry run built nothing"
expect_exit 0 uc update
assert_grep "# changed" "$(cur)/tree/etc/profile" "changed file taken"
second=$(readlink "$skel/current")
[ "$second" != "$first" ] || fail "no new generation after a change"

# the index made unreadable: the next update reads the files again and
# writes a good index; the one after is a no-op again
printf 'unicage-index 1\n/x\t1\t2\t3\n' > "$(cur)/index"
expect_exit 0 uc update
assert_grep "reading every file again" "$T/err" "warning about the index"
expect_exit 0 uc update
assert_grep "nothing to do" "$T/out" "no-op after the index rebuild"

# a no-op update does not open the rpmdb (its identity is as recorded)
UNICAGE_DEBUG=rpm uc update > "$T/out" 2> "$T/err"
assert_grep "nothing to do" "$T/out" "no-op update"
! grep -q "rpmdb " "$T/err" || fail "a no-op update opened the rpmdb: $(cat "$T/err")"

# the rpmdb made sqlite (rpm writes it): read again, through a snapshot
# (a read of sqlite writes -shm) and nothing changes under the sysroot
# (the rebuild itself changed /var/lib: a new generation may come)
export HOME=$T/rpmhome; mkdir -p "$HOME"
rpm --root "$h" --dbpath /var/lib/rpm --define '_db_backend sqlite' --rebuilddb 2>/dev/null
[ -f "$h/var/lib/rpm/rpmdb.sqlite" ] || skip "rpm cannot convert the rpmdb to sqlite here"
dbstate() { stat -c '%n %s %Y.%y %Z %i' "$h"/var/lib/rpm/* | sort; }
before=$(dbstate)
UNICAGE_DEBUG=rpm uc update > "$T/out" 2> "$T/err"
assert_grep "snapshot" "$T/err" "sqlite rpmdb read through a snapshot"
assert_eq "$(dbstate)" "$before" "reading the rpmdb changed it"
gens_before=$(ls "$skel" | grep -c '^gen-')
UNICAGE_DEBUG=rpm uc update > "$T/out" 2> "$T/err"
assert_grep "nothing to do" "$T/out" "update after the rebuild's"
! grep -q "rpmdb " "$T/err" || fail "the rpmdb was read again though unchanged"
assert_eq "$(dbstate)" "$before" "an update changed the rpmdb"
assert_eq "$(ls "$skel" | grep -c '^gen-')" "$gens_before" "generations after rpmdb reads"
[ ! -e "$(cur)/tree/var/lib/rpm" ] || fail "the rpm database is in the skeleton"

# rpm -U of a package, added: its files in the next generation
rpms=$(fixture_rpms)
rpm --root "$h" --dbpath /var/lib/rpm --nodeps --noscripts -U "$rpms/uc-extra-2.0-1.noarch.rpm" 2>/dev/null
expect_exit 0 uc addrpm uc-extra
expect_exit 0 uc update
assert_eq "$(cat "$(cur)/tree/usr/share/uc-extra/extra.txt")" "extra" "rpm -U'd file taken"
expect_exit 0 uc update
assert_grep "nothing to do" "$T/out" "no-op after rpm -U"

# vdu of skel/current measures the generation, not the link
expect_exit 0 uc vdu "$skel/current"
n=$(awk 'NR==1{print $2}' "$T/out")
set -- $(cat "$T/out")
python3 - "$T/out" <<'PY' || fail "vdu skel/current counted only the link"
import sys
line = open(sys.argv[1]).read().split()
nums = [int(x) for x in line if x.isdigit()]
assert max(nums) > 1000000, line
PY

# state on another filesystem than the sysroot (a separate /var): EXDEV
mkdir -p "$T/tmpstate"
mount -t tmpfs -o size=256m tmpfs "$T/tmpstate"
sed -i "s|^state_dir = .*|state_dir = $T/tmpstate|" "$UNICAGE_CONFIG"
expect_exit 0 uc init
[ -f "$T/tmpstate/skel/current/tree/etc/profile" ] || fail "config file not copied across filesystems"
expect_exit 0 uc update
assert_grep "nothing to do" "$T/out" "no-op update on tmpfs state"

# init with nothing wanted: status and check read the empty manifest (they crashed)
mkdir -p "$T/empty/conf.d" "$T/state3"
sed -i -e "s|^state_dir = .*|state_dir = $T/state3|" -e "s|^config_dir = .*|config_dir = $T/empty|" "$UNICAGE_CONFIG"
expect_exit 0 uc init
expect_exit 0 uc status
assert_grep "files               0 shared" "$T/out" "status of an empty skeleton"
expect_exit 0 uc check
assert_grep "manifest checksum good" "$T/out" "check of an empty skeleton"

# the shipped conf.d set on this minimal image: what is absent is counted,
# not an error; the shell and coreutils are there
mkdir -p "$T/defaults/conf.d" "$T/state4"
cp "$UNICAGE_SRC"/conf.d/*.cfg "$T/defaults/conf.d/"
sed -i -e "s|^state_dir = .*|state_dir = $T/state4|" -e "s|^config_dir = .*|config_dir = $T/defaults|" "$UNICAGE_CONFIG"
expect_exit 0 uc -v init
assert_grep "conf.d path not on this host: /usr/bin/ssh" "$T/err" "absent program named"
n=$(awk '$1 == "cfg_missing" {print $2}' "$T/out")
[ "${n:-0}" -gt 10 ] || fail "absent conf.d paths not counted: $(cat "$T/out")"
d=$T/state4/skel/current/tree
for p in usr/bin/bash usr/bin/ls usr/bin/sha256sum etc/profile etc/bashrc etc/profile.d usr/share/terminfo; do
    [ -e "$d/$p" ] || fail "default conf.d: /$p not taken"
done
[ -L "$d/bin" ] || fail "default conf.d: /bin link not kept"
