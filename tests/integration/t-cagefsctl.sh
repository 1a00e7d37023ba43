#!/usr/bin/env bash
# `cagefsctl` (argv[0], the link make install makes): CloudLinux cagefsctl's
# options run as unicage verbs (doc/cagefs.md), each one here; an option
# unicage does not have is exit 3 naming it; --set-min-uid rewrites
# unicage.conf atomically, keeping its comments.
. "$(dirname "$0")/lib.sh"
cage_fixture
ns=$T/run/ns
ln -s "$UC" "$T/cagefsctl"
cf() { "$T/cagefsctl" "$@"; }

expect_exit 0 cf --help
assert_grep "^usage: cagefsctl" "$T/out" "cagefsctl help"
# what unicage does not have: exit 3 naming the option, nothing done
for o in --reinit --hardlink --create-mp --mount-skel --set-update-period --unmount-dir \
    --list-logged-in --setup-cl-selector --frobnicate -x; do
    expect_exit 3 cf "$o"
    assert_grep "option '$o' is not supported by unicage" "$T/err" "$o refused by name"
done
[ ! -e "$T/fs/state/skel" ] || fail "a refused option did something"
expect_exit 3 cf
expect_exit 3 cf --init --update
assert_grep "one action at a time" "$T/err" "two actions"

# skeleton
expect_exit 0 cf --init
[ -L "$T/fs/state/skel/current" ] || fail "--init made no skeleton"
expect_exit 0 cf --update
expect_exit 0 cf --force-update
expect_exit 0 cf --update --dont-clean
expect_exit 0 cf --wait-lock -u
expect_exit 0 cf -v --update
echo /usr/bin/sh | expect_exit 0 cf --update-list
expect_exit 0 cf --list-rpm
assert_grep "uc-core" "$T/out" "--list-rpm"
expect_exit 0 cf --delrpm uc-core
grep -qx uc-core <<< "$(uc list-rpm)" && fail "--delrpm did not remove uc-core"
expect_exit 0 cf --addrpm uc-core
grep -qx uc-core <<< "$(uc list-rpm)" || fail "--addrpm did not add uc-core"
expect_exit 4 cf --addrpm no-such-package
expect_exit 0 cf --print-suids
# users
expect_exit 0 cf --display-user-mode
assert_grep "Mode: Disable All" "$T/out" "--display-user-mode"
expect_exit 0 cf --enable alice bob
assert_eq "$(cf --list-enabled | tr '\n' ' ')" "alice bob " "--enable, --list-enabled"
expect_exit 0 cf --disable bob
assert_eq "$(cf --list-disabled | tr '\n' ' ')" "bob " "--disable, --list-disabled"
expect_exit 0 cf --user-status alice bob
assert_grep "^alice: Enabled" "$T/out" "--user-status alice"
assert_grep "^bob: Disabled" "$T/out" "--user-status bob"
expect_exit 0 cf --toggle-mode
assert_grep "Mode: Enable All" "$T/out" "--toggle-mode"
expect_exit 0 cf --disable-all
expect_exit 0 cf --enable-all
assert_grep "Mode: Enable All" "$T/out" "--enable-all"
expect_exit 0 cf --getprefix alice
assert_eq "$(cat "$T/out")" "01" "--getprefix"
expect_exit 0 cf --enable bob
# cages
expect_exit 0 cf --update-etc alice
expect_exit 0 cf --force-update-etc
expect_exit 0 cf --remount alice
[ -e "$ns/alice.1" ] || fail "--remount made no slot"
expect_exit 0 cf -m bob
expect_exit 0 cf --list
assert_grep "^alice " "$T/out" "--list"
expect_exit 0 cf -l
expect_exit 0 cf --remount-all
[ -e "$ns/alice.2" ] || fail "--remount-all made no new slot"
expect_exit 0 cf --unmount bob
[ ! -e "$ns/bob.1" ] || fail "--unmount left bob's slot"
expect_exit 0 cf -W
[ ! -e "$ns/alice.2" ] || fail "--unmount-all left alice's slot"
expect_exit 0 cf --enter alice < /dev/null
expect_exit 0 cf --sanity-check
assert_grep "OK       orphaned cages" "$T/out" "--sanity-check is unicage check"
mkdir -p "$T/fs/state/cages/05/gone"
expect_exit 0 cf --clean-var-cagefs
assert_grep "05/gone" "$T/out" "--clean-var-cagefs"
[ ! -e "$T/fs/state/cages/05/gone" ] || fail "--clean-var-cagefs left a cage of nobody"
# --tmpwatch: unicage tmpwatch when this build has it
if grep -q '^  tmpwatch ' <<< "$(uc --help)"; then
    expect_exit 0 cf --tmpwatch
else
    expect_exit 3 cf --tmpwatch
    assert_grep "no tmpwatch verb in this build" "$T/err" "--tmpwatch without the verb"
fi

# --set-min-uid / --get-min-uid: unicage.conf rewritten atomically, comments kept
sed -i '1i # the hosting accounts start at 1000\n' "$UNICAGE_CONFIG"
echo "# the end" >> "$UNICAGE_CONFIG"
expect_exit 0 cf --get-min-uid
assert_eq "$(cat "$T/out")" "1000" "--get-min-uid default"
ino=$(stat -c %i "$UNICAGE_CONFIG")
expect_exit 0 cf --set-min-uid 1002
expect_exit 0 cf --get-min-uid
assert_eq "$(cat "$T/out")" "1002" "--set-min-uid"
assert_grep "^# the hosting accounts start at 1000$" "$UNICAGE_CONFIG" "comment kept"
assert_grep "^# the end$" "$UNICAGE_CONFIG" "last comment kept"
assert_grep "^sysroot = $h$" "$UNICAGE_CONFIG" "other keys kept"
[ "$(stat -c %i "$UNICAGE_CONFIG")" != "$ino" ] || fail "--set-min-uid wrote in place (not atomic)"
expect_exit 0 cf --set-min-uid 1001
assert_eq "$(grep -c '^min_uid' "$UNICAGE_CONFIG")" 1 "one min_uid line"
cp "$UNICAGE_CONFIG" "$T/conf.before"
expect_exit 3 cf --set-min-uid lots
expect_exit 3 cf --set-min-uid '1
sysroot = /'
expect_exit 3 cf --set-min-uid
cmp -s "$UNICAGE_CONFIG" "$T/conf.before" || fail "a refused --set-min-uid changed unicage.conf"
ls -a "$T" | grep -q '\.tmp$' && fail "a temporary file was left"
expect_exit 2 setpriv --reuid=65534 --regid=65534 --clear-groups "$T/cagefsctl" --set-min-uid 5
expect_exit 2 setpriv --reuid=65534 --regid=65534 --clear-groups "$T/cagefsctl" --remount-all

# --remove-all (--do-not-ask)
expect_exit 0 cf --do-not-ask --remove-all < /dev/null
[ ! -e "$T/fs/state/skel" ] || fail "--remove-all left the skeleton"
[ -f "$T/etc/rpm.list" ] || fail "--remove-all removed the configuration"

# --- a CageFS configuration read as it is (cagefs_compat = yes) -------------
# made from the formats CageFS documents: cagefs.mp, users.disabled/ (Enable
# All) holding one file per user, exclude/, custom.etc/, black.list and
# custom.black.list, conf.d/*.cfg; and files unicage does not support
c=$T/cagefs
mkdir -p "$c/conf.d" "$c/users.disabled" "$c/exclude" "$c/custom.etc/alice" "$c/etc.safe"
cp "$T/etc/conf.d/base.cfg" "$c/conf.d/"
cat > "$c/conf.d/openssh-clients.cfg" <<'CFG'
[openssh-clients]

comment=OpenSSH Clients

paths=/usr/bin/id, /usr/bin/ls

devices=/dev/null
CFG
cp "$T/etc/black.list" "$c/black.list"
echo /usr/bin/touch > "$c/custom.black.list"
cp "$T/etc/rpm.list" "$c/rpm.list"
printf '/srv/shared\n!/srv/ro\n' > "$c/cagefs.mp"
: > "$c/users.disabled/bob"
printf 'svc\n' > "$c/exclude/panel"
echo "alice's motd" > "$c/custom.etc/alice/motd"
: > "$c/cagefs.ini"; : > "$c/etc.safe/disable.etcfs"; echo 'SENDMAIL=/usr/sbin/sendmail' > "$c/x.proxy.commands"
cat > "$T/compat.conf" <<CONF
sysroot = $h
config_dir = $c
state_dir = $T/fs/state
run_dir = $T/run
passwd_file = $T/passwd
group_file = $T/group
CONF
# without cagefs_compat: check says the directory is a CageFS one, not read
expect_exit 1 uc -c "$T/compat.conf" check
assert_grep "FAILED   config: CageFS files: $c is a CageFS configuration" "$T/out" "a copied /etc/cagefs is not misread silently"
echo "cagefs_compat = yes" >> "$T/compat.conf"
cc() { UNICAGE_CONFIG=$T/compat.conf "$T/cagefsctl" "$@"; }
ucc() { "$UC" -c "$T/compat.conf" "$@"; }
expect_exit 0 cc --init
[ -e "$T/fs/state/skel/current/tree/usr/bin/id" ] || fail "conf.d/*.cfg of the CageFS tree not taken"
[ ! -e "$T/fs/state/skel/current/tree/usr/bin/touch" ] || fail "custom.black.list not applied"
expect_exit 0 cc --display-user-mode
assert_grep "Mode: Enable All" "$T/out" "users.disabled/ means Enable All"
assert_eq "$(cc --list-disabled | tr '\n' ' ')" "bob " "users.disabled/bob"
assert_eq "$(cc --list-enabled | tr '\n' ' ')" "alice " "everyone else enabled"
expect_exit 0 ucc check
assert_grep "OK       config: CageFS files read: $c: cagefs.mp, custom.black.list, users.disabled" "$T/out" "check says what it read"
assert_grep "SKIPPED  config: CageFS files not supported: ignored by unicage: cagefs.ini, etc.safe$" "$T/out" "check says what it does not support"
grep "CageFS files read" "$T/out" | grep -q "x.proxy.commands" || fail "check does not list x.proxy.commands as read: $(cat "$T/out")"
assert_grep "1 mount point\|2 mount point" "$T/out" "cagefs.mp read"
expect_exit 0 cc --remount alice
slot=$(ucc --json list | python3 -c 'import json,sys; print(max(x["slot"] for x in json.load(sys.stdin)["data"] if x["user"]=="alice"))')
grep -q ' /srv/shared ' <(nsenter --mount="$ns/alice.$slot" --pid="$ns/alice.pid" cat /proc/self/mountinfo) || fail "cagefs.mp's /srv/shared not mounted in the cage"
assert_eq "$(nsenter --mount="$ns/alice.$slot" cat /etc/motd)" "alice's motd" "custom.etc/alice of the CageFS tree"
# changes are written the CageFS way: a file per user in the mode's directory
expect_exit 0 cc --enable bob
[ ! -e "$c/users.disabled/bob" ] || fail "--enable bob left users.disabled/bob"
expect_exit 0 cc --disable alice
[ -f "$c/users.disabled/alice" ] || fail "--disable alice wrote no users.disabled/alice"
expect_exit 0 cc --toggle-mode
[ -d "$c/users.enabled" ] && [ ! -e "$c/users.disabled" ] || fail "toggle-mode: users.enabled/ is the mode now: $(ls "$c")"
[ -f "$c/users.enabled/bob" ] && [ ! -e "$c/users.enabled/alice" ] || fail "toggle-mode: users.enabled/ holds who was caged: $(ls "$c/users.enabled")"
assert_grep "Mode: Disable All" <(cc --display-user-mode) "toggled"
expect_exit 0 cc --enable bob
[ -f "$c/users.enabled/bob" ] || fail "--enable in Disable All: users.enabled/bob"
# files in a two-digit prefix directory count too
mkdir -p "$c/users.enabled/01"; : > "$c/users.enabled/01/alice"
assert_eq "$(cc --list-enabled | tr '\n' ' ')" "alice bob " "users.enabled/01/alice"
# bad entries are refused naming the file, nothing changes
: > "$c/users.enabled/a:b"
expect_exit 3 cc --list-enabled
assert_grep "users.enabled/a:b: not a file named by a user" "$T/err" "bad entry"
rm "$c/users.enabled/a:b"
rm -r "$c/users.enabled"; : > "$c/users.enabled"
expect_exit 3 cc --display-user-mode
assert_grep "users.enabled is not a directory" "$T/err" "users.enabled as a file"
echo ok
