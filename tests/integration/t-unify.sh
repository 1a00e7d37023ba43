#!/usr/bin/env bash
# unify: what is linked, what never is, and that every path keeps its content,
# owner and mode. Trees are small hand-made guests below $T.
. "$(dirname "$0")/lib.sh"
cd "$T"
printf 'state_dir = %s/state\n' "$T" > "$UNICAGE_CONFIG"

mk() { # mk TREE REL CONTENT [mode]
    mkdir -p "$(dirname "$1/$2")"
    printf '%s' "$3" > "$1/$2"
    chmod "${4:-0755}" "$1/$2"
    touch -d '2024-01-01 00:00:00' "$1/$2"
}
for t in g1 g2 g3; do
    mk $t usr/bin/tool "the tool"
    mk $t usr/lib/libx.so "$(seq 1 5000)" 0644
    mk $t usr/share/doc/readme "read me" 0644
    mk $t etc/config "same config" 0644          # default exclude: never linked
done
mk g1 usr/share/single "only here" 0644
# copies that differ only in metadata: none may be linked to the others
mk g2 usr/bin/mode "same bytes" 0755; mk g3 usr/bin/mode "same bytes" 0700
mk g2 usr/bin/owner "same bytes" 0755; mk g3 usr/bin/owner "same bytes" 0755; chown 0:2 g3/usr/bin/owner
mk g2 usr/bin/mtime "same bytes" 0755; mk g3 usr/bin/mtime "same bytes" 0755; touch -d 2020-01-01 g3/usr/bin/mtime
mk g2 usr/bin/xattr "same bytes" 0755; mk g3 usr/bin/xattr "same bytes" 0755; setfattr -n user.tag -v x g3/usr/bin/xattr
mk g2 usr/bin/acl "same bytes" 0755; mk g3 usr/bin/acl "same bytes" 0755; setfacl -m u:2:r g3/usr/bin/acl
mk g2 usr/bin/cap "same bytes" 0755; mk g3 usr/bin/cap "same bytes" 0755; setcap cap_net_raw+ep g3/usr/bin/cap
touch -d '2024-01-01 00:00:00' g3/usr/bin/{acl,xattr,cap,owner}
# a user's copy of a system binary: never merged with root's
mkdir -p g2/home/user/bin g2/opt/user
cp -p g1/usr/bin/tool g2/opt/user/tool && chown 1000:1000 g2/opt/user/tool
cp -p g1/usr/bin/tool g2/opt/user/tool-gw && chmod 0775 g2/opt/user/tool-gw
# a hardlink pair inside a tree: both names go to the object
ln g3/usr/lib/libx.so g3/usr/lib/libx.so.1
# a leftover temp name of an interrupted run
ln g2/usr/share/doc/readme g2/usr/share/doc/.unicage-unify.999.1

before=$(listing --no-inodes g1 g2 g3 | grep -v '\.unicage-unify\.' | awk '{print $1, $2, $3, $4, $5, $6, $7, $11}')

# --dry-run changes nothing at all (full listing with inodes), creates no store
listing g1 g2 g3 > dry.before
expect_exit 0 uc unify -n g1 g2 g3
assert_grep "would link to" "$T/out" "dry run prints what it would link"
listing g1 g2 g3 > dry.after
diff dry.before dry.after || fail "--dry-run changed the trees"
[ ! -e "$T/state/store" ] || fail "--dry-run created the configured store"

expect_exit 0 uc -v unify g1 g2 g3
cp "$T/out" run1.out
assert_grep "leftovers_removed *1" run1.out "leftover temp name removed"
[ ! -e g2/usr/share/doc/.unicage-unify.999.1 ] || fail "leftover still there"

# content, owner and mode of every path as before
after=$(listing --no-inodes g1 g2 g3 | awk '{print $1, $2, $3, $4, $5, $6, $7, $11}')
[ "$before" == "$after" ] || { diff <(echo "$before") <(echo "$after"); fail "a path changed"; }

# identical files are one inode (the configured store is on this fs), +i
store=$T/state/store
for f in usr/bin/tool usr/lib/libx.so usr/share/doc/readme; do
    i=$(inode g1/$f)
    [ "$(inode g2/$f)" = "$i" ] && [ "$(inode g3/$f)" = "$i" ] || fail "$f not unified"
    is_immutable g1/$f || fail "$f is not immutable"
done
assert_eq "$(inode g3/usr/lib/libx.so.1)" "$(inode g1/usr/lib/libx.so)" "second name of a hardlink pair"
assert_eq "$(links g1/usr/bin/tool)" 4 "3 names + the store"
assert_eq "$(find "$store/objects" -type f | wc -l)" 4 "objects (g2 has five identical copies of one file)"
# never linked: metadata differs, excluded, not candidates, singletons
for f in mode owner mtime xattr acl cap; do
    [ "$(inode g2/usr/bin/$f)" != "$(inode g3/usr/bin/$f)" ] || fail "usr/bin/$f differs in metadata but was linked"
    assert_eq "$(links g3/usr/bin/$f)" 1 "usr/bin/$f link count"
done
assert_eq "$(links g1/etc/config)" 1 "default exclude /etc"
assert_eq "$(links g2/opt/user/tool)" 1 "uid-1000 copy of a system binary"
assert_eq "$(links g2/opt/user/tool-gw)" 1 "group-writable copy"
assert_eq "$(links g1/usr/share/single)" 1 "singleton"
assert_grep "usr/bin/cap: skipped: same content, different metadata" run1.out "-v says why"
assert_grep "g3/usr/bin/mode: skipped: same content, different metadata (mode, owner or mtime)" run1.out "-v: mode differs"
assert_grep "opt/user/tool: skipped: not a candidate owner" run1.out "-v candidate owner"
assert_grep "etc: skipped: excluded" run1.out "-v excluded"
getcap g3/usr/bin/cap | grep -q cap_net_raw || fail "capability lost"

# A rerun changes nothing; a new guest links to the existing objects.
listing g1 g2 g3 > run1.listing
expect_exit 0 uc unify g1 g2 g3
assert_grep "names_relinked *0" "$T/out" "rerun relinks nothing"
listing g1 g2 g3 > run2.listing
diff run1.listing run2.listing || fail "a rerun changed something"
mk g4 usr/bin/tool "the tool"
expect_exit 0 "$UNICAGE_BIN" unify g4      # alone: still finds the object of the earlier run
assert_eq "$(inode g4/usr/bin/tool)" "$(inode g1/usr/bin/tool)" "new guest linked to an existing object"
assert_grep "objects_reused *1" "$T/out" "object reused"

# vunify is unify
ln -s "$UC" vunify
expect_exit 0 ./vunify --help
assert_grep "usage: unicage unify" "$T/out" "vunify alias"

# --split: a private, writable copy with the same content and metadata
obj_before=$(listing "$store")
expect_exit 0 uc unify --split g2/usr/bin/tool
assert_eq "$(links g2/usr/bin/tool)" 1 "split: own inode"
is_immutable g2/usr/bin/tool && fail "split copy is immutable"
assert_eq "$(stat -c '%a %u %g %Y %s' g2/usr/bin/tool)" "$(stat -c '%a %u %g %Y %s' g1/usr/bin/tool)" "split metadata"
cmp g2/usr/bin/tool g1/usr/bin/tool || fail "split content"
echo "changed" >> g2/usr/bin/tool
cmp -s g2/usr/bin/tool g1/usr/bin/tool && fail "writing the split copy changed the object"
is_immutable g1/usr/bin/tool || fail "the object lost +i"
assert_eq "$(stat -c %s "$store/objects/$(cd "$store/objects" && find . -type f -samefile "$T/g1/usr/bin/tool" | cut -c3-)")" 8 "object intact"

# JSON statistics
expect_exit 0 uc --json unify -n g1 g2 g3
python3 - "$T/out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["metadata"] == {"result": "ok"}, d
s = d["data"]
assert s["dry_run"] is True and s["trees"] == 3 and s["errors"] == 0, s
for k in ("files_seen", "candidates", "bytes_hashed", "names_relinked", "inodes_freed",
          "bytes_freed", "objects_created", "objects_reused", "immutable_set",
          "immutable_unsupported"):
    assert k in s, k
PY

# The store's lock: a second writer fails at once naming the holder, or waits.
python3 -c 'import fcntl,sys,time; f=open(sys.argv[1]+"/lock","r+"); fcntl.flock(f, fcntl.LOCK_EX); f.seek(0); f.truncate(); f.write("4242\n"); f.flush(); open(sys.argv[2],"w").close(); time.sleep(1)' "$store" "$T/locked" &
for _ in $(seq 50); do [ -e "$T/locked" ] && break; sleep 0.1; done
expect_exit 2 uc unify g1 g2
assert_grep "locked by another unicage (pid 4242)" "$T/err" "lock holder named"
expect_exit 0 uc unify --wait-lock g1 g2
wait

# usage errors
expect_exit 3 uc unify
expect_exit 3 uc unify --exclude '+' g1
expect_exit 4 uc unify "$T/nonexistent"
echo "exclude-line" > ex.list; printf '/usr/bin/\n+\n' > bad.list
expect_exit 3 uc unify --exclude-from bad.list g1
assert_grep "bad.list:2: empty pattern" "$T/err" "exclude file:line"

# progress on a terminal, reported by the library and printed by the CLI
script -qec "$UC unify g1 g2" /dev/null > "$T/tty" 2>&1 || fail "unify on a terminal: $(cat "$T/tty")"
grep -qE 'unify: groups ([0-9]+)/\1' "$T/tty" || fail "no unify progress: $(cat "$T/tty")"
script -qec "$UC --json unify g1 g2" /dev/null > "$T/tty" 2>&1 || true
grep -q 'unify: groups' "$T/tty" && fail "progress with --json"
true
