#!/usr/bin/env bash
# unshare: -n -i
# End to end: alice edits her crontab in her cage through the proxy
# (`crontab -e`, EDITOR a script), and the host's cron (Debian's, with
# pam_unicage.so in the test's /etc/pam.d/cron) runs the new job in her
# cage: its output is in her cage's /tmp and it sees her home only. The
# test's /etc is a private copy (proxylib.sh); the spool is the test's; a
# job runs at the next minute: up to about 70 s.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxylib.sh"
command -v cron >/dev/null && [ -g /usr/bin/crontab ] && [ -d /var/spool/cron/crontabs ] ||
    skip "no Debian cron and crontab (scripts/install-deps.sh)"
PAMMOD=$(dirname "$UC")/pam_unicage.so
[ -e "$PAMMOD" ] || fail "no $PAMMOD (make builds it)"
if nm -D "$PAMMOD" 2>/dev/null | grep __asan_init > /dev/null; then
    skip "$PAMMOD is built with the sanitizers: cron cannot load it"
fi
proxy_private_etc
proxy_fixture /usr/bin/crontab
"$UNICAGE_SRC/scripts/make-cage-host.sh" "$h" id >/dev/null
cp "$UNICAGE_SRC/proxy/defaults/proxy.commands" "$T/etc/"
cp -r "$UNICAGE_SRC/proxy/defaults/filters" "$T/etc/"
mkdir -m 1730 "$T/crontabs"; chgrp crontab "$T/crontabs"
mount --bind "$T/crontabs" /var/spool/cron/crontabs
rm -f /etc/cron.allow /etc/cron.deny /etc/cron.d/* ; : > /etc/crontab
cat > /etc/pam.d/cron <<PAM
auth     required pam_permit.so
account  required pam_permit.so
session  required pam_permit.so
session  required $PAMMOD config=$UNICAGE_CONFIG
PAM
mount -t tmpfs -o mode=0755 uc-run /run   # cron's pid file: not the host's
expect_exit 0 uc init
expect_exit 0 uc enable alice
proxy_start
cat > "$h/home/alice/ed.sh" <<'SH'
#!/bin/sh
printf 'MAILTO=""\n* * * * * id -un > /tmp/cron.out; ls /home >> /tmp/cron.out\n' >> "$1"
SH
chown 1001:1001 "$h/home/alice/ed.sh"; chmod 0755 "$h/home/alice/ed.sh"
expect_exit 0 uc exec alice -- env EDITOR=/home/alice/ed.sh crontab -e
grep -q "cron.out" "$T/crontabs/alice" || fail "crontab -e did not install the job"

cron -f -L 15 > "$T/cron.log" 2>&1 & cron_pid=$!
on_cleanup "kill $cron_pid"
out=$h/home/alice/.unicage/tmp/cron.out
for _ in $(seq 150); do [ -s "$out" ] && break; sleep 0.5; done
[ -s "$out" ] || fail "the job alice installed did not run in her cage within 75 s: $(cat "$T/cron.log")"
sleep 0.5
assert_eq "$(cat "$out")" "alice
alice" "the job runs as alice in her cage (her home only)"
kill "$cron_pid"; wait "$cron_pid" 2>/dev/null || true
echo "t-proxy-cron: ok"
