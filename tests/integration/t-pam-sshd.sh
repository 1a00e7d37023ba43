#!/usr/bin/env bash
# unshare: -n -i
# A real sshd (Debian's openssh-server) on 127.0.0.1 in the test's network
# namespace with its own config, host key and PAM stack pointing at the
# built pam_unicage.so (issue 14): alice logs in with a key from her own
# ~/.ssh/authorized_keys and lands in her cage: `ssh alice@127.0.0.1 'id;
# ls /home; exit 7'` exits 7 and sees her home only, no bob in /etc/passwd,
# only the cage's processes; the session has the walls of an entry
# (unshare -U fails, no_new_privs, seccomp, Landlock: no abstract socket
# of the host) and the module's line after the join reaches syslog; an interactive login through a pty (script):
# `tty` names it, job control (jobs, kill %1), a window size change
# reaches it (SIGWINCH to ssh, stty size); sftp put/get, scp and rsync over ssh; a skeleton update leaves a running
# session alone and the next login gets the new generation; bob (disabled)
# logs in uncaged; a caged user whose cage cannot be built is refused; bob
# caged sees nothing of alice's running session.
. "$(dirname "$0")/lib.sh"
. "$UNICAGE_SRC/pam/testlib.sh"
[ -x /usr/sbin/sshd ] && command -v ssh >/dev/null || skip "no openssh-server/client (scripts/install-deps.sh)"
cage_fixture
"$UNICAGE_SRC/scripts/make-cage-host.sh" "$h" ps tty grep stty unshare >/dev/null
cc -static -O2 -o "$T/probe" "$UNICAGE_SRC/tests/integration/enter-probe.c"
command -v rsync >/dev/null && "$UNICAGE_SRC/scripts/make-cage-host.sh" "$h" rsync >/dev/null
expect_exit 0 uc init
expect_exit 0 uc enable alice
ip link set lo up
pam_private_etc
pam_syslog_capture
on_cleanup 'echo "--- syslog:"; cat "$T/syslog"; echo "--- sshd:"; cat "$T/sshd.log"' >&2
pam_test_users
# the users' homes at the paths their passwd entries name (sshd reads
# ~/.ssh/authorized_keys there, before the session)
mount --bind "$h/home" /home
# sshd's privilege separation directory, in a /run of the test's own
mount -t tmpfs -o mode=0755 uc-run /run
mkdir -m 0755 /run/sshd

printf 'auth required pam_deny.so\naccount required pam_deny.so\nsession required pam_deny.so\n' > "$T/pam.d/other"
cat > "$T/pam.d/sshd" <<PAM
auth     required pam_deny.so
account  required pam_permit.so
session  optional pam_keyinit.so force revoke
session  required $PAMMOD config=$UNICAGE_CONFIG debug
PAM

mkdir -m 0700 "$T/ssh"
ssh-keygen -q -t ed25519 -N '' -f "$T/ssh/hostkey"
ssh-keygen -q -t ed25519 -N '' -f "$T/ssh/id"
for u in alice bob; do
    mkdir -m 0700 "$h/home/$u/.ssh"
    cp "$T/ssh/id.pub" "$h/home/$u/.ssh/authorized_keys"
    chown -R "$u:$u" "$h/home/$u/.ssh"
done
port=2222
cat > "$T/ssh/sshd_config" <<CONF
ListenAddress 127.0.0.1
Port $port
HostKey $T/ssh/hostkey
PidFile $T/ssh/sshd.pid
UsePAM yes
PermitRootLogin no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile .ssh/authorized_keys
StrictModes yes
PrintMotd no
Subsystem sftp internal-sftp
CONF
/usr/sbin/sshd -D -e -f "$T/ssh/sshd_config" 2> "$T/sshd.log" & sshd_pid=$!
on_cleanup "kill $sshd_pid"
for _ in $(seq 100); do [ -s "$T/ssh/sshd.pid" ] && break; sleep 0.05; done
[ -s "$T/ssh/sshd.pid" ] || fail "sshd did not start: $(cat "$T/sshd.log")"
sshopts=(-F /dev/null -i "$T/ssh/id" -p "$port" -o BatchMode=yes -o StrictHostKeyChecking=no
    -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR)

# --- a command, its exit status, the cage's view --------------------------------
rc=0
ssh "${sshopts[@]}" alice@127.0.0.1 'id -un; ls /home; cat /etc/passwd; ps -eo args; exit 7' \
    > "$T/out" 2> "$T/err" || rc=$?
assert_eq "$rc" 7 "ssh alice 'exit 7' (stderr: $(cat "$T/err"))"
assert_eq "$(sed -n 1p "$T/out")" alice "ssh: runs as alice"
assert_eq "$(sed -n 2p "$T/out")" alice "ssh: ls /home shows alice's home only"
assert_grep '^alice:' "$T/out" "ssh: alice in the cage's passwd"
grep -q '^bob:' "$T/out" && fail "ssh: bob in the cage's /etc/passwd"
grep -q 'python3\|sshd -D\|t-pam' "$T/out" && fail "ssh: ps shows the host's processes: $(cat "$T/out")"
wait_log "alice: session joins the cage" "the ssh session joined the cage"
# the module's own lines after the join reach the host's syslog (the cage
# has no /dev/log: they go through the connection made before the join)
wait_log "alice: session walls: no_new_privs, seccomp filter (user namespaces refused)" \
    "a line logged after the join"

# --- the walls of an entry (cage_user_namespaces = no, the default) -------------
cp "$T/probe" "$h/home/alice/probe"; chown alice:alice "$h/home/alice/probe"
ssh "${sshopts[@]}" alice@127.0.0.1 'unshare -U sh -c "exit 0" 2> /tmp/e; echo "userns=$? $(cat /tmp/e)";
    grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status; ./probe userns; ./probe sockdiag' > "$T/out" 2>&1 || true
assert_grep '^userns=1 unshare: .*Operation not permitted$' "$T/out" "ssh: unshare -U fails in the session"
assert_grep '^NoNewPrivs:	1$' "$T/out" "ssh: no_new_privs in the session"
assert_grep '^Seccomp:	2$' "$T/out" "ssh: the seccomp filter in the session"
assert_grep '^unshare(CLONE_NEWUSER): EPERM$' "$T/out" "ssh: the filter refuses CLONE_NEWUSER"
# (a user may open sock_diag on a plain host: `ss` does; the filter refuses it)
assert_grep '^sock_diag: EACCES$' "$T/out" "ssh: the filter refuses sock_diag (the host's sockets)"
if "$UC" check 2>&1 | grep -q "landlock scoping: yes"; then
    "$T/probe" listen "t-pam-sshd-$$" & lp=$!
    on_cleanup "kill -9 $lp"
    sleep 0.2
    expect_exit 0 "$T/probe" connect "t-pam-sshd-$$"
    assert_grep "^connect: ok$" "$T/out" "control: the host reaches its abstract socket"
    ssh "${sshopts[@]}" alice@127.0.0.1 "./probe connect t-pam-sshd-$$" > "$T/out" 2>&1 || true
    assert_grep "^connect: EPERM$" "$T/out" "ssh: an abstract socket of the host is unreachable (Landlock)"
    kill -9 "$lp"; wait "$lp" 2>/dev/null || true
else
    echo "note: no Landlock scoping in this kernel: the abstract socket wall not tried" >&2
fi

# --- an interactive login on a pty: tty, job control, a window size change -------
# script(1) is the terminal; ssh runs in the background of a shell on it
# (its stdin the terminal), so that the test can resize the terminal and
# send ssh the SIGWINCH a terminal emulator's resize sends
atmp=$h/home/alice/.unicage/tmp
rm -f "$atmp/up" "$atmp/resized"
cat > "$T/tty.sh" <<SH
stty rows 30 cols 100
ssh ${sshopts[*]} -tt alice@127.0.0.1 < /dev/tty & p=\$!
while [ ! -e "$atmp/up" ]; do sleep 0.05; done
stty rows 41 cols 123
kill -WINCH \$p
touch "$atmp/resized"
wait \$p
echo "rc=\$?"
SH
cat > "$T/in" <<'IN'
tty; stty size; echo "home=$(ls /home)"
sleep 100 &
echo "bg pid=$! pgid=$(ps -o pgid= -p $!) shell=$(ps -o pgid= -p $$)"
jobs
kill %1
wait
touch /tmp/up; while [ ! -e /tmp/resized ]; do sleep 0.05; done; sleep 0.3; stty size; exit 3
IN
script -qefc "bash $T/tty.sh" "$T/typescript" < "$T/in" > "$T/script.out" 2>&1 || true
[ -e "$T/typescript" ] || fail "script: $(cat "$T/script.out")"
tr -d '\r\000' < "$T/typescript" | sed 's/\^@//g' > "$T/out"
assert_grep '^rc=3$' "$T/out" "interactive: the shell's exit status"
grep -Eq '(^|\$ )/dev/pts/[0-9]+$' "$T/out" || fail "interactive: tty names no pty: $(cat "$T/out")"
assert_grep '^home=alice$' "$T/out" "interactive: ls /home in the cage"
grep -Eq '(^|\$ )30 100$' "$T/out" || fail "interactive: the session's pty has not the client's window size"
grep -Eq '(^|\$ )41 123$' "$T/out" ||
    fail "interactive: a window size change does not reach the session (SIGWINCH, window-change)"
grep -Eq '(^|\$ )\[1\] *\+? *Running +sleep 100' "$T/out" || fail "job control: jobs shows no running job"
grep -Eq '(^|\$ )\[1\] *\+? *Terminated +sleep 100' "$T/out" || fail "job control: kill %1 did not end the job"
# a job of its own: the background job leads its own process group
line=$(grep -o 'bg pid=[0-9]* pgid= *[0-9]* shell= *[0-9]*$' "$T/out" | tail -n 1 | tr -s ' ' || true)
pid=$(echo "$line" | sed -n 's/^bg pid=\([0-9]*\) pgid= *\([0-9]*\) shell= *\([0-9]*\)$/\1/p')
pgid=$(echo "$line" | sed -n 's/^bg pid=\([0-9]*\) pgid= *\([0-9]*\) shell= *\([0-9]*\)$/\2/p')
shpg=$(echo "$line" | sed -n 's/^bg pid=\([0-9]*\) pgid= *\([0-9]*\) shell= *\([0-9]*\)$/\3/p')
[ -n "$pid" ] && [ "$pid" = "$pgid" ] && [ "$pgid" != "$shpg" ] ||
    fail "job control: the background job is not a process group of its own: '$line'"

# --- sftp and scp (internal-sftp, in the session's process: the cage) ---------------
echo "from the host" > "$T/put.txt"
printf 'put %s up.txt\nget up.txt %s\nls /home\n' "$T/put.txt" "$T/got.txt" > "$T/batch"
expect_exit 0 sftp -q -F /dev/null -i "$T/ssh/id" -P "$port" -o BatchMode=yes \
    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -b "$T/batch" alice@127.0.0.1
assert_eq "$(cat "$h/home/alice/up.txt")" "from the host" "sftp put lands in alice's home"
assert_eq "$(cat "$T/got.txt")" "from the host" "sftp get"
grep -q bob "$T/out" && fail "sftp ls /home shows bob's home"
expect_exit 0 scp -q -F /dev/null -i "$T/ssh/id" -P "$port" -o BatchMode=yes \
    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "$T/put.txt" alice@127.0.0.1:scp.txt
assert_eq "$(cat "$h/home/alice/scp.txt")" "from the host" "scp"
if command -v rsync >/dev/null; then
    mkdir -p "$T/tree/sub"; echo one > "$T/tree/a"; echo two > "$T/tree/sub/b"
    expect_exit 0 rsync -a -e "ssh ${sshopts[*]}" "$T/tree/" alice@127.0.0.1:tree/
    assert_eq "$(cat "$h/home/alice/tree/a" "$h/home/alice/tree/sub/b")" "one
two" "rsync over ssh into alice's home"
    expect_exit 0 rsync -a -e "ssh ${sshopts[*]}" alice@127.0.0.1:/etc/passwd "$T/cage-passwd"
    grep -q '^bob:' "$T/cage-passwd" && fail "rsync from the cage reads the host's /etc/passwd"
    assert_grep '^alice:' "$T/cage-passwd" "rsync from the cage's /etc"
else
    echo "note: no rsync here: rsync over ssh not tried" >&2
fi

# --- a skeleton update: alice's running session goes on in its slot, a new
# login gets the new generation (the slots rule holds for PAM entries)
ssh "${sshopts[@]}" alice@127.0.0.1 'echo $$ > /tmp/running; exec sleep 120' > /dev/null 2>&1 & long=$!
on_cleanup "kill $long"
for _ in $(seq 100); do [ -s "$atmp/running" ] && break; sleep 0.05; done
[ -s "$atmp/running" ] || fail "alice's long session did not start"
echo new > "$h/usr/bin/uc-new-file"
expect_exit 0 uc update
expect_exit 0 ssh "${sshopts[@]}" alice@127.0.0.1 "cat /usr/bin/uc-new-file; kill -0 $(cat "$atmp/running") && echo alive"
assert_eq "$(cat "$T/out")" "new
alive" "a login after the update: the new generation, the running session seen alive"
wait_log "alice: session joins the cage (slot 2, generation gen-000002)" "the new login's new slot"
kill -0 "$long" || fail "alice's running session ended with the update"

# --- bob (disabled) logs in uncaged; a caged user whose cage cannot be built is refused
expect_exit 0 ssh "${sshopts[@]}" bob@127.0.0.1 'cat /proc/1/comm; grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status; id -un'
assert_eq "$(tail -n 1 "$T/out")" bob "bob logs in"
[ "$(head -n 1 "$T/out")" != unicage-init ] || fail "bob (disabled) landed in a cage"
assert_grep '^NoNewPrivs:	0$' "$T/out" "an uncaged session gets no walls (PAM_IGNORE changes nothing)"
assert_grep '^Seccomp:	0$' "$T/out" "an uncaged session gets no seccomp filter"
expect_exit 0 uc enable bob
# his cage cannot be built: the generation's stubs are gone (sshd still
# authenticates him: his home and key are there)
gen=$(readlink "$T/fs/state/skel/current")
chattr -i "$T/fs/state/skel/$gen" 2>/dev/null || true
mv "$T/fs/state/skel/$gen/stubs" "$T/fs/state/skel/$gen/stubs.away"
rc=0; ssh "${sshopts[@]}" bob@127.0.0.1 "touch /tmp/ran" > "$T/out" 2> "$T/err" || rc=$?
[ "$rc" != 0 ] || fail "bob logged in although his cage cannot be built"
[ ! -e "$h/tmp/ran" ] && [ ! -e /tmp/ran ] || fail "bob's command ran without a cage"
wait_log "bob: session refused" "the broken cage's login is refused"
mv "$T/fs/state/skel/$gen/stubs.away" "$T/fs/state/skel/$gen/stubs"
# bob caged while alice's session runs: nothing of hers
expect_exit 0 ssh "${sshopts[@]}" bob@127.0.0.1 'ls /home; ps -eo args'
assert_eq "$(head -n 1 "$T/out")" bob "bob's repaired cage: his home only"
grep -q 'sleep 120' "$T/out" && fail "bob sees alice's running session"
assert_grep 'ps -eo args' "$T/out" "bob's ps sees his own process"
kill "$sshd_pid"; wait "$sshd_pid" 2>/dev/null || true
expect_exit 0 uc umount-all
echo "t-pam-sshd: ok"
