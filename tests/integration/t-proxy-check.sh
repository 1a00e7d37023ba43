#!/usr/bin/env bash
# unicage check and a proxied crontab (review finding 7, doc/proxy.md
# "crontab -e"): crontab through the proxy installs a job the host's cron
# runs; unless cron's PAM stack has pam_unicage (EL's /etc/pam.d/crond,
# Debian's /etc/pam.d/cron, or a file they include) that job runs outside
# the cage. check says WARN then (exit 0), OK with the line, nothing when
# crontab is not proxied; --json says "WARN" too.
. "$(dirname "$0")/lib.sh"
cage_fixture
expect_exit 0 uc init
expect_exit 0 uc enable alice
line="proxy: crontab and cron's PAM stack"
rm -f "$h/etc/pam.d/cron" "$h/etc/pam.d/crond"
mkdir -p "$h/etc/pam.d"

echo "passwd=root:/usr/bin/passwd" > "$T/etc/proxy.commands"
expect_exit 0 uc check
grep -q "$line" "$T/out" && fail "a check of crontab without a proxied crontab: $(grep "$line" "$T/out")"

echo "crontab=/usr/bin/crontab" >> "$T/etc/proxy.commands"
expect_exit 0 uc check
assert_grep "^WARN  *$line: .*there is no /etc/pam.d/crond nor /etc/pam.d/cron" "$T/out" "no cron PAM file: WARN"

printf 'auth required pam_env.so\nsession required pam_limits.so\n#session required pam_unicage.so\n@include common-session-noninteractive\n' > "$h/etc/pam.d/cron"
printf 'session required pam_unix.so\n' > "$h/etc/pam.d/common-session-noninteractive"
expect_exit 0 uc check
assert_grep "^WARN  *$line: crontab is proxied (proxy.commands) but cron's PAM stack .*has no pam_unicage session line" "$T/out" "Debian's cron without pam_unicage (a comment does not count): WARN"
expect_exit 0 uc check --json
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
c = [c for c in d["data"] if c["check"] == sys.argv[2]]
assert len(c) == 1 and c[0]["result"] == "WARN", c
assert "outside her cage" in c[0]["detail"], c
assert d.get("ok", True) is not False, d
' "$T/out" "$line" || fail "check --json: $(cat "$T/out")"

# an auth line naming it is not a session line
printf 'auth required pam_unicage.so\n' > "$h/etc/pam.d/crond"
expect_exit 0 uc check
assert_grep "^WARN  *$line" "$T/out" "pam_unicage as an auth line only: WARN"

# in a file cron includes (Debian's common-session-noninteractive)
printf 'session required pam_unix.so\nsession required pam_unicage.so\n' > "$h/etc/pam.d/common-session-noninteractive"
expect_exit 0 uc check
assert_grep "^OK  *$line: .*/etc/pam.d/cron puts cron jobs into cages" "$T/out" "included by Debian's cron: OK"

# EL's crond, its own session line with a bracketed control
rm "$h/etc/pam.d/cron" "$h/etc/pam.d/common-session-noninteractive"
printf 'account required pam_access.so\nsession [success=ok default=bad] pam_unicage.so\n' > "$h/etc/pam.d/crond"
expect_exit 0 uc check
assert_grep "^OK  *$line: .*/etc/pam.d/crond puts" "$T/out" "EL's crond with pam_unicage: OK"

# an alias of another name for the host's crontab counts too
rm "$h/etc/pam.d/crond"
printf 'passwd=root:/usr/bin/passwd\nct=/usr/bin/crontab\n' > "$T/etc/proxy.commands"
expect_exit 0 uc check
assert_grep "^WARN  *$line" "$T/out" "an alias of another name for crontab: WARN"
expect_exit 0 uc umount-all
echo "t-proxy-check: ok"
