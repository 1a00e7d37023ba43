#!/usr/bin/env bash
# unshare: -n -i
# Real cron (Debian's cron) in the test's namespaces with a private
# /etc/pam.d/cron that ends with the built pam_unicage.so (issue 14): alice's
# own crontab runs in her cage (id, ls /home: her home only, /tmp is the
# cage's; unshare -U fails, no_new_privs, seccomp), its output is mailed
# by the cage's sendmail (a stand-in in the skeleton that records where it
# ran); root's crontab is not caged. The host's system crontabs
# (/etc/crontab, /etc/cron.d) are replaced by empty ones in the test's mount
# namespace. A job runs at the next minute: up to about 70 s.
. "$(dirname "$0")/lib.sh"
. "$UNICAGE_SRC/pam/testlib.sh"
command -v cron >/dev/null && [ -d /var/spool/cron/crontabs ] || skip "no Debian cron (scripts/install-deps.sh)"
cage_fixture
"$UNICAGE_SRC/scripts/make-cage-host.sh" "$h" unshare grep mv >/dev/null
# a stand-in sendmail in the skeleton: cron mails a job's output with it
# from its job process (in the cage after the session opened); it records
# where it ran
cat > "$h/usr/sbin/sendmail" <<'SH'
#!/bin/sh
{ echo "args=$*"; echo "id=$(id -un)"; echo "home=$(ls /home)"; echo "init=$(cat /proc/1/comm)"
  cat; } > /tmp/mail.out
SH
chmod 0755 "$h/usr/sbin/sendmail"
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
# the first job's output is mailed (MAILTO unset: to alice); the second
# writes what it saw
cat > "$T/crontabs/alice" <<'TAB'
* * * * * echo "output of alice's job"
MAILTO=""
* * * * * sleep 1; id -un > /tmp/cron.tmp; ls /home >> /tmp/cron.tmp; unshare -U sh -c "exit 0" 2> /tmp/e; echo "userns=$? $(cat /tmp/e)" >> /tmp/cron.tmp; grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status >> /tmp/cron.tmp; mv /tmp/cron.tmp /tmp/cron.out
TAB
chown alice:crontab "$T/crontabs/alice"; chmod 0600 "$T/crontabs/alice"
printf 'MAILTO=""\n* * * * * ls /home > %s/root.out\n' "$T" > "$T/crontabs/root"
chown root:crontab "$T/crontabs/root"; chmod 0600 "$T/crontabs/root"
mount --bind "$T/crontabs" /var/spool/cron/crontabs

cron -f -L 15 > "$T/cron.log" 2>&1 & cron_pid=$!
on_cleanup "kill $cron_pid"
out=$h/home/alice/.unicage/tmp/cron.out
mail=$h/home/alice/.unicage/tmp/mail.out
for _ in $(seq 150); do [ -s "$out" ] && [ -s "$mail" ] && [ -s "$T/root.out" ] && break; sleep 0.5; done
[ -s "$out" ] || fail "alice's cron job did not run in her cage within 75 s: $(cat "$T/cron.log")"
sleep 0.5
assert_eq "$(cat "$out")" "alice
alice
userns=1 unshare: unshare failed: Operation not permitted
NoNewPrivs:	1
Seccomp:	2" "alice's cron job: as alice, her home only, the walls (no user namespace, no_new_privs, seccomp)"
[ -s "$mail" ] || fail "the job's output was not mailed from the cage (the cage's sendmail did not run): $(cat "$T/cron.log")"
assert_grep "^home=alice$" "$mail" "the mail's sendmail ran in the cage (alice's home only)"
assert_grep "^init=unicage-init$" "$mail" "the mail's sendmail ran in the cage's pid namespace"
assert_grep "^output of alice's job$" "$mail" "the mail holds the job's output"
assert_grep "^args=.*alice" "$mail" "the mail goes to alice"
sed -n 's/^id=//p' "$mail" | grep -qx 'alice\|root' || fail "sendmail ran as: $(cat "$mail")"
wait_log "alice: session joins the cage" "cron's session joined the cage"
# the session that mounted the cage did not keep its init as a child: cron's
# job process waits for every child it has before it mails the output (it
# waited forever when the mailing job was the one that mounted the cage)
ipid=$(sed -n 's/^pid=//p' "$T/run/ns/.slots/alice/init")
[ -n "$ipid" ] && [ -d "/proc/$ipid" ] || fail "no init of alice's cage recorded"
ppid=$(awk '/^PPid:/ {print $2}' "/proc/$ipid/status")
case $(cat "/proc/$ppid/comm") in
[Cc][Rr][Oo][Nn]) fail "alice's cage init ($ipid) is a child of cron's process $ppid" ;;
esac
[ -s "$T/root.out" ] || fail "root's cron job did not run"
grep -q "root: session joins" "$T/syslog" && fail "root's cron job was caged"
kill "$cron_pid"; wait "$cron_pid" 2>/dev/null || true
expect_exit 0 uc umount-all
echo "t-pam-cron: ok"
