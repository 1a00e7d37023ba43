#!/usr/bin/env bash
# unshare: -n -i
# A real sshd (Debian's openssh-server) on 127.0.0.1 in the test's network
# namespace with its own config, host key and PAM stack pointing at the
# built pam_unicage.so (issue 14): alice logs in with a key from her own
# ~/.ssh/authorized_keys and lands in her cage: `ssh alice@127.0.0.1 'id;
# ls /home; exit 7'` exits 7 and sees her home only, no bob in /etc/passwd,
# only the cage's processes; an interactive login through a pty (script):
# `tty` names it; sftp put/get, scp and rsync over ssh; a skeleton update leaves a running
# session alone and the next login gets the new generation; bob (disabled)
# logs in uncaged; a caged user whose cage cannot be built is refused; bob
# caged sees nothing of alice's running session.
. "$(dirname "$0")/lib.sh"
. "$UNICAGE_SRC/pam/testlib.sh"
[ -x /usr/sbin/sshd ] && command -v ssh >/dev/null || skip "no openssh-server/client (scripts/install-deps.sh)"
cage_fixture
"$UNICAGE_SRC/scripts/make-cage-host.sh" "$h" ps tty grep stty >/dev/null
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

# --- an interactive login on a pty ------------------------------------------------
rc=0
printf 'tty; stty size; echo "home=$(ls /home)"; exit 3\n' |
    script -qefc "ssh ${sshopts[*]} -tt alice@127.0.0.1" "$T/typescript" > "$T/script.out" 2>&1 || rc=$?
[ -e "$T/typescript" ] || fail "script: $(cat "$T/script.out")"
tr -d '\r' < "$T/typescript" > "$T/out"
assert_eq "$rc" 3 "interactive: the shell's exit status"
grep -Eq '(^|\$ )/dev/pts/[0-9]+$' "$T/out" || fail "interactive: tty names no pty: $(cat "$T/out")"
assert_grep '^home=alice$' "$T/out" "interactive: ls /home in the cage"
assert_grep '^[0-9][0-9]* [0-9][0-9]*$' "$T/out" "interactive: stty size on the session's pty"

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
atmp=$h/home/alice/.unicage/tmp
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
expect_exit 0 ssh "${sshopts[@]}" bob@127.0.0.1 'cat /proc/1/comm; id -un'
assert_eq "$(tail -n 1 "$T/out")" bob "bob logs in"
[ "$(head -n 1 "$T/out")" != unicage-init ] || fail "bob (disabled) landed in a cage"
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
