#!/usr/bin/env bash
# enter and exec: root in a cage with only the enter_caps capabilities
# (cannot chattr, cannot mount), the seccomp filter (no setuid file, no file
# handle, no sock_diag, no user namespace), HOME=/root, no rc file, on a
# relayed pty; exec as the user with no capability, nothing of the caller
# (descriptors, session keyring, terminal: TIOCSTI), the same filter,
# no_new_privs, the user's ids, other users' processes invisible, exit status
# and stdin passed through; unknown user 4, disabled user refused unless
# --allow-uncaged; a cage that cannot be built runs nothing. Both the small
# front (a current cage) and the full binary (a cage to mount first).
. "$(dirname "$0")/lib.sh"
cage_fixture
"$UNICAGE_SRC/scripts/make-cage-host.sh" "$h" chattr mount grep chown stty >/dev/null
cc -static -O2 -o "$T/probe-host" "$UNICAGE_SRC/tests/integration/enter-probe.c"
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
expect_exit 0 uc enter alice -- sh -c 'id -u; grep -E "^(CapBnd|CapEff|CapPrm|CapInh|CapAmb)" /proc/self/status; echo "$PS1"; pwd; echo "home=$HOME inputrc=$INPUTRC histfile=[$HISTFILE]"'
assert_grep "^0$" "$T/out" "enter is root"
# the default enter_caps: CHOWN DAC_OVERRIDE FOWNER KILL SETGID SETUID
for set in CapBnd CapEff CapPrm; do
    assert_grep "^$set:	00000000000000eb$" "$T/out" "enter: $set is the enter_caps allowlist"
done
assert_grep "^CapInh:	0000000000000000$" "$T/out" "enter: no inheritable capability"
assert_grep "^CapAmb:	0000000000000000$" "$T/out" "enter: no ambient capability"
assert_grep "cage alice" "$T/out" "the prompt names the cage"
grep -qxE "/|/root" "$T/out" || fail "enter: cwd is not / or /root: $(cat "$T/out")"
assert_grep "^home=/root inputrc=/dev/null histfile=\[\]$" "$T/out" "enter reads no file of the user"
BASH_ENV=/home/alice/evil ENV=/home/alice/evil PROMPT_COMMAND='touch /tmp/pwned' LD_PRELOAD=/home/alice/x.so \
    expect_exit 0 uc enter alice -- sh -c 'echo "[${BASH_ENV:-}][${ENV:-}][${PROMPT_COMMAND:-}][${LD_PRELOAD:-}]"'
assert_eq "$(cat "$T/out")" "[][][][]" "enter: BASH_ENV, ENV, PROMPT_COMMAND, LD_PRELOAD of the caller are gone"
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
# enter_caps is the allowlist; enter_drop_caps is refused, naming file:line
echo "enter_caps = CAP_CHOWN, cap_fowner" >> "$UNICAGE_CONFIG"
expect_exit 0 uc enter alice -- grep ^CapBnd /proc/self/status
assert_eq "$(awk '{print $2}' "$T/out")" "0000000000000009" "enter_caps: the bounding set is the list"
expect_exit 1 uc enter alice -- chown 1002 /home/alice/.unicage
sed -i '/enter_caps/d' "$UNICAGE_CONFIG"
echo "enter_caps = CAP_NO_SUCH" >> "$UNICAGE_CONFIG"
expect_exit 3 uc enter alice -- true
sed -i '/enter_caps/d' "$UNICAGE_CONFIG"
echo "enter_drop_caps = CAP_SYS_ADMIN" >> "$UNICAGE_CONFIG"
line=$(grep -n enter_drop_caps "$UNICAGE_CONFIG" | cut -d: -f1)
expect_exit 3 uc enter alice -- true
assert_grep "unicage.conf:$line: enter_drop_caps is gone: enter_caps replaces it" "$T/err" "enter_drop_caps refused with file:line"
expect_exit 3 uc exec alice -- true
sed -i '/enter_drop_caps/d' "$UNICAGE_CONFIG"

# --- containment: seccomp, Landlock, nothing of the caller ---------------------
cc -static -O2 -o "$h/home/alice/probe" "$UNICAGE_SRC/tests/integration/enter-probe.c"
chmod 0755 "$h/home/alice/probe"
probe=/home/alice/probe
: > "$h/home/alice/f"; chown 1001:1001 "$h/home/alice/f" "$h/home/alice/probe"
for who in "exec alice" "enter alice"; do
    expect_exit 0 uc $who -- $probe handle
    assert_grep "^open_by_handle_at: EPERM$" "$T/out" "$who: file handles refused"
    expect_exit 0 uc $who -- $probe sockdiag
    assert_grep "^sock_diag: EACCES$" "$T/out" "$who: sock_diag refused"
    expect_exit 0 uc $who -- $probe userns
    assert_grep "^unshare(CLONE_NEWUSER): EPERM$" "$T/out" "$who: user namespaces refused"
done
echo "cage_user_namespaces = yes" >> "$UNICAGE_CONFIG"
expect_exit 0 uc exec alice -- $probe userns
assert_grep "^unshare(CLONE_NEWUSER): ok$" "$T/out" "cage_user_namespaces = yes allows them"
sed -i '/cage_user_namespaces/d' "$UNICAGE_CONFIG"
# root makes no file that is setuid/setgid on the host; a plain mode is fine
expect_exit 1 uc enter alice -- chmod 4755 /home/alice/f
expect_exit 1 uc enter alice -- chmod g+s /home/alice/f
assert_eq "$(stat -c %a "$h/home/alice/f")" "644" "no setuid/setgid bit from the repair shell"
expect_exit 0 uc enter alice -- chmod 0750 /home/alice/f
assert_eq "$(stat -c %a "$h/home/alice/f")" "750" "chmod without setuid works in enter"
expect_exit 0 uc exec alice -- chmod 0644 /home/alice/f
# exec: no descriptor of the caller beyond 0-2 unless --preserve-fds
expect_exit 0 uc exec alice -- $probe fds 5</etc/hostname 7</etc/hostname
assert_eq "$(cat "$T/out")" "0 1 2 " "exec passes no descriptor beyond 0-2"
echo preserved > "$T/pfile"
expect_exit 0 uc exec alice --preserve-fds 3 -- sh -c "$probe fds; cat <&5" 3</dev/null 4</dev/null 5<"$T/pfile" 6</dev/null
assert_eq "$(cat "$T/out")" "0 1 2 3 4 5 
preserved" "--preserve-fds 3 passes 3, 4 and 5 only"
expect_exit 3 uc exec alice --preserve-fds 3 -- true 3</dev/null
assert_grep "descriptor 4 is not open" "$T/err" "--preserve-fds of a closed descriptor is refused"
expect_exit 3 uc exec alice --preserve-fds x -- true
# exec: a session of its own, also when unicage leads its process group
# (setsid is refused there: unicage forks and waits)
expect_exit 0 uc exec alice -- $probe session
assert_eq "$(cat "$T/out")" "session leader: yes, terminal: no" "exec: a new session"
expect_exit 0 setsid -w "$UC" exec alice -- $probe session
assert_eq "$(cat "$T/out")" "session leader: yes, terminal: no" "exec from a group leader: a new session"
rc=0; setsid -w "$UC" exec alice -- sh -c 'exit 5' || rc=$?
assert_eq "$rc" 5 "exec from a group leader: the exit status comes back"
# the front stays in the caller's process group (only the command starts a
# session): a signal to the caller's job (the terminal's Ctrl-C) reaches
# the front, which passes it on. The job: a shell whose child is unicage,
# as in `unicage exec ... | cat` at a prompt (env: a background job of a
# script starts with SIGINT ignored, an interactive shell's does not)
setsid env --default-signal=INT bash -c "'$UC' exec alice -- sleep 30 < /dev/null > /dev/null" &
jobp=$!
on_cleanup "kill -9 -$jobp 2>/dev/null"
for _ in $(seq 50); do pgrep -U 1001 -x sleep > /dev/null && break; sleep 0.1; done
pgrep -U 1001 -x sleep > /dev/null || fail "the job's command did not start"
front=$(pgrep -P "$jobp" -f "exec alice")
[ "$(ps -o pgid= -p "$front" | tr -d ' ')" = "$jobp" ] || fail "the front left the caller's process group"
t0=$SECONDS
kill -INT -- "-$jobp"
rc=0; wait "$jobp" || rc=$?
assert_eq "$rc" 130 "SIGINT to the caller's job: the command ends, the status comes back"
[ $((SECONDS - t0)) -lt 10 ] || fail "SIGINT to the caller's job did not reach the command"
# exec: a new session keyring (the caller's key is not the command's)
"$T/probe-host" addkey "$T/probe-host" findkey > "$T/o2"
assert_eq "$(cat "$T/o2")" "key: ok" "control: the key is in the caller's session keyring"
"$T/probe-host" addkey "$UC" exec alice -- $probe findkey > "$T/o2"
assert_eq "$(cat "$T/o2")" "key: ENOKEY" "exec: the caller's session keyring is not the command's"
"$T/probe-host" addkey "$UC" enter alice -- $probe findkey > "$T/o2"
assert_eq "$(cat "$T/o2")" "key: EPERM" "enter: no keyctl for root in a cage"
# exec: no shared terminal: on a terminal, the command gets a relayed pty of
# its own (--pty or not, exec or enter -- CMD): TIOCSTI works there and stays
# in it (script(1) is the caller's terminal; `read` would get what reached it)
cat > "$T/tty.sh" <<SH
"$T/probe-host" tiocsti > /dev/null
read -r -t 1 c || true
echo "control=[\${c:-}]"
"$UC" exec alice -- $probe tiocsti
"$UC" exec alice --pty -- $probe tiocsti
"$UC" enter alice -- $probe tiocsti
read -r -t 1 x || true
echo "got=[\${x:-}]"
SH
on_terminal "bash $T/tty.sh" > "$T/o2" 2>&1 || true
tr -d '\r\000' < "$T/o2" | sed 's/\^@//g' > "$T/o3" # script(1) sends its EOF as a NUL (^@ when echoed)
[ "$(grep -c '^TIOCSTI: ok$' "$T/o3")" = 3 ] || { cat "$T/o3"; fail "exec, exec --pty, enter -- CMD on a terminal: not each on a pty of its own"; }
assert_grep "^control=\[echo INJECTED\]$" "$T/o3" "control: TIOCSTI from the caller's own session reaches its terminal"
assert_grep "^got=\[\]$" "$T/o3" "nothing reached the caller's terminal"
grep -q "^INJECTED" "$T/o3" && fail "an injected command ran"
# only the fds that are a terminal get the pty: a pipe stays a pipe (both ways)
cat > "$T/tty3.sh" <<SH
"$UC" exec alice -- sh -c 'echo "piped-out"; [ -t 0 ] && echo "stdin-tty" >&2; [ -t 1 ] || echo "stdout-pipe" >&2' | sed 's/^/through-pipe: /'
echo "piped-in" | "$UC" exec alice -- sh -c 'cat; [ -t 0 ] || echo "stdin-pipe"; [ -t 1 ] && echo "stdout-tty"'
SH
on_terminal "bash $T/tty3.sh" > "$T/o2" 2>&1 || true
tr -d '\r' < "$T/o2" > "$T/o3"
assert_grep "^through-pipe: piped-out$" "$T/o3" "exec on a terminal, stdout a pipe: the output goes through the pipe"
assert_grep "^stdin-tty$" "$T/o3" "... stdin and stderr on the relayed pty"
assert_grep "^stdout-pipe$" "$T/o3" "... stdout left a pipe"
assert_grep "^piped-in$" "$T/o3" "stdin a pipe: the command reads it"
assert_grep "^stdin-pipe$" "$T/o3" "... stdin left a pipe"
assert_grep "^stdout-tty$" "$T/o3" "... stdout on the relayed pty"
# enter's interactive shell runs on a new pty relayed by unicage
printf 'echo "in=$UNICAGE_CAGE"; %s tiocsti; exit 3\n' $probe > "$T/in"
rc=0; script -qec "$UC enter alice" /dev/null < "$T/in" > "$T/o2" 2>&1 || rc=$?
tr -d '\r\000' < "$T/o2" | sed 's/\^@//g' > "$T/o3" # script(1) sends its EOF as a NUL (^@ when echoed)
assert_eq "$rc" 3 "enter's exit status comes back through the pty relay"
assert_grep "in=alice" "$T/o3" "enter's shell on a pty"
assert_grep "TIOCSTI: ok" "$T/o3" "the repair shell has a terminal of its own"
# the pty has the caller's window size; the caller's terminal modes are
# restored when the session ends
cat > "$T/tty2.sh" <<SH
stty rows 33 cols 101
stty -g > "$T/before"
"$UC" enter alice < /dev/tty & p=\$!
while [ ! -e "$h/home/alice/up" ]; do sleep 0.05; done
stty rows 40 cols 90
kill -WINCH \$p
touch "$h/home/alice/resized"
wait \$p
echo "rc=\$?"
stty -g > "$T/after"
rm -f "$h/home/alice/up"
"$UC" enter alice --pty -- sh -c 'touch /home/alice/up; sleep 30' < /dev/tty & p=\$!
while [ ! -e "$h/home/alice/up" ]; do sleep 0.05; done
kill -TERM \$p
wait \$p || echo "killed=\$?"
stty -g > "$T/after2"
SH
printf 'stty size; touch /home/alice/up; while [ ! -e /home/alice/resized ]; do sleep 0.05; done; stty size; exit 4\n' > "$T/in"
script -qec "bash $T/tty2.sh" /dev/null < "$T/in" > "$T/o2" 2>&1 || true
tr -d '\r\000' < "$T/o2" | sed 's/\^@//g' > "$T/o3" # script(1) sends its EOF as a NUL (^@ when echoed)
rm -f "$h/home/alice/up" "$h/home/alice/resized"
assert_grep "33 101$" "$T/o3" "the pty gets the caller's window size"
assert_grep "^40 90$" "$T/o3" "a window size change reaches the pty (SIGWINCH)"
assert_grep "^rc=4$" "$T/o3" "the exit status through the relay"
assert_eq "$(cat "$T/after")" "$(cat "$T/before")" "the caller's terminal modes are restored"
assert_grep "^killed=143$" "$T/o3" "SIGTERM to unicage ends the session (128+15)"
assert_eq "$(cat "$T/after2")" "$(cat "$T/before")" "the caller's terminal modes are restored after a SIGTERM"
# Landlock scoping: an abstract socket made outside the cage is unreachable
"$UC" check > "$T/check" 2>&1 || true
grep -qE "landlock scoping: (yes \(ABI [0-9]+\)|no: )" "$T/check" || { cat "$T/check"; fail "check shows no landlock scoping line"; }
if grep -q "landlock scoping: yes" "$T/check"; then
    "$T/probe-host" listen "t-enter-$$" & lp=$!
    on_cleanup "kill -9 $lp"
    sleep 0.2
    expect_exit 0 "$T/probe-host" connect "t-enter-$$"
    assert_grep "^connect: ok$" "$T/out" "control: the host reaches its abstract socket"
    for who in "exec alice" "enter alice"; do
        expect_exit 0 uc $who -- $probe connect "t-enter-$$"
        assert_grep "^connect: EPERM$" "$T/out" "$who: an abstract socket of the host is unreachable"
    done
    kill -9 "$lp"; wait "$lp" 2>/dev/null || true
fi

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
expect_exit 3 uc exec alice --  # nothing after --: refused (no CMD at all is the login shell: t-exec-env)
expect_exit 0 uc umount-all
echo ok
