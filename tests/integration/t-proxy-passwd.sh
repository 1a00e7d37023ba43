#!/usr/bin/env bash
# unshare: -n -i
# The real passwd through the proxy with the shipped defaults
# (proxy/defaults: passwd=root:/usr/bin/passwd, filters/passwd.json): in
# alice's cage /usr/bin/passwd is the wrapper; the host's passwd (setuid
# root) runs with root's effective and alice's real ids, asks for her
# current password on her stdin and changes her entry of the test's
# /etc/shadow (a copy of /etc bound over /etc: the host's is never
# touched) and nobody else's; a wrong current password changes nothing;
# bob cannot name alice; passwd -S shows her own status only.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxylib.sh"
[ -u /usr/bin/passwd ] || skip "no setuid /usr/bin/passwd on this host"
command -v python3 >/dev/null || skip "no python3 (the new hash is checked with crypt)"
proxy_private_etc
proxy_fixture /usr/bin/passwd
cp "$UNICAGE_SRC/proxy/defaults/proxy.commands" "$T/etc/"
cp -r "$UNICAGE_SRC/proxy/defaults/filters" "$T/etc/"
expect_exit 0 uc init
expect_exit 0 uc enable alice bob
proxy_start
line() { grep "^$1:" /etc/shadow; }
verify() { # USER PASSWORD: the shadow hash is that password's
    python3 -W ignore -c 'import crypt, sys; h = sys.argv[1].split(":")[1]; sys.exit(crypt.crypt(sys.argv[2], h) != h)' "$(line "$1")" "$2"
}
verify alice alice-old-1 || fail "the test's shadow is not what it set"
others_before=$(grep -v '^alice:' /etc/shadow | sha256sum)

# alice changes her own password
printf 'alice-old-1\nZq8-mP3x-Lw7\nZq8-mP3x-Lw7\n' > "$T/answers"
expect_exit 0 uc exec alice -- sh -c 'passwd < /dev/stdin' < "$T/answers"
verify alice Zq8-mP3x-Lw7 || fail "alice's new password is not in /etc/shadow: $(line alice)"
assert_eq "$(grep -v '^alice:' /etc/shadow | sha256sum)" "$others_before" "nobody else's entry changed"

# a wrong current password changes nothing
before=$(line alice)
printf 'not-hers-9\nXx7-other-Yy\nXx7-other-Yy\n' > "$T/answers"
rc=0; uc exec alice -- passwd < "$T/answers" > "$T/out" 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "passwd with a wrong current password succeeded"
assert_eq "$(line alice)" "$before" "a wrong current password changes nothing"

# her own name is allowed, another's is refused before passwd runs
expect_exit 2 uc exec bob -- passwd alice < /dev/null
assert_grep "argument 'alice' is not allowed" "$T/err" "bob cannot name alice"
expect_exit 2 uc exec alice -- passwd root < /dev/null
expect_exit 2 uc exec alice -- passwd -d < /dev/null
assert_grep "option -d is not allowed" "$T/err" "options beyond the status are refused"
assert_eq "$(line alice)" "$before" "refused requests change nothing"
expect_exit 0 uc exec alice -- passwd -S
assert_grep "^alice P " "$T/out" "passwd -S: her status"
expect_exit 0 uc exec alice -- passwd -S alice
assert_grep "^alice P " "$T/out" "passwd -S with her own name"
# bob changes his, alice's stays
printf 'bob-old-1\nKk4-bob-new-Jj\nKk4-bob-new-Jj\n' > "$T/answers"
expect_exit 0 uc exec bob -- passwd < "$T/answers"
verify bob Kk4-bob-new-Jj || fail "bob's new password is not in /etc/shadow"
assert_eq "$(line alice)" "$before" "bob's change leaves alice's entry"
echo "t-proxy-passwd: ok"
