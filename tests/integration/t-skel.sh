#!/usr/bin/env bash
# skel init/update on a fake host: the tree holds exactly the wanted set,
# shared files are hardlinks to +i objects, config files private copies,
# setuid stripped unless allowed, black.list honoured; stubs take no data
# block and work as an overlay stub layer over the objects; an rpm -U on the
# host shows up at the next update, unchanged files are not read again, and a
# no-op update builds nothing.
. "$(dirname "$0")/lib.sh"
scratch_ext4 "$T/fs" 256      # 256-byte inodes: a stub's xattrs must fit
h=$T/fs/host
fixture_root "$h"
mkdir -p "$h/opt/app/lib" "$h/opt/app/bin" "$h/dev"
echo "app" > "$h/opt/app/bin/run"; chmod 4755 "$h/opt/app/bin/run"
echo "helper" > "$h/opt/app/bin/helper"; chmod 2755 "$h/opt/app/bin/helper"
echo "lib" > "$h/opt/app/lib/libapp.so"
echo "secret" > "$h/opt/app/lib/secret.key"
# owners and modes a new inode does not get by itself (init makes only the
# calls that change something: each must still end as on the host)
mkdir -p "$h/opt/app/var/spool" "$h/opt/app/var/private" "$h/opt/app/var/shared"
chown 1001:1002 "$h/opt/app/var/spool"; chmod 2775 "$h/opt/app/var/spool"
chmod 0700 "$h/opt/app/var/private"; chmod 1777 "$h/opt/app/var/shared"
echo "user's" > "$h/opt/app/var/spool/f"; chown 1001:1002 "$h/opt/app/var/spool/f"
chmod 0664 "$h/opt/app/var/spool/f"
echo "group only" > "$h/opt/app/var/g"; chown 0:1002 "$h/opt/app/var/g"; chmod 0640 "$h/opt/app/var/g"
echo "odd" > "$h/opt/app/var/odd"; chmod 0604 "$h/opt/app/var/odd"
ln -s g "$h/opt/app/var/link"; chown -h 1001:1001 "$h/opt/app/var/link"
echo "root:x:0:0:root:/root:/bin/sh" >> "$h/etc/passwd"
echo "root:*:19000::::::" > "$h/etc/shadow"
mknod "$h/dev/null" c 1 3; mknod "$h/dev/sda" b 8 0
mkdir -p "$T/etc/conf.d"
cat > "$T/etc/conf.d/app.cfg" <<'CFG'
[app]
comment=the app, its users and a device
paths=/opt/app, /etc/passwd,
    /etc/group, /etc/shadow
devices=/dev/null
CFG
printf '/etc/shadow\n/opt/app/lib/*.key\n' > "$T/etc/black.list"
printf 'uc-base\nuc-lib\n' > "$T/etc/rpm.list"
cat > "$UNICAGE_CONFIG" <<CONF
sysroot = $h
config_dir = $T/etc
state_dir = $T/fs/state
suid_allow = /opt/app/bin/helper
CONF
skel=$T/fs/state/skel
store=$T/fs/state/store/objects

expect_exit 0 uc init
cur=$skel/$(readlink "$skel/current")
tree=$cur/tree stubs=$cur/stubs

# Exactly the wanted set: conf.d paths + every non-ghost, installed file of
# uc-base and uc-lib − black.list, with their parent directories.
want=$( (
    cd "$h" && find opt/app etc/passwd etc/group etc/shadow dev/null | sed 's|^|/|'
    rpm --root "$h" --dbpath /var/lib/rpm -q --qf '[%{FILENAMES} %{FILESTATES:fstate} %{FILEFLAGS:fflags}\n]' uc-base uc-lib |
        awk '$2 == "normal" && $3 !~ /g/ {print $1}'
) | grep -v -e '^/etc/shadow$' -e '\.key$' | while read -r p; do
    while [ -n "$p" ] && [ "$p" != / ]; do echo "$p"; p=$(dirname "$p"); done
done | sort -u)
got=$(cd "$tree" && find . -mindepth 1 | sed 's|^\.||' | sort)
[ "$got" == "$want" ] || { diff <(echo "$want") <(echo "$got"); fail "tree is not the wanted set"; }
got_stubs=$(cd "$stubs" && find . -mindepth 1 | sed 's|^\.||' | sort)
assert_eq "$got_stubs" "$want" "stubs mirror the tree"

# shared: a hardlink to a +i object with the host's content and metadata
for p in /usr/bin/uc-tool /usr/lib/uc-lib/libuc.so.1 /opt/app/lib/libapp.so; do
    f=$tree$p
    is_immutable "$f" || fail "$p is not +i"
    [ -n "$(find "$store" -samefile "$f")" ] || fail "$p is not an object of the store"
    cmp "$f" "$h$p" || fail "$p content"
    assert_eq "$(stat -c '%a %u %g %Y' "$f")" "$(stat -c '%a %u %g %Y' "$h$p")" "$p metadata"
    [ "$(stat -c %i "$f")" != "$(stat -c %i "$h$p")" ] || fail "$p: the host's own inode was linked"
done
assert_eq "$(inode "$tree/usr/lib/uc-base/hl-a")" "$(inode "$tree/usr/lib/uc-base/hl-b")" "hardlink pair of a package"
# config: a private copy (tree + its stub link), never +i
for p in /etc/uc-base/base.conf /etc/passwd /usr/lib/uc-base/os-release /etc/uc-base/plain.txt; do
    f=$tree$p
    is_immutable "$f" && fail "$p: a config copy is +i"
    assert_eq "$(links "$f")" 2 "$p: private copy (tree + stub)"
    assert_eq "$(inode "$f")" "$(inode "$stubs$p")" "$p: stub is the copy"
    cmp "$f" "$h$p" || fail "$p content"
done
# setuid/setgid: stripped unless allowed
assert_eq "$(stat -c %a "$tree/opt/app/bin/run")" 755 "setuid stripped"
assert_eq "$(stat -c %a "$tree/usr/bin/uc-suid")" 755 "setuid of a package stripped"
assert_eq "$(stat -c %a "$tree/opt/app/bin/helper")" 2755 "suid_allow keeps the bit"
expect_exit 0 uc print-suids
assert_eq "$(cat "$T/out")" "$(printf '2755 kept     /opt/app/bin/helper\n4755 stripped /opt/app/bin/run\n4755 stripped /usr/bin/uc-suid')" "print-suids"
expect_exit 0 uc --json print-suids
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["data"]; assert {"path":"/opt/app/bin/helper","mode":"2755","kept":True} in d, d' "$T/out"
# devices: only those named in devices=
[ -c "$tree/dev/null" ] && [ ! -e "$tree/dev/sda" ] || fail "devices="
assert_eq "$(stat -c '%t %T' "$tree/dev/null")" "1 3" "device numbers"

# tree/ and stubs/ have each path's owner and mode as the host has them
meta() { (cd "$1" && find opt/app/var -printf '%p %y %U:%G %m\n' | sort); }
assert_eq "$(meta "$tree")" "$(meta "$h")" "owners and modes in tree/"
assert_eq "$(meta "$stubs")" "$(meta "$h")" "owners and modes in stubs/"

# stubs: real size and metadata, the overlay xattrs, no data block
s=$stubs/usr/lib/uc-lib/libuc.so.1
assert_eq "$(stat -c '%s %a %u %b' "$s")" "$(stat -c '%s %a %u' "$h/usr/lib/uc-lib/libuc.so.1") 0" "stub size, mode, owner, 0 blocks"
redirect=$(getfattr --absolute-names --only-values -n trusted.overlay.redirect "$s")
[ -f "$store$redirect" ] || fail "redirect $redirect names no object"
[ "$(find "$store" -samefile "$tree/usr/lib/uc-lib/libuc.so.1")" = "$store$redirect" ] || fail "redirect names another object"
getfattr --absolute-names -n trusted.overlay.metacopy "$s" >/dev/null 2>&1 || fail "no metacopy xattr"
is_immutable "$s" && fail "a stub is +i"

# The stub layer over the data-only object layer, as a cage will mount it.
mkdir -p "$T/fs/up" "$T/fs/work" "$T/merged"
mount -t overlay overlay -o "lowerdir=$stubs::$store,upperdir=$T/fs/up,workdir=$T/fs/work" "$T/merged" ||
    fail "overlay with a data-only layer does not mount"
cmp "$T/merged/usr/lib/uc-lib/libuc.so.1" "$h/usr/lib/uc-lib/libuc.so.1" || fail "overlay read"
cmp "$T/merged/etc/passwd" "$h/etc/passwd" || fail "overlay read of a config copy"
echo "appended in a cage" >> "$T/merged/usr/lib/uc-lib/libuc.so.1"
assert_eq "$(cat "$T/merged/usr/lib/uc-lib/libuc.so.1")" "$(cat "$h/usr/lib/uc-lib/libuc.so.1"; echo "appended in a cage")" "copy-up keeps the whole content"
cmp "$tree/usr/lib/uc-lib/libuc.so.1" "$h/usr/lib/uc-lib/libuc.so.1" || fail "a write in the overlay changed the object"
umount "$T/merged"

# No-op update: nothing to do, no new generation.
expect_exit 0 uc update
assert_grep "nothing to do" "$T/out" "no-op update"
assert_eq "$(ls "$skel" | grep -c '^gen-')" 1 "no new generation"
expect_exit 0 uc --json update -n
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["data"]["nothing_to_do"] is True, d' "$T/out"

# rpm -U on the host: new content appears, removed files go, unchanged files
# keep their object and are not read again.
obj_tool=$(inode "$tree/usr/bin/uc-tool")
rpm --root "$h" --dbpath /var/lib/rpm --nodeps --noscripts --replacefiles -U "$(fixture_rpms)"/upgrade/uc-base-1.1-1.noarch.rpm >/dev/null 2>&1 || fail "rpm -U"
expect_exit 0 uc update -n
assert_grep "would build a new generation" "$T/out" "dry run sees the change"
assert_eq "$(ls "$skel" | grep -c '^gen-')" 1 "dry run built nothing"
expect_exit 0 uc --json update
cur=$skel/$(readlink "$skel/current")
python3 - "$T/out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["data"]
assert d["nothing_to_do"] is False and d["objects_created"] >= 2, d
# the shared files rpm -U did not touch (uc-lib's and /opt/app's: 7) were
# recognised by the index and not read; uc-base's were rewritten by rpm
# (new inodes) and read, most of them to find their old object again
assert d["unchanged_unread"] == 7, d
assert d["objects_reused"] >= 10, d
PY
assert_eq "$(cat "$cur/tree/usr/share/uc-base/data.txt")" "shared data, version 1.1" "new content"
[ -f "$cur/tree/usr/share/uc-base/new.txt" ] || fail "new file missing"
[ ! -e "$cur/tree/usr/share/uc-base/empty" ] || fail "removed directory still there"
assert_eq "$(inode "$cur/tree/usr/bin/uc-tool")" "$obj_tool" "unchanged file keeps its object"
# the old generation is untouched
old=$skel/gen-000001
assert_eq "$(cat "$old/tree/usr/share/uc-base/data.txt")" "shared data" "old generation changed"
[ -d "$old/tree/usr/share/uc-base/empty" ] || fail "old generation changed"

# --dont-clean keeps what is no longer wanted; a plain update drops it.
expect_exit 0 uc delrpm uc-lib
expect_exit 0 uc update --dont-clean
cur=$skel/$(readlink "$skel/current")
[ -f "$cur/tree/usr/lib/uc-lib/libuc.so.1" ] || fail "--dont-clean dropped a file"
is_immutable "$cur/tree/usr/lib/uc-lib/libuc.so.1" || fail "--dont-clean: kept file lost its object"
expect_exit 0 uc update
cur=$skel/$(readlink "$skel/current")
[ ! -e "$cur/tree/usr/lib/uc-lib" ] || fail "update kept a file no longer wanted"

# update-list: only the paths on stdin are taken again.
echo "lib v2" > "$h/opt/app/lib/libapp.so"
echo "run v2" > "$h/opt/app/bin/run"
echo /opt/app/lib/libapp.so | expect_exit 0 uc update-list
cur=$skel/$(readlink "$skel/current")
assert_eq "$(cat "$cur/tree/opt/app/lib/libapp.so")" "lib v2" "listed path refreshed"
assert_eq "$(cat "$cur/tree/opt/app/bin/run")" "app" "unlisted path as before"
expect_exit 0 uc update
cur=$skel/$(readlink "$skel/current")
assert_eq "$(cat "$cur/tree/opt/app/bin/run")" "run v2" "plain update takes the rest"
echo "relative/path" | expect_exit 3 uc update-list
assert_grep "stdin:1: 'relative/path' is not a clean absolute path" "$T/err" "update-list bad line"

# A bad line anywhere: exit 3 naming file:line, current unchanged.
before=$(readlink "$skel/current")
echo "paths=opt" > "$T/etc/conf.d/bad.cfg"
expect_exit 3 uc update
assert_grep "bad.cfg:1: paths: 'opt' is not an absolute path" "$T/err" "bad cfg"
assert_eq "$(readlink "$skel/current")" "$before" "current after a bad cfg"
rm "$T/etc/conf.d/bad.cfg"
expect_exit 3 uc init
assert_grep "exists already" "$T/err" "init twice"

# progress on a terminal (the CLI prints what the library reports), none
# with -q or --json
echo "progress" > "$h/opt/app/lib/libapp.so"
script -qec "$UC update" /dev/null > "$T/tty" 2>&1 || fail "update on a terminal: $(cat "$T/tty")"
grep -qE 'skel: objects [0-9]+/[0-9]+' "$T/tty" || fail "no progress on a terminal: $(cat "$T/tty")"
grep -qE 'skel: paths ([0-9]+)/\1' "$T/tty" || fail "progress does not end at its total: $(cat "$T/tty")"
echo "quiet" > "$h/opt/app/lib/libapp.so"
script -qec "$UC -q update" /dev/null > "$T/tty" 2>&1 || fail "update -q on a terminal"
grep -q 'skel:' "$T/tty" && fail "progress with -q: $(cat "$T/tty")"
true
