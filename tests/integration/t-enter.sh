#!/usr/bin/env bash
# enter and exec: root in a cage without CAP_LINUX_IMMUTABLE or CAP_SYS_ADMIN
# (cannot chattr, cannot mount); exec as the user with no capability,
# no_new_privs, the user's ids, other users' processes invisible, exit status
# and stdin passed through; unknown user 4, disabled user refused unless
# --allow-uncaged; a cage that cannot be built runs nothing. Both the small
# front (a current cage) and the full binary (a cage to mount first).
. "$(dirname "$0")/lib.sh"
cage_fixture
"$UNICAGE_SRC/scripts/make-cage-host.sh" "$h" chattr mount grep >/dev/null
expect_exit 0 uc init
expect_exit 0 uc enable alice bob
ns=$T/run/ns

# --- exec, the first time: the full binary mounts the cage first -------------
expect_exit 0 uc exec alice -- id -un
assert_eq "$(cat "$T/out")" "alice" "exec runs as the user (cage mounted on the way)"
[ -e "$ns/alice.1" ] || fail "exec did not mount the cage"
# --- exec again: the front joins the current slot by itself -------------------
UNICAGE_CORE=/nonexistent expect_exit 0 uc exec alice -- id
assert_eq "$(cat "$T/out")" "uid=1001(alice) gid=1001(alice) groups=1001(alice)" "id in the cage (front only)"
expect_exit 0 uc exec alice -- sh -c 'grep -E "^(CapEff|CapPrm|CapBnd|NoNewPrivs)" /proc/self/status; pwd; echo "$HOME $USER $LOGNAME $SHELL $PATH"'
assert_grep "^CapEff:	0000000000000000" "$T/out" "no effective capability"
assert_grep "^CapPrm:	0000000000000000" "$T/out" "no permitted capability"
assert_grep "^NoNewPrivs:	1" "$T/out" "no_new_privs"
assert_grep "^/home/alice$" "$T/out" "cwd is the home"
assert_grep "^/home/alice alice alice /bin/sh /usr/local/bin:/usr/bin:/bin$" "$T/out" "clean environment"
env -i FOO=leak PATH=/usr/bin:/bin UNICAGE_CONFIG="$UNICAGE_CONFIG" "$UC" exec alice -- sh -c 'echo "foo=${FOO:-}"' > "$T/o2"
assert_eq "$(cat "$T/o2")" "foo=" "the caller's environment does not leak in"
rc=0; uc exec alice -- sh -c 'exit 7' || rc=$?
assert_eq "$rc" 7 "the command's exit status comes back"
assert_eq "$(echo from-stdin | uc exec alice -- cat)" "from-stdin" "stdin passed through"
expect_exit 127 uc exec alice -- no-such-command
# another user's process is invisible
nsenter --mount="$ns/alice.1" -S 1002 -G 1002 sleep 300 & bobp=$!
on_cleanup "kill -9 $bobp"
sleep 0.3
expect_exit 0 uc exec alice -- ls /proc
grep -qx "$bobp" "$T/out" && fail "alice sees bob's process"
kill -9 "$bobp"; wait "$bobp" 2>/dev/null || true
# the command runs in alice's pid namespace (the front forks once and waits)
pidns=$(stat -L -c %i "$ns/alice.pid")
assert_eq "$(uc exec alice -- sh -c 'stat -L -c %i /proc/self/ns/pid')" "$pidns" "exec: in alice's pid namespace"
[ "$(stat -L -c %i /proc/self/ns/pid)" != "$pidns" ] || fail "the test runs in alice's pid namespace?"
# signals sent to the front reach the command; a signal's death is passed on
rc=0; timeout -s TERM 0.5 "$UC" exec alice -- sleep 30 || rc=$?
assert_eq "$rc" 124 "SIGTERM to the front stops the command (timeout's 124)"
rc=0; (trap '' CHLD; exec "$UC" exec alice -- sh -c 'exit 9') || rc=$?
assert_eq "$rc" 9 "a caller that ignores SIGCHLD still gets the status"
rc=0; "$UC" exec alice -- sh -c 'kill -KILL $$' || rc=$?
assert_eq "$rc" 137 "a command killed by a signal: the front dies of it too"

# --- enter: root, capabilities cut -----------------------------------------
expect_exit 0 uc enter alice -- sh -c 'id -u; grep -E "^(CapBnd|CapEff)" /proc/self/status; echo "$PS1"; pwd'
assert_grep "^0$" "$T/out" "enter is root"
bnd=$(awk '/^CapBnd/ {print $2}' "$T/out")
for cap in 9 21 16 17 22 27 19 25; do   # LINUX_IMMUTABLE SYS_ADMIN SYS_MODULE SYS_RAWIO SYS_BOOT MKNOD SYS_PTRACE SYS_TIME
    (( (0x$bnd >> cap) & 1 )) && fail "capability $cap still in the bounding set ($bnd)"
done
eff=$(awk '/^CapEff/ {print $2}' "$T/out")
(( (0x$eff >> 21) & 1 )) && fail "CAP_SYS_ADMIN effective in enter"
assert_grep "cage alice" "$T/out" "the prompt names the cage"
assert_grep "^/home/alice$" "$T/out" "enter: cwd is the home"
expect_exit 1 uc enter alice -- chattr +i /usr/bin/uc-tool
expect_exit 1 uc enter alice -- chattr -i /usr/lib/uc-lib/libuc.so.1 /no/such 2>/dev/null
expect_exit 0 uc enter alice -- sh -c 'mount -t tmpfs none /tmp 2>&1; echo "rc=$?"'
assert_grep "rc=32" "$T/out" "mount fails in enter"
grep -qiE "permission denied|not permitted|must be superuser" "$T/out" || fail "mount refused for lack of CAP_SYS_ADMIN: $(cat "$T/out")"
# a root session is in the cage's pid namespace: it sees alice's processes
# and nothing else (not bob's root session, not the host)
"$UC" enter bob -- sleep 300 & bobenter=$!
on_cleanup "kill -9 $bobenter"
"$UC" exec alice -- sh -c 'echo $$ > /tmp/apid; exec sleep 301' & aliceexec=$!
on_cleanup "kill -9 $aliceexec"
for _ in $(seq 50); do [ -s "$h/home/alice/.unicage/tmp/apid" ] && break; sleep 0.1; done
expect_exit 0 uc enter alice -- sh -c 'stat -L -c %i /proc/self/ns/pid; ls /proc'
assert_eq "$(head -1 "$T/out")" "$pidns" "enter: in alice's pid namespace"
grep -qx "$(cat "$h/home/alice/.unicage/tmp/apid")" "$T/out" || fail "alice's root session does not see her process"
for p in $(pgrep -f 'sleep 30[01]'); do
    if grep -qx "$p" "$T/out"; then fail "alice's root session sees a host pid ($p)"; fi
done
expect_exit 0 uc enter bob -- sh -c 'for p in /proc/[0-9]*; do cat $p/cmdline; echo; done'
grep -q 'sleep.301' "$T/out" && fail "bob's root session sees alice's process"
kill "$bobenter" "$aliceexec" 2>/dev/null; wait "$bobenter" "$aliceexec" 2>/dev/null || true
# the shell itself
echo 'id -un; echo "in $UNICAGE_CAGE"' | "$UC" enter alice > "$T/out" 2>&1 || fail "enter's shell"
assert_grep "^root$" "$T/out" "enter's shell runs as root"
assert_grep "^in alice$" "$T/out" "enter's shell knows its cage"
# enter_drop_caps adjusts the list
echo "enter_drop_caps = CAP_SYS_ADMIN, cap_sys_time" >> "$UNICAGE_CONFIG"
expect_exit 0 uc enter alice -- grep ^CapBnd /proc/self/status
bnd=$(awk '{print $2}' "$T/out")
(( (0x$bnd >> 21) & 1 )) && fail "enter_drop_caps: CAP_SYS_ADMIN kept"
(( (0x$bnd >> 9) & 1 )) || fail "enter_drop_caps: CAP_LINUX_IMMUTABLE dropped though not listed"
sed -i '/enter_drop_caps/d' "$UNICAGE_CONFIG"
echo "enter_drop_caps = CAP_NO_SUCH" >> "$UNICAGE_CONFIG"
expect_exit 3 uc enter alice -- true
sed -i '/enter_drop_caps/d' "$UNICAGE_CONFIG"

# --- who may ---------------------------------------------------------------
expect_exit 4 uc exec nosuchuser -- id
expect_exit 4 uc enter nosuchuser
expect_exit 0 uc disable bob
expect_exit 2 uc exec bob -- id
assert_grep "not caged" "$T/err" "a disabled user is refused"
expect_exit 0 uc exec bob --allow-uncaged -- id -u
assert_eq "$(cat "$T/out")" "1002" "--allow-uncaged runs as the user on the host"
expect_exit 2 uc enter bob
# a cage that cannot be built: nothing runs
expect_exit 0 uc enable bob
mv "$h/home/bob" "$h/home/bob.away"
rm -f "$T/ran"
rc=0; uc exec bob -- sh -c "touch $T/ran" 2> "$T/err" || rc=$?
[ "$rc" != 0 ] || fail "exec succeeded without a cage"
[ ! -e "$T/ran" ] || fail "the command ran although the cage could not be built"
mv "$h/home/bob.away" "$h/home/bob"
# a corrupt generation: nothing runs either
chattr -i "$T/fs/state/store/objects" 2>/dev/null || true
gen=$(readlink "$T/fs/state/skel/current")
mv "$T/fs/state/skel/$gen/stubs" "$T/fs/state/skel/$gen/stubs.away"
rc=0; uc exec bob -- sh -c "touch $T/ran" 2> "$T/err" || rc=$?
[ "$rc" != 0 ] || fail "exec succeeded over a corrupt generation"
[ ! -e "$T/ran" ] || fail "the command ran over a corrupt generation"
mv "$T/fs/state/skel/$gen/stubs.away" "$T/fs/state/skel/$gen/stubs"
expect_exit 0 uc exec bob -- id -un
expect_exit 3 uc exec alice
expect_exit 0 uc umount-all
echo ok
