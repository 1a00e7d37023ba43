#!/usr/bin/env bash
# The account lifecycle (doc/users.md): user-created, user-renamed,
# user-deleted, clean, getprefix, remove-all, umount of a deleted user, the
# userdel hook, and check's orphaned cages; with the attacks on them: a
# rename onto another user's cage, names with / or .., a rename while the
# old user is logged in, a reused name getting a former account's files.
. "$(dirname "$0")/lib.sh"
cage_fixture
ns=$T/run/ns
cages=$T/fs/state/cages
pids=()
on_cleanup 'kill -9 "${pids[@]}"'
expect_exit 0 uc init
expect_exit 0 uc enable alice bob

# --- getprefix ----------------------------------------------------------------
expect_exit 0 uc getprefix alice
assert_eq "$(cat "$T/out")" "01" "getprefix: uid 1001 mod 100"
expect_exit 0 uc --json getprefix bob
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["data"]; assert d=={"user":"bob","prefix":"02"}, d' "$T/out"
expect_exit 4 uc getprefix nosuch

# --- user-created -------------------------------------------------------------
expect_exit 0 uc user-created alice
assert_grep "alice: cage ready" "$T/out" "user-created"
[ -f "$cages/01/alice/etc/passwd" ] || fail "user-created made no /etc"
assert_eq "$(cat "$cages/01/alice/owner")" "1001" "owner record"
grep -q '^bob:' "$cages/01/alice/etc/passwd" && fail "bob in alice's /etc/passwd"
[ ! -e "$ns/alice.1" ] || fail "user-created mounted the cage (it mounts lazily)"
expect_exit 4 uc user-created nosuch
expect_exit 3 uc user-created alice bob
expect_exit 3 uc user-created -q
expect_exit 0 uc -q user-created alice
assert_eq "$(cat "$T/out")" "" "-q: nothing said"
expect_exit 0 uc user-deleted ghost0
assert_grep "ghost0: no cage" "$T/out" "user-deleted of a name with nothing"
[ ! -e "$T/run/ns" ] || fail "user-deleted on a host with no cage mounted made run_dir/ns"

# --- umount of a deleted user; user-deleted --------------------------------
expect_exit 0 uc mount alice bob
"$UC" exec bob -- sleep 300 & pids+=($!)
for _ in $(seq 50); do [ "$(uc --json list | python3 -c 'import json,sys; print(sum(x["processes"] for x in json.load(sys.stdin)["data"] if x["user"]=="bob"))')" -gt 0 ] && break; sleep 0.1; done
nsenter --mount="$ns/bob.1" sh -c 'echo bob-was-here > /bob-upper-file'
[ -e "$cages/02/bob/upper/bob-upper-file" ] || fail "bob's upper file not in his upper"
cp "$T/passwd" "$T/passwd.full"
grep -v '^bob:' "$T/passwd.full" > "$T/passwd"          # userdel removed bob
expect_exit 1 uc check
assert_grep "FAILED   orphaned cages" "$T/out" "check names orphaned cages"
assert_grep "02/bob" "$T/out" "check names bob's orphaned cage"
expect_exit 1 uc --json check
python3 - "$T/out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["metadata"]["result"] != "ok", d["metadata"]
assert any(c["check"] == "orphaned cages" and c["result"] == "FAILED" for c in d["data"]), d["data"]
PY
expect_exit 0 uc umount --kill bob
assert_grep "bob: unmounted" "$T/out" "umount of a deleted user"
[ ! -e "$ns/bob.1" ] || fail "bob's slot still there"
expect_exit 4 uc umount nosuch
expect_exit 3 uc umount ../alice
expect_exit 0 uc user-deleted bob
assert_grep "bob: cage removed" "$T/out" "user-deleted"
[ ! -e "$cages/02/bob" ] || fail "bob's cage still there"
uc list-enabled | grep -qx bob && fail "bob still in users.enabled"
grep -qx bob "$T/fs/state/users/users.enabled" && fail "bob still in the state file"
expect_exit 0 uc user-deleted bob
assert_grep "bob: no cage" "$T/out" "user-deleted twice"
ls "$T/fs/state/skel/pins" | grep -q '^bob\.' && fail "bob's pins left"
expect_exit 3 uc user-deleted ..
expect_exit 3 uc user-deleted a/b
expect_exit 3 uc user-deleted .
[ -d "$cages" ] || fail "user-deleted .. removed cages_dir"

# --- a reused name never gets the former account's files ------------------
# bob's cage comes back (a restore), then a new bob with another uid
mkdir -p "$cages/02/bob/upper"; echo 1002 > "$cages/02/bob/owner"
echo "old bob's file" > "$cages/02/bob/upper/secret"
echo 'bob:x:1103:1103:New Bob:/home/bob:/bin/sh' >> "$T/passwd"
expect_exit 0 uc user-created bob
[ ! -e "$cages/02/bob" ] || fail "the former bob's cage (uid 1002) was kept for the new bob"
assert_eq "$(cat "$cages/03/bob/owner")" "1103" "the new bob's cage"
# same prefix, another uid: the owner record tells them apart
sed -i 's/^bob:x:1103:1103:/bob:x:1203:1203:/' "$T/passwd"
echo old > "$cages/03/bob/secret"
expect_exit 0 uc user-created bob
[ ! -e "$cages/03/bob/secret" ] || fail "same prefix, other uid: the old cage was kept"
assert_eq "$(cat "$cages/03/bob/owner")" "1203" "new owner"
# the same account again: its cage is kept
echo mine > "$cages/03/bob/mine"
expect_exit 0 uc user-created bob
[ -e "$cages/03/bob/mine" ] || fail "user-created twice removed the account's own cage"

# --- user-renamed ---------------------------------------------------------
mkdir -p "$T/etc/custom.etc/alice"; echo "alice custom" > "$T/etc/custom.etc/alice/motd"
"$UC" exec alice -- sleep 300 & apid=$!; pids+=($apid)
for _ in $(seq 50); do nsenter --mount="$ns/alice.1" true 2>/dev/null && break; sleep 0.1; done
nsenter --mount="$ns/alice.1" sh -c 'echo kept > /alice-upper-file'
# refused while alice is still an account: nothing changes, alice keeps running
expect_exit 3 uc user-renamed alice bob
assert_grep "still an account" "$T/err" "rename before the account"
kill -0 $apid || fail "a refused rename killed alice's session"
sed -i 's/^alice:/alicia:/' "$T/passwd"
# onto an existing user's cage: refused, nothing changed
expect_exit 3 uc user-renamed alice bob
[ -e "$cages/01/alice/upper/alice-upper-file" ] || fail "refused rename moved alice's cage"
[ -e "$T/etc/custom.etc/alice/motd" ] || fail "refused rename moved custom.etc"
kill -0 $apid || fail "a refused rename killed alice's session"
expect_exit 3 uc user-renamed alice ../alicia
expect_exit 3 uc user-renamed ../alice alicia
expect_exit 3 uc user-renamed alice 'a/b'
expect_exit 4 uc user-renamed alice nosuch
# the rename, while alice is logged in: her session is killed
expect_exit 0 uc user-renamed alice alicia
assert_grep "alicia: renamed from alice" "$T/out" "user-renamed"
for _ in $(seq 50); do kill -0 $apid 2>/dev/null || break; sleep 0.1; done
kill -0 $apid 2>/dev/null && fail "the old user's session survived the rename"
[ ! -e "$ns/alice.1" ] || fail "alice's old slot is still there"
[ ! -e "$cages/01/alice" ] || fail "alice's cage left behind"
[ -e "$cages/01/alicia/upper/alice-upper-file" ] || fail "the upper did not follow the rename"
assert_eq "$(cat "$T/etc/custom.etc/alicia/motd")" "alice custom" "custom.etc followed"
uc list-enabled | grep -qx alicia || fail "alicia not enabled after the rename"
grep -q '^alicia:' "$cages/01/alicia/etc/passwd" || fail "/etc not made again for alicia"
grep -q '^alice:' "$cages/01/alicia/etc/passwd" && fail "the old name in the new /etc/passwd"
expect_exit 0 uc mount alicia
assert_eq "$(nsenter --mount="$ns/alicia.1" cat /alice-upper-file)" "kept" "alicia's cage has her files"
# run again (a crash after the move): it finishes, changes nothing more
expect_exit 0 uc user-renamed alice alicia
[ -e "$cages/01/alicia/upper/alice-upper-file" ] || fail "a second rename lost the upper"
# a new home: the same name, the old slots go
expect_exit 0 uc user-renamed alicia alicia
[ ! -e "$ns/alicia.1" ] || fail "a home change kept the old slot"
# a cage of the old name made for another uid: not a rename
mkdir -p "$cages/01/carl"; echo 1301 > "$cages/01/carl/owner"
echo 'carla:x:1401:1401::/home/alice:/bin/sh' >> "$T/passwd"
expect_exit 3 uc user-renamed carl carla
assert_grep "not a rename" "$T/err" "another uid's cage"
[ -e "$cages/01/carl" ] || fail "refused rename touched carl's cage"
[ ! -e "$cages/01/carla" ] || fail "refused rename made carla's cage"

# --- clean --------------------------------------------------------------------
mkdir -p "$cages/07/ghost/upper" "$cages/01/.import-x.1"
echo 1007 > "$cages/07/ghost/owner"
touch "$T/fs/state/skel/pins/ghost.3"
expect_exit 0 uc clean
assert_grep "07/ghost" "$T/out" "clean names what it removed"
[ ! -e "$cages/07/ghost" ] || fail "clean left ghost's cage"
[ -e "$cages/01/carl" ] && fail "clean left carl's cage (no such account)"
[ -e "$cages/01/alicia" ] || fail "clean removed a live account's cage"
[ -e "$cages/01/.import-x.1" ] || fail "clean touched an import's directory"
[ ! -e "$T/fs/state/skel/pins/ghost.3" ] || fail "clean left ghost's pin"
expect_exit 0 uc check
assert_grep "OK       orphaned cages: none" "$T/out" "no orphan after clean"
assert_grep "OK       users: duplicate uids: none" "$T/out" "no duplicate uid"
# duplicate uids: one user to the kernel; check says so (doc/users.md)
cp "$T/passwd" "$T/passwd.nodup"
echo 'twin:x:1001:1001::/home/alice:/bin/sh' >> "$T/passwd"
expect_exit 1 uc check
assert_grep "FAILED   users: duplicate uids: 1: .*twin.*(uid 1001)" "$T/out" "check names duplicate uids"
cp "$T/passwd.nodup" "$T/passwd"

# --- the userdel hook -------------------------------------------------------
hook=$UNICAGE_SRC/hooks/unicage-userdel
[ -x "$hook" ] || fail "no hooks/unicage-userdel"
[ -e "$cages/03/bob" ] || fail "setup: bob has no cage"
UNICAGE=$UC expect_exit 0 "$hook" bob
[ ! -e "$cages/03/bob" ] || fail "the userdel hook left bob's cage"
UNICAGE=$UC expect_exit 0 "$hook" nosuchuser      # never fails userdel
UNICAGE=$UC expect_exit 0 "$hook" ../x

# --- remove-all -------------------------------------------------------------
expect_exit 0 uc mount alicia
"$UC" exec alicia -- sleep 300 & pids+=($!)
for _ in $(seq 50); do nsenter --mount="$ns/alicia.1" true 2>/dev/null && break; sleep 0.1; done
expect_exit 0 uc remove-all < /dev/null
assert_grep "kept: $T/etc" "$T/out" "remove-all keeps the configuration"
for d in skel store cages; do [ ! -e "$T/fs/state/$d" ] || fail "remove-all left state_dir/$d"; done
[ -f "$T/etc/rpm.list" ] && [ -d "$T/etc/custom.etc/alicia" ] || fail "remove-all touched config_dir"
assert_eq "$(uc list-enabled)" "" "remove-all disables every cage"
assert_eq "$(uc --json list | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]))')" 0 "no slot after remove-all"
findmnt -rn -o TARGET | grep -q "^$T/run/ns/" && fail "a cage handle is still mounted"
expect_exit 0 uc -q init
assert_eq "$(cat "$T/out")" "" "-q init printed"
expect_exit 0 uc enable alicia
# -q: every verb that changes something says nothing
for v in "update" "delrpm uc-core" "addrpm uc-core" "update" "mount alicia" "remount alicia" \
    "update-etc alicia" "umount alicia" "mount alicia" "remount-all" "umount-all" "gc" \
    "user-created alicia" "user-renamed alicia alicia" "clean" "user-deleted nosuch"; do
    # shellcheck disable=SC2086
    expect_exit 0 uc -q $v
    assert_eq "$(cat "$T/out")" "" "-q $v printed"
done
expect_exit 0 uc mount alicia
echo ok
