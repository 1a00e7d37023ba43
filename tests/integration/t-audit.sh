#!/usr/bin/env bash
# The audit trail: enter, exec (through the full binary, which mounts the
# cage first, and through the small front, which joins a current one),
# import (ok and failed), remove-all and a --kill of running processes each send one
# syslog line (LOG_AUTHPRIV|LOG_NOTICE, "unicage[PID]: ...") naming the verb,
# the cage, the invoking uid, SUDO_USER and the command; a command holding a
# newline or quotes cannot forge a line or a field; verbs that change
# nothing of a cage's processes (mount, remount without --kill) log nothing.
# The logger is a datagram socket of the test at /dev/log of a private /dev
# (a tmpfs of this mount namespace with the host's entries bound in): the
# host's /dev and its logger are never touched.
. "$(dirname "$0")/lib.sh"
cage_fixture
"$UNICAGE_SRC/scripts/make-cage-host.sh" "$h" true echo >/dev/null

# --- a private /dev with our own /dev/log (after cage_fixture: its loop
# device must appear in the real /dev) ---------------------------------------
mkdir -p "$T/olddev"
mount --rbind /dev "$T/olddev"
mount -t tmpfs -o mode=0755,nosuid tmpfs /dev
for e in "$T"/olddev/*; do
    n=${e##*/}
    [ "$n" != log ] || continue
    if [ -L "$e" ]; then cp -P "$e" "/dev/$n"
    elif [ -d "$e" ]; then mkdir "/dev/$n"; mount --rbind "$e" "/dev/$n"
    else : > "/dev/$n"; mount --bind "$e" "/dev/$n"
    fi
done
[ -c /dev/null ] && [ -e /dev/pts/ptmx ] || fail "the private /dev is incomplete"
log=$T/syslog
python3 - /dev/log "$log" "$T/logger.ready" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
with open(sys.argv[2], "ab", buffering=0) as f:
    open(sys.argv[3], "w").close()
    while True:
        f.write(s.recv(65536).rstrip(b"\0\n") + b"\n")
PY
logger_pid=$!
on_cleanup "kill $logger_pid"
for _ in $(seq 50); do [ -e "$T/logger.ready" ] && break; sleep 0.1; done
[ -e "$T/logger.ready" ] || fail "the test's syslog socket did not start"
[ -S /dev/log ] || fail "/dev/log is not the test's socket"

# lines N PATTERN: exactly N new lines (since the last mark) match
mark=0
since() { tail -n +"$((mark + 1))" "$log"; }
next() { mark=$(wc -l < "$log"); }
lines() {
    sleep 0.2 # the datagrams are in the socket; the reader may lag
    local got
    got=$(since | grep -c -E -- "$2" || true)
    [ "$got" = "$1" ] || { echo "--- log since the mark:" >&2; since >&2; fail "$3: $got lines match '$2', expected $1"; }
}
prio='^<85>' # LOG_AUTHPRIV (10) << 3 | LOG_NOTICE (5)

expect_exit 0 uc init
expect_exit 0 uc enable alice bob
next
expect_exit 0 uc mount alice
lines 0 "$prio" "mount logs nothing"

# --- exec: the full binary (mounts bob's cage first), then the front -------
expect_exit 0 uc exec bob -- id -un
assert_eq "$(cat "$T/out")" "bob" "exec works with the audit line"
lines 1 "$prio.*unicage\[[0-9]+\]: exec cage=bob uid=0( auid=[0-9]+)? cmd=id -un\$" "exec through unicage-core"
lines 1 "$prio" "one line per exec"
next
expect_exit 0 uc exec bob -- id -u
lines 1 "$prio.*unicage\[[0-9]+\]: exec cage=bob uid=0( auid=[0-9]+)? cmd=id -u\$" "exec through the front"
lines 1 "$prio" "one line per exec (front)"
next
SUDO_USER=carol expect_exit 0 uc exec alice -- true
lines 1 "exec cage=alice uid=0( auid=[0-9]+)? sudo_user=carol cmd=true\$" "SUDO_USER is named"
next
# a command that tries to forge a second line and a field
expect_exit 0 uc exec alice -- echo "$(printf 'x\n<85>unicage[1]: exec cage=root cmd=x')" "it's"
lines 1 "exec cage=alice .*cmd=echo 'x\\\\x0a<85>unicage\[1\]: exec cage=root cmd=x' 'it\\\\x27s'\$" "newline and quote escaped"
[ "$(since | grep -c "^<85>")" = 1 ] || fail "a command forged a second syslog line"
next

# --- enter ------------------------------------------------------------------
expect_exit 0 uc enter alice -- true
lines 1 "$prio.*unicage\[[0-9]+\]: enter cage=alice uid=0( auid=[0-9]+)? cmd=true\$" "enter with a command"
next
expect_exit 0 uc enter alice < /dev/null
lines 1 "enter cage=alice uid=0( auid=[0-9]+)? cmd=\(shell\)\$" "enter's shell"
next

# --- a kill of running processes -------------------------------------------
expect_exit 0 uc remount alice
lines 0 "$prio" "remount without --kill logs nothing"
expect_exit 0 uc remount --kill alice bob
lines 1 "$prio.*remount cage=alice,bob uid=0( auid=[0-9]+)? cmd=remount --kill alice bob\$" "remount --kill"
next
expect_exit 0 uc remount-all --kill
lines 1 "remount-all cage=\* uid=0( auid=[0-9]+)? cmd=remount-all --kill\$" "remount-all --kill"
next
expect_exit 0 uc umount --kill bob
lines 1 "umount cage=bob uid=0.* cmd=umount --kill bob\$" "umount --kill"
next

# --- import -----------------------------------------------------------------
expect_exit 0 uc export alice -o "$T/alice.tar.zst"
lines 0 "$prio" "export logs nothing"
expect_exit 0 uc import "$T/alice.tar.zst" --user bob --force
lines 1 "$prio.*import cage=bob uid=0( auid=[0-9]+)? result=ok cmd=import --user bob --force $T/alice.tar.zst\$" "import"
next
echo "not an archive" > "$T/junk"
expect_exit 3 uc import "$T/junk"
lines 1 "import cage=- uid=0( auid=[0-9]+)? result=failed cmd=import $T/junk\$" "a failed import"
next

# --- remove-all (last: it removes every cage and the skeleton) --------------
expect_exit 0 uc remove-all --yes
lines 1 "$prio.*remove-all cage=\* uid=0( auid=[0-9]+)? result=ok cmd=remove-all --yes\$" "remove-all"
echo "audit lines ok"
