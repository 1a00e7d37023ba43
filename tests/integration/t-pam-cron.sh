#!/usr/bin/env bash
# unshare: -n -i
# Real cron (Debian's cron) in the test's namespaces with a private
# /etc/pam.d/cron that ends with the built pam_unicage.so (issue 14): alice's
# own crontab runs in her cage (id, ls /home: her home only, /tmp is the
# cage's); root's crontab is not caged. The host's system crontabs
# (/etc/crontab, /etc/cron.d) are replaced by empty ones in the test's mount
# namespace. A job runs at the next minute: up to about 70 s.
. "$(dirname "$0")/lib.sh"
. "$UNICAGE_SRC/pam/testlib.sh"
command -v cron >/dev/null && [ -d /var/spool/cron/crontabs ] || skip "no Debian cron (scripts/install-deps.sh)"
cage_fixture
expect_exit 0 uc init
expect_exit 0 uc enable alice
pam_private_etc
pam_syslog_capture
on_cleanup 'echo "--- syslog:"; cat "$T/syslog"' >&2
pam_test_users
mount -t tmpfs -o mode=0755 uc-run /run
cat > "$T/pam.d/cron" <<PAM
auth     required pam_permit.so
account  required pam_permit.so
session  required pam_permit.so
session  required $PAMMOD config=$UNICAGE_CONFIG debug
PAM
printf 'auth required pam_deny.so\naccount required pam_deny.so\nsession required pam_deny.so\n' > "$T/pam.d/other"
# no system job of the host runs here
: > "$T/crontab"; mkdir "$T/cron.d"
mount --bind "$T/crontab" /etc/crontab
mount --bind "$T/cron.d" /etc/cron.d
mkdir -m 1730 "$T/crontabs"; chgrp crontab "$T/crontabs"
printf 'MAILTO=""\n* * * * * id -un > /tmp/cron.out; ls /home >> /tmp/cron.out\n' > "$T/crontabs/alice"
chown alice:crontab "$T/crontabs/alice"; chmod 0600 "$T/crontabs/alice"
printf 'MAILTO=""\n* * * * * ls /home > %s/root.out\n' "$T" > "$T/crontabs/root"
chown root:crontab "$T/crontabs/root"; chmod 0600 "$T/crontabs/root"
mount --bind "$T/crontabs" /var/spool/cron/crontabs

cron -f -L 15 > "$T/cron.log" 2>&1 & cron_pid=$!
on_cleanup "kill $cron_pid"
out=$h/home/alice/.unicage/tmp/cron.out
for _ in $(seq 150); do [ -s "$out" ] && [ -s "$T/root.out" ] && break; sleep 0.5; done
[ -s "$out" ] || fail "alice's cron job did not run in her cage within 75 s: $(cat "$T/cron.log")"
sleep 0.5
assert_eq "$(cat "$out")" "alice
alice" "alice's cron job: as alice, her home only"
wait_log "alice: session joins the cage" "cron's session joined the cage"
[ -s "$T/root.out" ] || fail "root's cron job did not run"
grep -q "root: session joins" "$T/syslog" && fail "root's cron job was caged"
kill "$cron_pid"; wait "$cron_pid" 2>/dev/null || true
expect_exit 0 uc umount-all
echo "t-pam-cron: ok"
