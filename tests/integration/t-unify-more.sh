#!/usr/bin/env bash
# unify: EMLINK rollover, several filesystems (one store each; tmpfs cannot
# hold +i), --rpmdb, --exclude/--exclude-from, --system-owners, --ignore-mtime,
# and vdu against a reference computed here from find.
. "$(dirname "$0")/lib.sh"
scratch_ext4 "$T/fs" 256
cd "$T/fs"
printf 'state_dir = %s/fs/state\n' "$T" > "$UNICAGE_CONFIG"
mk() { mkdir -p "$(dirname "$1")"; printf '%s' "$2" > "$1"; chmod "${3:-0644}" "$1"; touch -d '2024-01-01' "$1"; }

# EMLINK: with a link limit of 3 (the store's name + two), seven copies need
# four objects; every name is linked, nothing fails.
for i in 1 2 3 4 5 6 7; do mk t$i/usr/share/x "seven copies"; done
UNICAGE_TEST_LINK_MAX=3 expect_exit 0 uc unify t1 t2 t3 t4 t5 t6 t7
assert_grep "errors *0" "$T/out" "no error at the link limit"
objs=$(find state/store/objects -type f | sort)
assert_eq "$(echo "$objs" | wc -l)" 4 "objects after rollover"
echo "$objs" | grep -q '\.1$' || fail "no rollover object (suffix .1)"
assert_eq "$(for i in 1 2 3 4 5 6 7; do stat -c %i t$i/usr/share/x; done | sort -u | wc -l)" 4 "four inodes for seven names"
for o in $objs; do [ "$(stat -c %h "$o")" -le 3 ] || fail "$o has more links than the limit"; done
# a rerun with room again links nothing more and fails nothing
UNICAGE_TEST_LINK_MAX=3 expect_exit 0 uc unify t1 t2 t3 t4 t5 t6 t7
assert_grep "names_relinked *0" "$T/out" "rerun at the limit"

# --ignore-mtime: copies differing only in mtime become one object
mk m1/usr/share/y "mtime apart"; mk m2/usr/share/y "mtime apart"; touch -d 2020-01-01 m2/usr/share/y
expect_exit 0 uc unify m1 m2
[ "$(inode m1/usr/share/y)" != "$(inode m2/usr/share/y)" ] || fail "mtime is part of the identity by default"
expect_exit 0 uc unify --ignore-mtime m1 m2
assert_eq "$(inode m1/usr/share/y)" "$(inode m2/usr/share/y)" "--ignore-mtime"

# --system-owners: files of system users (below min_uid) become candidates
mk s1/usr/share/z "daemon's"; mk s2/usr/share/z "daemon's"; chown 2:2 s1/usr/share/z s2/usr/share/z
expect_exit 0 uc unify s1 s2
[ "$(inode s1/usr/share/z)" != "$(inode s2/usr/share/z)" ] || fail "uid 2 linked without --system-owners"
expect_exit 0 uc unify --system-owners s1 s2
assert_eq "$(inode s1/usr/share/z)" "$(inode s2/usr/share/z)" "--system-owners"
assert_eq "$(stat -c %u s1/usr/share/z)" 2 "owner kept"

# --exclude and --exclude-from (vunify syntax), with defaults after them
for t in e1 e2; do
    mk $t/usr/lib/a.pyc "bytecode"; mk $t/usr/lib/keep/k "keep"; mk $t/usr/lib/skip/s "skip"
    mk $t/etc/ssl/certs/ca "ca"; mk $t/etc/passwd "root:x:0:0"
done
printf '# comment\n-/usr/lib/skip/\n+/etc/ssl/\n' > list
expect_exit 0 uc unify --exclude '*.pyc' --exclude-from list e1 e2
[ "$(inode e1/usr/lib/a.pyc)" != "$(inode e2/usr/lib/a.pyc)" ] || fail "--exclude *.pyc"
[ "$(inode e1/usr/lib/skip/s)" != "$(inode e2/usr/lib/skip/s)" ] || fail "--exclude-from -/usr/lib/skip/"
assert_eq "$(inode e1/usr/lib/keep/k)" "$(inode e2/usr/lib/keep/k)" "not excluded"
assert_eq "$(inode e1/etc/ssl/certs/ca)" "$(inode e2/etc/ssl/certs/ca)" "+ re-includes below a default exclude"
[ "$(inode e1/etc/passwd)" != "$(inode e2/etc/passwd)" ] || fail "default exclude /etc"

# --rpmdb: each tree's %config files stay apart, read from its own rpmdb
fixture_root r1
cp -a r1 r2
expect_exit 0 uc unify --rpmdb r1 r2
[ "$(inode r1/usr/lib/uc-base/os-release)" != "$(inode r2/usr/lib/uc-base/os-release)" ] || fail "--rpmdb: %config under /usr linked"
assert_eq "$(inode r1/usr/share/uc-base/data.txt)" "$(inode r2/usr/share/uc-base/data.txt)" "--rpmdb: shared file"
[ "$(inode r1/usr/lib/uc-base/owned.txt)" != "$(inode r2/usr/lib/uc-base/owned.txt)" ] || fail "daemon-owned file linked"
cp -a r1 r3
expect_exit 0 uc unify r1 r3
assert_eq "$(inode r1/usr/lib/uc-base/os-release)" "$(inode r3/usr/lib/uc-base/os-release)" "without --rpmdb a %config under /usr is linked"

# Trees on another filesystem (a tmpfs) get their own store at that
# filesystem's root.
mkdir -p "$T/tmpfs" && mount -t tmpfs tmpfs "$T/tmpfs"
mk "$T/tmpfs/p1/usr/x" "on tmpfs"; mk "$T/tmpfs/p2/usr/x" "on tmpfs"
mk q1/usr/x "on ext4"; mk q2/usr/x "on ext4"
expect_exit 0 uc unify "$T/tmpfs/p1" "$T/tmpfs/p2" q1 q2
assert_eq "$(inode "$T/tmpfs/p1/usr/x")" "$(inode "$T/tmpfs/p2/usr/x")" "tmpfs trees unified"
assert_eq "$(inode q1/usr/x)" "$(inode q2/usr/x)" "ext4 trees unified"
[ -d "$T/tmpfs/.unicage-store/objects" ] || fail "no store at the tmpfs root"
# A caller without CAP_LINUX_IMMUTABLE: the run goes on and says so.
mk n1/usr/x "no +i"; mk n2/usr/x "no +i"
expect_exit 0 setpriv --bounding-set -linux_immutable "$UC" unify n1 n2
assert_eq "$(inode n1/usr/x)" "$(inode n2/usr/x)" "unified without CAP_LINUX_IMMUTABLE"
assert_grep "immutable_unsupported *1" "$T/out" "+i unsupported counted"
assert_grep "cannot set the immutable flag" "$T/out" "said so"
is_immutable n1/usr/x && fail "+i set without the capability"
# --store on another filesystem than a tree: reported, not linked, exit 1
mk "$T/tmpfs/p3/usr/w" "x"; mk "$T/tmpfs/p4/usr/w" "x"
expect_exit 1 uc unify --store "$T/fs/state/store" "$T/tmpfs/p3" "$T/tmpfs/p4"
assert_grep "not on the filesystem of store" "$T/err" "cross-filesystem store"
assert_eq "$(links "$T/tmpfs/p3/usr/w")" 1 "nothing linked across filesystems"

# vdu against a reference from find: per PATH, every inode once; private
# when all its links are inside PATH.
vdu_ref() {
    find "$1" -xdev -printf '%i %n %b %s %y\n' | python3 -c '
import sys, collections
seen = collections.Counter(); info = {}
for line in sys.stdin:
    i, n, b, s, y = line.split()
    seen[i] += 1; info[i] = (int(n), int(b) * 512, int(s), y)
app = sum(v[2] for v in info.values()); alloc = sum(v[1] for v in info.values())
priv = sum(v[1] for i, v in info.items() if v[3] == "d" or seen[i] >= v[0])
print(app, alloc, priv, alloc - priv, len(info))'
}
for p in t1 t7 r1 q1 "$T/fs"; do
    expect_exit 0 uc --json vdu "$p"
    got=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["data"]["paths"][0]; print(r["apparent_bytes"], r["allocated_bytes"], r["private_bytes"], r["shared_bytes"], r["inodes"])' "$T/out")
    assert_eq "$got" "$(vdu_ref "$p")" "vdu $p"
    # the verb first: the front (static) runs vdu itself; same result
    expect_exit 0 uc vdu --json "$p"
    got=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["data"]["paths"][0]; print(r["apparent_bytes"], r["allocated_bytes"], r["private_bytes"], r["shared_bytes"], r["inodes"])' "$T/out")
    assert_eq "$got" "$(vdu_ref "$p")" "vdu $p (run by the front)"
done
# allocated bytes equal du -s (each inode once, this filesystem only)
expect_exit 0 uc --json vdu "$T/fs"
alloc=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["data"]["paths"][0]["allocated_bytes"])' "$T/out")
assert_eq "$alloc" "$(du -s -x -B1 "$T/fs" | cut -f1)" "vdu allocated = du -s"
expect_exit 0 uc vdu -s -h --inodes t1 t2 t3
assert_grep "total" "$T/out" "-s total line"
ln -s "$UC" vdu
expect_exit 0 ./vdu t1
expect_exit 4 uc vdu "$T/nowhere"
