#!/usr/bin/env bash
# export and import between two private roots (two hosts): alice's upper
# round-trips exactly (type, mode, owner, size, xattrs, ACLs, whiteouts,
# opaque directories, content) through a pipe; her cage mounts on host B and
# shows her changes; --user/--uid map the cage to another account; tar
# --zstd -tvf lists the archive; hostile archives are refused and host B
# stays exactly as it was; an existing cage is replaced only with --force.
. "$(dirname "$0")/lib.sh"
cage_fixture
"$UNICAGE_SRC/scripts/make-cage-host.sh" "$h" setfattr mkdir grep ln chown >/dev/null
confA=$UNICAGE_CONFIG
# host B: its own copy of the host tree, state, config, run dir; carol (1003) too
hB=$T/fs/hostB
cp -a "$h" "$hB"
mkdir -p "$hB/home/carol" && chown 1003:1003 "$hB/home/carol"
cp "$T/passwd" "$T/passwdB"; echo "carol:x:1003:1003::/home/carol:/bin/sh" >> "$T/passwdB"
cp "$T/group" "$T/groupB"; echo "carol:x:1003:" >> "$T/groupB"
mkdir -p "$T/etcB"; cp -a "$T/etc/." "$T/etcB/"
confB=$T/unicageB.conf
cat > "$confB" <<CONF
sysroot = $hB
config_dir = $T/etcB
state_dir = $T/fs/stateB
run_dir = $T/runB
passwd_file = $T/passwdB
group_file = $T/groupB
CONF
ucA() { UNICAGE_CONFIG=$confA "$UC" "$@"; }
ucB() { UNICAGE_CONFIG=$confB "$UC" "$@"; }
UNICAGE_CONFIG=$confA expect_exit 0 uc init
UNICAGE_CONFIG=$confB expect_exit 0 uc init
ucA enable alice >/dev/null
ucA mount alice >/dev/null

# alice changes her cage: a new file, a changed one, a deleted one (whiteout),
# an opaque directory, xattrs, an ACL, a symlink, a hardlink pair
in_a() { nsenter --mount="$T/run/ns/alice.1" "$@"; }
in_a sh -c 'echo new > /usr/share/uc-base/new.txt; echo changed >> /usr/share/uc-base/data.txt;
            rm /usr/bin/uc-tool; mkdir -p /opt/app; echo app > /opt/app/a;
            ln -s ../share/uc-base/data.txt /usr/lib/link-to-data; ln /opt/app/a /opt/app/b;
            chown 1001:1001 /opt/app/a; chmod 0640 /opt/app/a'
in_a setfattr -n user.note -v hello /opt/app/a
# names that are not ASCII, or not even UTF-8, survive byte for byte
upA0=$T/fs/state/cages/01/alice/upper
echo utf8 > "$upA0/opt/app/Főtanúsítvány.pem"; ln -s "Főtanúsítvány.pem" "$upA0/opt/app/cert.0"
echo bin > "$upA0/opt/app/$(printf 'raw\xff\xfe')"
rm -rf /tmp/.x; in_a sh -c 'rm -rf /usr/lib/uc-lib && mkdir /usr/lib/uc-lib && echo mine > /usr/lib/uc-lib/own'
setfacl -m u:1002:r "$T/fs/state/cages/01/alice/upper/opt/app/a"
# modes a new inode does not get by itself: set-id bits, a set-group-ID
# directory (its entries take its group, its subdirectories the bit), bits
# the importer's umask (077 below) takes away
mkdir -p "$upA0/srv/sg"; chown 0:1001 "$upA0/srv/sg"; chmod 2775 "$upA0/srv/sg"
echo in > "$upA0/srv/sg/inherits"; mkdir "$upA0/srv/sg/sub"
echo other > "$upA0/srv/sg/root-group"; chgrp 0 "$upA0/srv/sg/root-group"
echo s > "$upA0/srv/suid"; chmod 4755 "$upA0/srv/suid"
echo w > "$upA0/srv/open"; chmod 0666 "$upA0/srv/open"; chmod 1777 "$upA0/srv"
# a default ACL set after the files below it were made: they have none
setfacl -d -m u:1002:rx "$upA0/opt/app"
# ACL entries naming alice's own uid and gid (mapped with her files by --user)
echo acl > "$upA0/srv/acl-self"; setfacl -m u:1001:rw,g:1001:r "$upA0/srv/acl-self"
setfacl -d -m u:1001:rwx "$upA0/srv/sg"
touch -d '2020-01-02 03:04:05' "$upA0/opt/app/a" "$upA0/usr/share/uc-base/new.txt"
touch -d '2021-01-02 03:04:05' "$upA0/opt/app" "$upA0/srv/sg"
mkdir -p "$T/etc/custom.etc/alice"; echo "alice's motd" > "$T/etc/custom.etc/alice/motd"
upA=$T/fs/state/cages/01/alice/upper
ls -la "$upA/usr/bin/uc-tool" | grep -q '^c' || fail "no whiteout in the upper (test setup)"
getfattr --absolute-names -n trusted.overlay.opaque --only-values "$upA/usr/lib/uc-lib" 2>/dev/null | grep -q y ||
    fail "no opaque directory in the upper (test setup)"

# --- export through a pipe into host B ------------------------------------------
ucA export alice -o "$T/alice.tar.zst" > "$T/out" || fail "export to a file"
assert_grep "entries" "$T/out" "export reports what it wrote"
tar --zstd -tvf "$T/alice.tar.zst" > "$T/tarlist" || fail "tar --zstd -tvf cannot list the archive"
head -1 "$T/tarlist" | grep -q "UNICAGE-MANIFEST" || fail "the first entry is not the manifest"
assert_grep "upper/usr/share/uc-base/new.txt" "$T/tarlist" "tar lists alice's file"
ucA umount alice >/dev/null
ucA export alice - | (umask 077; ucB import -) > "$T/out" || fail "export | import through a pipe"
assert_grep "^alice: imported" "$T/out" "import reports"
upB=$T/fs/stateB/cages/01/alice/upper
# times: the archive's mtime, and the same atime (import reads every file
# back to check it: that read must not leave its own atime; checked before
# anything else here reads them)
for f in opt/app/a usr/share/uc-base/new.txt opt/app srv/sg; do
    assert_eq "$(stat -c %Y "$upB/$f")" "$(stat -c %Y "$upA/$f")" "$f: mtime kept"
    [ -d "$upB/$f" ] && continue
    assert_eq "$(stat -c %X "$upB/$f")" "$(stat -c %Y "$upB/$f")" "$f: atime = mtime after the check"
done
# type, mode, owner, size (not of directories: ext4's grow with history),
# content, links, xattrs (ACLs included as system.posix_acl_*, whiteouts as char 0/0)
rel_listing() { (cd "$1" && listing .) | awk '$2 == 4 {$6 = "-"} {print}'; }
rel_listing "$upA" > "$T/lA"; rel_listing "$upB" > "$T/lB"
diff "$T/lA" "$T/lB" > "$T/ldiff" || fail "the upper on B differs from A's: $(head -20 "$T/ldiff")"
getfacl -p "$upB/opt/app/a" | grep -q "user:1002:r--" || fail "the ACL did not survive"
getfacl -p "$upB/opt/app" | grep -q "default:user:1002:r-x" || fail "the default ACL did not survive"
assert_eq "$(getfattr --absolute-names -n user.note --only-values "$upB/opt/app/a")" "hello" "user xattr"
assert_eq "$(cat "$T/etcB/custom.etc/alice/motd")" "alice's motd" "custom.etc came along"
ucB user-status alice > "$T/out"; assert_grep "Enabled" "$T/out" "the enabled state came along"
# alice's cage mounts on B and shows her changes
ucB mount alice >/dev/null || fail "alice's cage does not mount on B"
in_b() { nsenter --mount="$T/runB/ns/alice.1" "$@"; }
assert_eq "$(in_b cat /usr/share/uc-base/new.txt)" "new" "her new file on B"
in_b sh -c 'test -e /usr/bin/uc-tool' && fail "her delete did not survive (whiteout)"
assert_eq "$(in_b ls /usr/lib/uc-lib)" "own" "her opaque directory on B"
assert_eq "$(in_b cat /etc/motd)" "alice's motd" "custom.etc applied on B"
ucB umount alice >/dev/null

grep -q "note: the archive was made against" "$T/out" && fail "the same skeleton (same manifest) said to differ"
# B's skeleton moves on: the data.txt alice changed is now the skeleton's
cp "$upA/usr/share/uc-base/data.txt" "$hB/usr/share/uc-base/data.txt"
UNICAGE_CONFIG=$confB expect_exit 0 uc update
expect_exit 0 ucB import --force "$T/alice.tar.zst"
assert_grep "current generation is gen-000002" "$T/out" "import says the generation differs"
assert_grep "identical to this host's skeleton: /usr/share/uc-base/data.txt" "$T/out" "the file now in the skeleton is reported"

# --- never an archive to or from a terminal (script(1) gives them one) -------------
script -qec "UNICAGE_CONFIG=$confA $UC export alice" /dev/null > "$T/tty" 2>&1 && fail "export wrote to a terminal"
assert_grep "not writing an archive to a terminal" "$T/tty" "export to a terminal refused"
script -qec "UNICAGE_CONFIG=$confB $UC import -" /dev/null > "$T/tty" 2>&1 && fail "import read a terminal"
assert_grep "not reading an archive from a terminal" "$T/tty" "import from a terminal refused"
# to a file, with stderr on a terminal: progress in MB, ending at its total
script -qec "UNICAGE_CONFIG=$confA $UC export alice -o $T/tty.tar.zst" /dev/null > "$T/tty" 2>&1 ||
    fail "export -o with a terminal: $(cat "$T/tty")"
grep -qE 'export: MB ([0-9]+)/\1' "$T/tty" || fail "no export progress: $(cat "$T/tty")"

# --- an existing cage: only with --force ------------------------------------------
expect_exit 3 ucB import "$T/alice.tar.zst"
assert_grep "force" "$T/err" "refusal says --force"
expect_exit 0 ucB import --force "$T/alice.tar.zst"

# --- --user / --uid: alice's cage becomes carol's ------------------------------------
expect_exit 0 ucB import --user carol "$T/alice.tar.zst"
upC=$T/fs/stateB/cages/03/carol/upper
assert_eq "$(stat -c %u "$upC/opt/app/a")" 1003 "ownership rewritten to carol"
assert_eq "$(stat -c '%u %a' "$upC")" "0 755" "the cage's / is root's, 0755, whatever the archive says"
assert_eq "$(stat -c %u "$upC/usr/share/uc-base/new.txt")" 0 "root's files stay root's"
[ ! -e "$upC/home/alice" ] || fail "alice's home mount point left in carol's upper"
getfacl -pn "$upC/srv/acl-self" > "$T/acl"
assert_grep "^user:1003:rw-" "$T/acl" "an ACL entry naming alice's uid now names carol's"
assert_grep "^group:1003:r--" "$T/acl" "an ACL entry naming alice's gid now names carol's"
grep -q ":1001:" "$T/acl" && fail "alice's uid left in an ACL: $(cat "$T/acl")"
getfacl -pn "$upC/srv/sg" | grep -q "^default:user:1003:rwx" || fail "the default ACL was not mapped"
getfacl -pn "$upC/opt/app" | grep -q "^default:user:1002:r-x" || fail "another uid in an ACL changed"
expect_exit 0 ucB import --uid 1003 --force "$T/alice.tar.zst"
expect_exit 3 ucB import --user carol --uid 1002 --force "$T/alice.tar.zst"
expect_exit 4 ucB import --user nobody-here "$T/alice.tar.zst"

# --- hostile archives: refused, host B unchanged -------------------------------------
snapB() { listing "$T/fs/stateB" "$T/etcB" "$hB/home" 2>/dev/null | grep -v '/skel/\|/store/'; }
before=$(snapB)
python3 "$UNICAGE_SRC/tests/integration/hostile.py" "$T/alice.tar.zst" "$T/hostile"
for a in "$T"/hostile/*.tar.zst; do
    n=$(basename "$a" .tar.zst)
    expect_exit 3 ucB import --force --user carol "$a"
    grep -q "$(cat "$T/hostile/$n.expect")" "$T/err" || fail "$n: the refusal does not say '$(cat "$T/hostile/$n.expect")': $(cat "$T/err")"
    [ ! -e /etc/evil ] && [ ! -e "$T/evil" ] || fail "$n wrote outside"
done
# the limits are unicage.conf keys (import_max_entries, import_max_size)
{ cat "$confB"; echo "import_max_entries = 3"; } > "$T/limitsB.conf"
expect_exit 3 "$UC" -c "$T/limitsB.conf" import --force --user carol "$T/alice.tar.zst"
assert_grep "more entries than the limit" "$T/err" "the entry limit"
{ cat "$confB"; echo "import_max_size = 10"; } > "$T/limitsB.conf"
expect_exit 3 "$UC" -c "$T/limitsB.conf" import --force --user carol "$T/alice.tar.zst"
assert_grep "larger than the size limit" "$T/err" "the size limit"
assert_eq "$(snapB)" "$before" "host B unchanged by every hostile archive"
# refused for a user with no cage on B yet: not even the cage's parent
# directory, custom.etc/ or the imports record directory is left behind
whole() { find "$T/fs/stateB" "$T/etcB" "$hB/home" -printf '%p %y %m %u %g\n' | sort; }
mv "$T/etcB/custom.etc" "$T/custom.etc.B"
rmdir "$T/fs/stateB/imports" # empty between imports
before=$(whole)
for a in "$T"/hostile/*.tar.zst; do
    expect_exit 3 ucB import --user bob "$a"
done
assert_eq "$(whole)" "$before" "the state tree after refused imports of a new cage"
mv "$T/custom.etc.B" "$T/etcB/custom.etc"
ls "$T/fs/stateB/cages/03" | grep -q import && fail "a temporary directory was left behind"
# --- a cage in use: every export is consistent or refused ----------------------------
ucA mount alice >/dev/null
nsenter --mount="$T/run/ns/$(ls "$T/run/ns" | grep '^alice\.' | sort -t. -k2 -n | tail -1)" \
    sh -c 'while :; do echo line >> /opt/app/busy; done' & writer=$!
on_cleanup "kill -9 $writer"
sleep 0.3
ok=0 refused=0
for i in 1 2 3 4 5; do
    if ucA export alice -o "$T/busy.tar.zst" > /dev/null 2> "$T/err"; then
        ok=$((ok + 1))
        ucB import --force --user carol "$T/busy.tar.zst" > /dev/null 2> "$T/err2" ||
            fail "an export of a busy cage does not import: $(cat "$T/err2")"
    else
        grep -q "changed during the export" "$T/err" || fail "busy export failed otherwise: $(cat "$T/err")"
        refused=$((refused + 1))
    fi
done
kill -9 "$writer"; wait "$writer" 2>/dev/null || true
echo "busy cage: $ok exports consistent, $refused refused as changing"
# a file rewritten in place (same size) between the hash pass and the write
# pass: refused; rewritten with the same bytes: exported
# (written in the upper from outside: the cage has no head, tr or dd)
head -c 300000 /dev/zero | tr '\0' a > "$upA0/opt/app/inplace"
n=0
for what in b b; do # a -> b, then b -> b
    n=$((n + 1))
    rm -f "$T/pause"
    UNICAGE_TEST_EXPORT_PAUSE=$T/pause ucA export alice -o "$T/inplace.tar.zst" > /dev/null 2> "$T/err" &
    exp=$!
    for i in $(seq 300); do [ -e "$T/pause" ] && break; sleep 0.05; done
    [ -e "$T/pause" ] || fail "export did not reach its pause"
    head -c 300000 /dev/zero | tr '\0' $what | dd of="$upA0/opt/app/inplace" conv=notrunc status=none
    rm "$T/pause"
    if wait $exp; then rc=0; else rc=$?; fi
    if [ $n = 1 ]; then
        [ $rc != 0 ] || fail "a file rewritten in place between the passes was exported"
        assert_grep "opt/app/inplace changed during the export" "$T/err" "the rewritten file is named"
    else
        [ $rc = 0 ] || fail "a file rewritten with the same bytes was refused: $(cat "$T/err")"
    fi
done
ucA umount alice >/dev/null

# --- --with-home: the home comes along, ~/.unicage included ------------------------
echo "alice's page" > "$h/home/alice/index.html"; chown 1001:1001 "$h/home/alice/index.html"
ucA export alice --with-home -o "$T/alice-home.tar.zst" > /dev/null || fail "export --with-home"
tar --zstd -tvf "$T/alice-home.tar.zst" > "$T/hl" 2>&1; grep -q "home/.unicage/tmp" "$T/hl" || fail "~/.unicage not in the archive: $(grep home "$T/hl" | head -5)"
expect_exit 3 ucB import "$T/alice-home.tar.zst"      # her cage and home exist on B
expect_exit 0 ucB import --force "$T/alice-home.tar.zst"
assert_eq "$(cat "$hB/home/alice/index.html")" "alice's page" "the home came along"
assert_eq "$(stat -c %u "$hB/home/alice/index.html")" 1001 "the home's owner"
ls -d "$hB/home"/.import-* 2>/dev/null && fail "a temporary home was left"
echo ok
