#!/usr/bin/env bash
# A cage's private /etc: the skeleton's etc with passwd, group, shadow and
# gshadow holding only the system accounts (and conf.d users=/groups=) and the
# user, custom.etc laid over it, in cages_dir/NN/<user> (root, 0700).
. "$(dirname "$0")/lib.sh"
h=$T/host
mkdir -p "$h/etc/skel.d" "$T/etc/conf.d" "$T/etc/custom.etc/alice"
cat > "$h/etc/passwd" <<'PW'
root:x:0:0:root:/root:/bin/bash
daemon:x:2:2:daemon:/:/usr/sbin/nologin
alice:x:1001:1001:Alice:/home/alice:/bin/bash
bob:x:1002:1002:Bob:/home/bob:/bin/sh
postfix:x:1005:1005::/var/spool/postfix:/usr/sbin/nologin
PW
cat > "$h/etc/group" <<'GR'
root:x:0:
wheel:x:10:alice,bob,root
alice:x:1001:
bob:x:1002:
postdrop:x:1006:postfix,bob
GR
printf 'root:HASHROOT:19000::::::\nalice:HASHALICE:19000::::::\nbob:HASHBOB:19000::::::\n' > "$h/etc/shadow"
chmod 0640 "$h/etc/shadow"
printf 'root:::\nwheel:::alice,bob\nbob:!::\n' > "$h/etc/gshadow"
echo "host motd" > "$h/etc/motd"
echo "nested" > "$h/etc/skel.d/profile"
ln -s motd "$h/etc/motd.link"
echo "alice's own motd" > "$T/etc/custom.etc/alice/motd"
printf '[accounts]\npaths=/etc\nusers=postfix\ngroups=postdrop\n' > "$T/etc/conf.d/base.cfg"
cp "$h/etc/passwd" "$T/passwd"
cat > "$UNICAGE_CONFIG" <<CONF
sysroot = $h
config_dir = $T/etc
state_dir = $T/state
passwd_file = $T/passwd
CONF
expect_exit 4 uc update-etc alice            # no skeleton yet
expect_exit 0 uc init
expect_exit 0 uc update-etc alice
cage=$T/state/cages/01/alice
assert_eq "$(stat -c '%a %u' "$cage")" "700 0" "cage directory root 0700"
e=$cage/etc
assert_eq "$(cut -d: -f1 "$e/passwd" | tr '\n' ' ')" "root daemon postfix alice " "passwd: system accounts, users=, the user (from the user database)"
assert_eq "$(grep '^wheel' "$e/group")" "wheel:x:10:alice,root" "no other user in member lists"
assert_eq "$(grep '^postdrop' "$e/group")" "postdrop:x:1006:postfix" "groups= kept, members filtered"
grep -q '^bob' "$e/group" && fail "bob's group in alice's cage"
assert_eq "$(cut -d: -f1 "$e/shadow" | tr '\n' ' ')" "root alice " "shadow: no one else's entry"
grep -q HASHBOB "$e/shadow" && fail "bob's hash in alice's cage"
assert_eq "$(stat -c %a "$e/shadow")" 640 "shadow mode kept"
assert_eq "$(grep '^wheel' "$e/gshadow")" "wheel:::alice" "gshadow members filtered"
assert_eq "$(cat "$e/motd")" "alice's own motd" "custom.etc applied"
assert_eq "$(cat "$e/skel.d/profile")" "nested" "subdirectories copied"
assert_eq "$(readlink "$e/motd.link")" "motd" "symlinks copied"
# regenerate after a passwd change: swapped in whole
sed -i 's|^alice:x:1001:1001:Alice:/home/alice:/bin/bash|alice:x:1001:1001:Alice:/home/alice:/bin/zsh|' "$T/passwd"
expect_exit 0 uc update-etc alice
assert_grep "^alice:x:1001:1001:Alice:/home/alice:/bin/zsh" "$e/passwd" "regenerated, GECOS kept"
[ ! -e "$cage/etc.new" ] || fail "etc.new left behind"
# without arguments: the caged users only
expect_exit 0 uc enable bob
expect_exit 0 uc update-etc
assert_eq "$(cat "$T/out")" "bob: /etc regenerated" "all caged users"
assert_eq "$(cut -d: -f1 "$T/state/cages/02/bob/etc/passwd" | tr '\n' ' ')" "root daemon postfix bob " "bob's passwd"
expect_exit 4 uc update-etc nosuch
