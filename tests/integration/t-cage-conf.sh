#!/usr/bin/env bash
# What a cage's /etc shows and what a broken configuration stops (issue 12,
# items 9 and 10): the user's passwd line keeps its GECOS; a group whose
# password field is empty (wheel::10:alice) is one of the user's groups in
# exec (full binary and front) and in enter; a bad conf.d or black.list line
# stops update (exit 3, file:line) but not mount, remount or exec, and only
# the broken file's users= are left out; an exclude/ file with a bad line
# excludes nobody (the users it names stay caged), the good files still do.
. "$(dirname "$0")/lib.sh"
cage_fixture
"$UNICAGE_SRC/scripts/make-cage-host.sh" "$h" grep >/dev/null
printf 'wheel::10:alice,bob\npostdrop:x:1006:postfix\n' >> "$h/etc/group"
cp "$h/etc/group" "$T/group"
printf 'postfix:x:1005:1005:Postfix MTA:/var/spool/postfix:/bin/false\n' | tee -a "$T/passwd" >> "$h/etc/passwd"
printf 'svc:x:1007:1007:Service:/var/empty:/bin/false\n' | tee -a "$T/passwd" >> "$h/etc/passwd"
printf '[accounts]\nusers=postfix\ngroups=postdrop\n' > "$T/etc/conf.d/accounts.cfg"
expect_exit 0 uc init
expect_exit 0 uc enable alice bob

# --- item 9: GECOS and groups with an empty password field ------------------
want_id="uid=1001(alice) gid=1001(alice) groups=1001(alice),10(wheel)"
expect_exit 0 uc exec alice -- id            # the full binary mounts on the way
assert_eq "$(cat "$T/out")" "$want_id" "exec (full binary): wheel::10: kept"
UNICAGE_CORE=/nonexistent expect_exit 0 uc exec alice -- id
assert_eq "$(cat "$T/out")" "$want_id" "exec (static front): wheel::10: kept"
expect_exit 0 uc enter alice -- id alice
assert_eq "$(cat "$T/out")" "$want_id" "enter: the cage's /etc/group gives alice wheel"
expect_exit 0 uc exec alice -- grep -E '^(alice|wheel|postfix):' /etc/passwd /etc/group
assert_eq "$(cat "$T/out")" "/etc/passwd:postfix:x:1005:1005:Postfix MTA:/var/spool/postfix:/bin/false
/etc/passwd:alice:x:1001:1001:Alice:/home/alice:/bin/sh
/etc/group:alice:x:1001:
/etc/group:wheel::10:alice" "the cage's passwd and group: GECOS kept, empty fields kept, bob cut"

# --- item 10: a bad conf.d line stops update, not the cages -----------------
printf '[extra]\nusers=svc\nthis is not a key\n' > "$T/etc/conf.d/broken.cfg"
gen=$(readlink "$T/fs/state/skel/current")
expect_exit 3 uc update
assert_grep "broken.cfg:3: expected 'key = value'" "$T/err" "update names file:line"
assert_eq "$(readlink "$T/fs/state/skel/current")" "$gen" "no generation from a broken conf.d"
expect_exit 0 uc remount alice
assert_grep "broken.cfg:3" "$T/err" "remount warns, naming file:line"
assert_grep "alice: mounted" "$T/out" "remount: a new slot"
expect_exit 0 uc mount bob
expect_exit 0 uc exec bob -- id -un
assert_eq "$(cat "$T/out")" "bob" "a cage mounted while conf.d is broken"
expect_exit 0 uc exec bob -- cat /etc/passwd
assert_eq "$(cut -d: -f1 "$T/out" | tr '\n' ' ')" "root daemon postfix bob " \
    "the good cfg's users= count, the broken one's (svc) do not"
expect_exit 0 uc remount-all
UNICAGE_CORE=/nonexistent expect_exit 0 uc exec alice -- id
assert_eq "$(cat "$T/out")" "$want_id" "exec after remount-all with a broken conf.d"
expect_exit 3 uc update-etc alice   # like update: the admin's command refuses it
assert_grep "broken.cfg:3" "$T/err" "update-etc names file:line"
# a bad black.list line: the same
rm "$T/etc/conf.d/broken.cfg"
echo "not/absolute" >> "$T/etc/black.list"
expect_exit 3 uc update
assert_grep "black.list:3" "$T/err" "update names the black.list line"
expect_exit 0 uc remount alice bob
sed -i '$d' "$T/etc/black.list"
expect_exit 0 uc update

# --- a broken exclude/ file excludes nobody (fail closed) -------------------
mkdir -p "$T/etc/exclude"
printf 'bob\n' > "$T/etc/exclude/good"
printf '# panel accounts\nalice\nnot a name\n' > "$T/etc/exclude/broken"
expect_exit 0 uc exec alice -- id -un
assert_eq "$(cat "$T/out")" "alice" "alice stays caged: her exclusion is unreadable"
assert_grep "exclude/broken:3: 'not a name' is not a user name" "$T/err" "warning names file:line"
expect_exit 0 uc exec --allow-uncaged alice -- cat /etc/passwd
assert_eq "$(cut -d: -f1 "$T/out" | tr '\n' ' ')" "root daemon postfix alice " \
    "--allow-uncaged still runs in the cage"
expect_exit 0 uc remount alice
expect_exit 2 uc exec bob -- id -un            # the good file still excludes
assert_grep "excluded" "$T/err" "bob excluded by the good file"
expect_exit 3 uc enable alice                  # a change of the state waits
assert_grep "exclude/broken:3" "$T/err" "enable names the broken exclude file"
rc=0; uc check > "$T/check" 2>&1 || rc=$?
assert_grep "FAILED.*exclude/broken:3" "$T/check" "check names the broken exclude file"
# fixed: alice is excluded from then on
sed -i '$d' "$T/etc/exclude/broken"
expect_exit 2 uc exec alice -- id -un
assert_grep "excluded" "$T/err" "alice excluded once the file is fixed"
# not caged: --allow-uncaged takes the groups of group_file (wheel::10: too)
expect_exit 0 uc exec --allow-uncaged alice -- id -G
assert_eq "$(cat "$T/out")" "1001 10" "uncaged exec: groups from group_file"
