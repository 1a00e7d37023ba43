#!/usr/bin/env bash
# unshare: -n -i
# The real crontab (Debian's, setgid crontab) through the proxy with the
# shipped defaults: in alice's cage /usr/bin/crontab is the wrapper;
# `crontab -e` runs her EDITOR in the cage on a copy in her /tmp and
# installs it outside (`crontab -` on stdin); -l, -r, `crontab FILE` (FILE
# read in the cage); -u and a raw -e are refused; bob's crontab is his.
# The spool is a directory of the test bound over /var/spool/cron/crontabs.
# (That cron then runs the crontab in the cage is t-pam-cron's.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxylib.sh"
[ -g /usr/bin/crontab ] && [ -d /var/spool/cron/crontabs ] || skip "no Debian crontab (setgid) on this host"
proxy_private_etc
proxy_fixture /usr/bin/crontab
cp "$UNICAGE_SRC/proxy/defaults/proxy.commands" "$T/etc/"
cp -r "$UNICAGE_SRC/proxy/defaults/filters" "$T/etc/"
mkdir -m 1730 "$T/crontabs"; chgrp crontab "$T/crontabs"
mount --bind "$T/crontabs" /var/spool/cron/crontabs
rm -f /etc/cron.allow /etc/cron.deny   # the test's /etc copy: everyone may
expect_exit 0 uc init
expect_exit 0 uc enable alice bob
proxy_start
cat > "$h/home/alice/ed.sh" <<'SH'
#!/bin/sh
# the test's EDITOR: runs in the cage, on the copy
case $1 in /tmp/*) ;; *) echo "not a copy in the cage's /tmp: $1" >&2; exit 1 ;; esac
ls /home > /home/alice/ed-saw   # what it sees of /home: in the cage, alice only
echo '17 3 * * * echo from-crontab-e' >> "$1"
SH
chown 1001:1001 "$h/home/alice/ed.sh"; chmod 0755 "$h/home/alice/ed.sh"

expect_exit 1 uc exec alice -- crontab -l
assert_grep "no crontab for alice" "$T/err" "no crontab yet"
expect_exit 0 uc exec alice -- env EDITOR=/home/alice/ed.sh crontab -e
expect_exit 0 uc exec alice -- crontab -l
assert_grep "^17 3 \* \* \* echo from-crontab-e$" "$T/out" "crontab -e installed the edit"
assert_eq "$(cat "$h/home/alice/ed-saw")" "alice" "the editor ran in the cage"
[ "$(stat -c %U "$T/crontabs/alice")" = alice ] || fail "the spool file is not alice's"
grep -q "from-crontab-e" "$T/crontabs/alice" || fail "the spool file lacks the line"
ls "$h/home/alice/.unicage/tmp" | grep -q crontab && fail "the copy in /tmp was left behind"
# an editor that changes nothing installs nothing
expect_exit 0 uc exec alice -- env EDITOR=true crontab -e
assert_grep "no changes made" "$T/err" "an unchanged copy"
# crontab FILE: read in the cage
printf '5 4 * * * echo from-file\n' > "$h/home/alice/my.cron"; chown 1001:1001 "$h/home/alice/my.cron"
expect_exit 0 uc exec alice -- crontab /home/alice/my.cron
expect_exit 0 uc exec alice -- crontab -l
assert_grep "^5 4 \* \* \* echo from-file$" "$T/out" "crontab FILE"
# refused: another user, an editor outside the cage, a file of the host
expect_exit 2 uc exec alice -- crontab -u bob -l
assert_grep "option -u is not allowed" "$T/err" "-u refused"
expect_exit 2 uc exec alice -- unicage-proxyexec crontab -l -u root
expect_exit 0 uc exec alice -- uc-proxy-client crontab /home/alice -- crontab -e
assert_grep "^error 2: crontab: option -e is not allowed" "$T/out" "a raw -e (an editor outside the cage) is refused"
expect_exit 0 uc exec alice -- uc-proxy-client crontab /home/alice -- crontab /etc/shadow
assert_grep "^error 2: crontab: argument '/etc/shadow' is not allowed" "$T/out" "a host path is refused"
# bob's crontab is his
expect_exit 1 uc exec bob -- crontab -l
assert_grep "no crontab for bob" "$T/err" "bob has none"
expect_exit 0 uc exec alice -- crontab -r
expect_exit 1 uc exec alice -- crontab -l
[ ! -e "$T/crontabs/alice" ] || fail "crontab -r left the spool file"
echo "t-proxy-crontab: ok"
