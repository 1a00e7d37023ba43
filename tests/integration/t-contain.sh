#!/usr/bin/env bash
# unshare: -n -i
# Containment (issue 13, doc/security.md): the adversarial probe suite. A
# static helper (probe.c) tries each attack class of the issue from inside a
# cage, as alice (unicage exec) and as root in her repair shell (unicage
# enter), in both cage modes; the scene (a host daemon, bob's processes,
# sockets and IPC objects in his cage and on the host, keys in the caller's
# keyrings, a descriptor on a host directory) is set up by the test outside
# alice's cage. Every probe prints what it tried and what the kernel said,
# asserts the attack failed, and does not stop the others: a table of
# PASS/FAIL per class and mode ends the run, exit 1 if any failed.
# Runs in a network and IPC namespace of its own (the header above, run.sh).
. "$(dirname "$0")/lib.sh"

# Never near the host's network or IPC: only in namespaces of the test's own.
[ "$(readlink /proc/self/ns/net)" != "$(readlink /proc/1/ns/net)" ] &&
    [ "$(readlink /proc/self/ns/ipc)" != "$(readlink /proc/1/ns/ipc)" ] ||
    skip "not in a network and IPC namespace of its own (run it through run.sh: '# unshare: -n -i')"
command -v cc >/dev/null || skip "no C compiler for the probe helper"
command -v script >/dev/null || skip "no script(1) for the terminal probes"
ip link set lo up

cage_fixture
"$UNICAGE_SRC/scripts/make-cage-host.sh" "$h" bash ps ip free >/dev/null
# root's shell in the cages is bash: readline and history are what is probed
sed -i 's|^root:x:0:0:root:/root:/bin/sh$|root:x:0:0:root:/root:/bin/bash|' "$T/passwd" "$h/etc/passwd"
mkdir -p "$h/root"
chmod 0700 "$h/root"
cat > "$T/etc/conf.d/root.cfg" <<'CFG'
[root]
comment=the repair shell's HOME (/root), in the skeleton
paths=/root
CFG
cc -static -O2 -o "$T/probe" "$UNICAGE_SRC"/tests/integration/probe{,-root}.c ||
    fail "the probe helper does not build"
install -m 0755 "$T/probe" "$h/usr/bin/uc-probe" # in the skeleton: root's, both modes
P=/usr/bin/uc-probe   # in the cages
HP=$h/usr/bin/uc-probe # on the host, for the scene's processes of bob and alice
chmod 0711 "$T"        # so that they can reach it
echo "bob's secret" > "$h/home/bob/secret"
chown 1002:1002 "$h/home/bob/secret"
chmod 0600 "$h/home/bob/secret"
mkdir -p "$T/hostdir" && echo "the panel's secret" > "$T/hostdir/secret"

expect_exit 0 uc init
expect_exit 0 uc enable alice bob

as() { # UID CMD...: on the host as that uid (no cage)
    local id=$1; shift
    setpriv --reuid="$id" --regid="$id" --clear-groups "$@"
}
bg_as() { # UID CMD... &: the same, and $! is the process itself
    local id=$1; shift
    exec setpriv --reuid="$id" --regid="$id" --clear-groups "$@"
}
pids=()
on_cleanup 'kill -9 "${pids[@]}"'
on_cleanup "$UC umount-all --kill >/dev/null 2>&1"
wait_for() { # CMD...: up to 5 s
    local _
    for _ in $(seq 50); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
    return 1
}
listening() { grep -q "@$1\$" /proc/net/unix; }

# --- the host's side of the scene (once) --------------------------------------
"$T/probe" listen uc-host-daemon 8081 > /dev/null & pids+=($!)
bg_as 1001 "$HP" listen uc-alice-host > /dev/null & pids+=($!)
bg_as 1002 "$HP" listen uc-bob-host 8083 > /dev/null & pids+=($!)
sleep 3010 & pids+=($!); root_sleep=$!
bg_as 1001 sleep 3011 & pids+=($!); alice_host=$!
bg_as 1002 sleep 3012 & pids+=($!); bob_host=$!
"$T/probe" mkipc 0x7563001 /uc-host-mq >"$T/p.out" || { cat "$T/p.out"; false; } || fail "IPC objects of the host"
as 1002 "$HP" mkipc 0x7563002 /uc-bobhost-mq >"$T/p.out" || { cat "$T/p.out"; false; } || fail "IPC objects of bob on the host"
wait_for listening uc-host-daemon && wait_for listening uc-alice-host &&
    wait_for listening uc-bob-host || fail "the host's listeners"
linktype=
for lt in dummy bridge veth; do
    args=(type "$lt"); [ "$lt" = veth ] && args+=(peer name ucprobe1)
    if ip link add ucprobe0 "${args[@]}" 2>/dev/null; then
        ip link del ucprobe0; linktype=$lt; break
    fi
done

# --- results ------------------------------------------------------------------
declare -A RESULT
CLASSES=()
MODE=
result() { # CLASS PASS|FAIL WHY
    local key="$MODE|$1"
    [[ " ${CLASSES[*]} " == *" $1 "* ]] || CLASSES+=("$1")
    # a class probed more than once fails if any run failed
    [ "${RESULT[$key]:-PASS}" = FAIL ] || RESULT[$key]=$2
    echo "=> $MODE $1: $2 ($3)"
}
# probe CLASS CMD...: run CMD (a probe in the cage), judge it by its exit code
probe() {
    local cls=$1 rc=0; shift
    echo "--- $MODE $cls: $*"
    if [ "$(type -t "$1")" = function ]; then
        "$@" > "$T/p.out" 2>&1 < /dev/null || rc=$?
    else
        timeout 20 "$@" > "$T/p.out" 2>&1 < /dev/null || rc=$?
    fi
    sed 's/^/    /' "$T/p.out"
    # a PASS needs the probe's own word for it, not just an exit status
    [ "$rc" = 0 ] && ! grep -q '^RESULT [^ ]* contained: ' "$T/p.out" && rc=no-result
    case $rc in
    0) result "$cls" PASS "$(sed -n 's/^RESULT [^ ]* contained: //p' "$T/p.out" | tail -n 1)" ;;
    10) result "$cls" FAIL "$(sed -n 's/^RESULT [^ ]* ESCAPED: //p' "$T/p.out" | tail -n 1)" ;;
    11) result "$cls" FAIL "broken: $(sed -n 's/^RESULT [^ ]* BROKEN: //p' "$T/p.out" | tail -n 1)" ;;
    *) result "$cls" FAIL "the probe could not run: exit $rc" ;;
    esac
}
verdict() { # CLASS COND-OK WHY-OK WHY-BAD
    if [ "$2" = 0 ]; then result "$1" PASS "$3"; else result "$1" FAIL "$4"; fi
}
# on a terminal of its own (script(1)): CMD, then the caller's shell reads
# what is waiting on its terminal: GOT[] and a timeout (rc > 128), never an
# end of file. script's stdin is a pipe that stays open and says nothing
# (at the end of its stdin, script writes an EOF character to the terminal,
# which would race with what was injected)
tty_probe() { # CLASS CMD
    local cls=$1 rc=0 quiet
    echo "--- $MODE $cls: $2 (on a pty), then the caller reads its terminal"
    rm -f "$T/quiet"; mkfifo "$T/quiet"
    sleep 60 > "$T/quiet" & quiet=$!
    timeout 20 script -qec "$2; read -r -t 1 line; r=\$?; echo \"GOT[\$line] read=\$r\"" /dev/null \
        < "$T/quiet" > "$T/p.out" 2>&1 || rc=$?
    kill "$quiet"; wait "$quiet" 2>/dev/null || true
    sed 's/^/    /' "$T/p.out"
    if grep -q 'GOT\[.*INJECTED' "$T/p.out"; then
        result "$cls" FAIL "keystrokes landed in the caller's terminal"
    elif grep -qE 'GOT\[\] read=(1[3-9][0-9]|2[0-9][0-9])' "$T/p.out" && grep -q '^probe tiocsti' "$T/p.out"; then
        result "$cls" PASS "nothing reached the caller's terminal"
    else
        result "$cls" FAIL "broken: the probe did not run, or the terminal ended (exit $rc)"
    fi
}

# a child the command leaves behind must not keep the caller's terminal
# once unicage has returned: 2 s later it writes a marker to the stdout it
# inherited (and says what happened in alice's /tmp)
linger_probe() { # CLASS ENTRY...
    local cls=$1 quiet note=$h/home/alice/.unicage/tmp/uc-linger; shift
    echo "--- $MODE $cls: $* -- $P linger (on a pty), then the caller's terminal waits 3 s"
    rm -f "$note" "$T/quiet"; mkfifo "$T/quiet"
    sleep 60 > "$T/quiet" & quiet=$!
    timeout 20 script -qec "$* -- $P linger /tmp/uc-linger; echo UNICAGE-RETURNED; sleep 3; echo WAITED" \
        /dev/null < "$T/quiet" > "$T/p.out" 2>&1 || true
    kill "$quiet"; wait "$quiet" 2>/dev/null || true
    sed 's/^/    /' "$T/p.out"
    [ -f "$note" ] && sed 's/^/    the child: /' "$note"
    if sed -n '/UNICAGE-RETURNED/,$p' "$T/p.out" | grep -q LINGER-WROTE; then
        result "$cls" FAIL "a process left in the cage wrote to the caller's terminal after unicage returned"
    elif ! grep -q WAITED "$T/p.out" || ! grep -q '^write: ' "$note" 2>/dev/null; then
        result "$cls" FAIL "broken: the probe's child did not run, or the terminal ended"
    elif grep -q '^write: written' "$note"; then
        result "$cls" FAIL "the child still wrote to a terminal of the caller's"
    else
        result "$cls" PASS "the caller's terminal is out of reach once the command ended ($(head -n 1 "$note"))"
    fi
    rm -f "$note"
}

# exec with --preserve-fds N, before the user like every option of exec,
# else after it (as --allow-uncaged may be); main has no such option (exit
# 3, or 127 when taken for the command) and passes every descriptor
# anyway: then the same without it, said so
exec_keep() { # N CMD...
    local n=$1 rc=0; shift
    timeout 20 "$UC" exec --preserve-fds "$n" alice -- "$@" || rc=$?
    [ "$rc" = 3 ] || return "$rc"
    echo "note: exec --preserve-fds $n alice refused (exit 3): trying exec alice --preserve-fds $n"
    rc=0
    timeout 20 "$UC" exec alice --preserve-fds "$n" -- "$@" || rc=$?
    [ "$rc" = 3 ] || [ "$rc" = 127 ] || return "$rc"
    echo "note: --preserve-fds refused (exit $rc): trying without it"
    timeout 20 "$UC" exec alice -- "$@"
}

# --- alice's side, as the user: unicage exec ------------------------------------
user_probes() {
    local bob_cage=$1
    probe handle-user "$UC" exec alice -- $P handle /home/alice host/home/bob/secret
    tty_probe tiocsti-exec "$UC exec alice -- $P tiocsti"
    probe abstract-user "$UC" exec alice -- $P abstract uc-host-daemon uc-bob-sock uc-bob-host uc-alice-host
    probe bpf-user "$UC" exec alice -- $P bpf
    probe perf-user "$UC" exec alice -- $P perf
    probe keyring-session-user "$T/probe" withkey session uc-probe-sess "root's session secret" -- \
        "$UC" exec alice -- $P keyring session uc-probe-sess
    probe keyupcall-user "$UC" exec alice -- $P keyupcall
    linger_probe linger-exec "$UC" exec alice
    probe pids-user "$UC" exec alice -- $P pids "$bob_cage" "$bob_host" "$root_sleep" "$alice_host" -u 1002
    probe signal-user exec_keep 1 $P signal 3 "$alice_host" 3< "/proc/$alice_host"
    probe ipc-user "$UC" exec alice -- $P ipc 0x7563001 0x7563002 0x7563003 \
        -m /uc-host-mq /uc-bobhost-mq /uc-bobcage-mq
    probe sockdiag-user "$UC" exec alice -- $P sockdiag
    probe userns-user "$UC" exec alice -- $P userns
    probe fds-exec "$UC" exec alice -- $P fds 7< "$T/hostdir"
    probe preserve-fds exec_keep 1 $P fds 3 3< "$T/hostdir/secret" 7< "$T/hostdir"
    probe procmask-user "$UC" exec alice -- $P procmask
    # ps -ef works and lists the cage's processes only
    local rc=0
    echo "--- $MODE ps-ef: uc exec alice -- ps -ef"
    timeout 20 "$UC" exec alice -- ps -ef > "$T/p.out" 2>&1 || rc=$?
    sed 's/^/    /' "$T/p.out"
    if [ "$rc" != 0 ]; then
        result ps-ef FAIL "ps -ef failed (exit $rc)"
    elif grep -qE 'sleep 30(02|10|11|12)|uc-host-daemon' "$T/p.out"; then
        result ps-ef FAIL "ps -ef lists processes outside the cage"
    else
        result ps-ef PASS "ps -ef works and lists the cage's processes only"
    fi
}

# --- root in alice's repair shell: unicage enter ------------------------------
host_net_changed() { # prints what changed on the host's side
    local c=1
    if ip -o addr show dev lo | grep -q 10.99.0.1; then echo "    host: lo has 10.99.0.1"; c=0; fi
    if ip link show ucprobe0 >/dev/null 2>&1; then echo "    host: link ucprobe0 exists"; c=0; fi
    if ip route show | grep -q 10.98.0.0; then echo "    host: route 10.98.0.0/24 exists"; c=0; fi
    return $c
}
net_probe() {
    echo "--- $MODE ip-root: ip addr/link/route add in enter, checked from the host's side"
    if ! "$UC" enter alice -- ip -o link show dev lo > "$T/p.out" 2>&1; then
        sed 's/^/    /' "$T/p.out"
        result ip-root FAIL "broken: ip does not run in the repair shell"
        return
    fi
    uc enter alice -- ip addr add 10.99.0.1/32 dev lo 2>&1 | sed 's/^/    ip addr add: /' || true
    if [ -n "$linktype" ]; then
        local args=(type "$linktype"); [ "$linktype" = veth ] && args+=(peer name ucprobe1)
        uc enter alice -- ip link add ucprobe0 "${args[@]}" 2>&1 | sed 's/^/    ip link add: /' || true
    else
        echo "    (no link type this kernel can add: ip link add not probed)"
    fi
    uc enter alice -- ip route add 10.98.0.0/24 dev lo 2>&1 | sed 's/^/    ip route add: /' || true
    local changed=0
    host_net_changed && changed=1
    ip addr del 10.99.0.1/32 dev lo 2>/dev/null || true
    ip link del ucprobe0 2>/dev/null || true
    ip route del 10.98.0.0/24 dev lo 2>/dev/null || true
    verdict ip-root $changed "the network of the host is unchanged" "root changed the host's network"
}
suid_probe() {
    probe suid-root "$UC" enter alice -- $P suid /home/alice
    local f bad=0 mode uid cap rc
    if ! grep -q '^RESULT suid' "$T/p.out"; then
        result suid-host FAIL "broken: the suid probe did not run"
        return
    fi
    for f in "$h"/home/alice/suid-*; do
        [ -f "$f" ] || continue
        read -r mode uid < <(stat -c '%a %u' "$f")
        cap=$(getfattr -n security.capability --only-values "$f" 2>/dev/null | od -An -tx1 | tr -d ' \n') || true
        rc=0
        as 1001 "$f" whoami > "$T/w.out" 2>&1 || rc=$?
        echo "    host: ${f##*/}: mode $mode, owner $uid${cap:+, security.capability $cap}; alice runs it: $(grep -o 'euid=.*' "$T/w.out" || echo "exit $rc")"
        if [ "$rc" = 10 ] || [ -n "$cap" ] || { [ "$uid" = 0 ] && (( 8#$mode & 06000 )); }; then
            bad=1
        fi
    done
    verdict suid-host $bad "nothing made in the cage gains privilege on the host" \
        "a file made by root in the cage is setuid-root (or has file capabilities) on the host"
    rm -f "$h"/home/alice/suid-*
}
# the admin's interactive shell: alice's rc files, readline macros and
# history are not the admin's
interactive_probe() {
    local m=/home/alice
    cat > "$h$m/.inputrc" <<EOF
"\C-m": "\C-e ; touch $m/.marker-inputrc\C-x\C-a"
"\C-j": "\C-e ; touch $m/.marker-inputrc\C-x\C-a"
"\C-x\C-a": accept-line
EOF
    for f in .bashrc .bash_profile .profile .bash_login; do
        echo "touch $m/.marker$f" > "$h$m/$f"
    done
    chown 1001:1001 "$h$m"/.inputrc "$h$m"/.bash* "$h$m"/.profile
    rm -f "$h$m"/.marker-* "$h$m/.bash_history"
    echo "--- $MODE enter (interactive, on a pty): the admin types two commands"
    { sleep 1; printf 'echo "HOME=[$HOME]" ADMIN-TYPED-%s\r' "$$"; sleep 0.5; printf 'exit\r'; sleep 0.5; } |
        timeout 20 script -qefc "$UC enter alice" /dev/null > "$T/p.out" 2>&1 || true
    sed 's/^/    /' "$T/p.out"
    if ! grep -q "HOME=\[.*\] ADMIN-TYPED-$$" "$T/p.out"; then
        result rc-files FAIL "broken: the interactive shell did not run the admin's command"
        result history FAIL "broken: the interactive shell did not run the admin's command"
        result home-root FAIL "broken: the interactive shell did not run the admin's command"
        return
    fi
    local ran
    ran=$(cd "$h$m" && ls -d .marker-* 2>/dev/null | tr '\n' ' ') || true
    echo "    markers in alice's home: ${ran:-none}"
    verdict rc-files "$([ -z "$ran" ]; echo $?)" "no file of alice's was read by the admin's shell" \
        "the admin's shell ran what alice planted: $ran"
    local hist
    hist=$(grep -rl "ADMIN-TYPED-$$" "$h$m" 2>/dev/null | tr '\n' ' ') || true
    verdict history "$([ -z "$hist" ]; echo $?)" "what the admin typed is nowhere in alice's home" \
        "what the admin typed landed in $hist"
    local home=0
    grep -q "HOME=\[/root\] ADMIN-TYPED" "$T/p.out" || home=1
    verdict home-root $home "HOME is /root" "HOME is not /root: $(grep -o 'HOME=\[[^]]*\]' "$T/p.out" | tail -n 1)"
    rm -f "$h$m"/.marker-* "$h$m/.bash_history"
}
root_probes() {
    local bob_cage=$1
    probe handle-root-home "$UC" enter alice -- $P handle /home/alice host/home/bob/secret
    probe handle-root-etc "$UC" enter alice -- $P handle /etc host/home/bob/secret
    net_probe
    probe netadmin-root "$UC" enter alice -- $P netadmin
    probe bind-root "$UC" enter alice -- $P bind 80 81
    probe packet-root "$UC" enter alice -- $P packet
    probe kmsg-root "$UC" enter alice -- $P kmsg
    probe rt-root "$UC" enter alice -- $P rt
    probe bpf-root "$UC" enter alice -- $P bpf
    probe perf-root "$UC" enter alice -- $P perf
    probe ipc-root "$UC" enter alice -- $P ipc 0x7563001 0x7563002 0x7563003 \
        -m /uc-host-mq /uc-bobhost-mq /uc-bobcage-mq
    probe keyring-user-root "$T/probe" withkey user uc-probe-rootuser "host root's key" -- \
        "$UC" enter alice -- $P keyring user uc-probe-rootuser
    probe keyring-session-root "$T/probe" withkey session uc-probe-rootsess "root's session secret" -- \
        "$UC" enter alice -- $P keyring session uc-probe-rootsess
    probe abstract-root "$UC" enter alice -- $P abstract uc-host-daemon uc-bob-sock uc-bob-host
    probe sockdiag-root "$UC" enter alice -- $P sockdiag
    probe pids-root "$UC" enter alice -- $P pids "$bob_cage" "$bob_host" "$root_sleep"
    probe procmask-root "$UC" enter alice -- $P procmask
    suid_probe
    tty_probe tiocsti-enter "$UC enter alice -- $P tiocsti"
    linger_probe linger-enter "$UC" enter alice
    probe keyupcall-root "$UC" enter alice -- $P keyupcall
    interactive_probe
    timeout 20 "$UC" enter alice -- sh -c 'echo "$HOME"' > "$T/out" 2>&1 || true
    local home=0
    [ "$(cat "$T/out")" = /root ] || home=1
    verdict home-root $home "HOME is /root" "enter -- CMD: HOME is $(cat "$T/out")"
}

# --- both modes ----------------------------------------------------------------
for MODE in overlay bind; do
    sed -i '/^cage_mode/d' "$UNICAGE_CONFIG"
    echo "cage_mode = $MODE" >> "$UNICAGE_CONFIG"
    expect_exit 0 uc umount-all --kill
    expect_exit 0 uc mount alice bob
    assert_grep "alice: mounted (slot [0-9]*, gen-[0-9]*, $MODE)" "$T/out" "alice's cage in $MODE mode"
    # bob's side of the scene, in his cage
    "$UC" exec bob -- $P listen uc-bob-sock 8082 > /dev/null & pids+=($!)
    "$UC" exec bob -- sleep 3002 & pids+=($!)
    "$UC" exec bob -- $P mkipc 0x7563003 /uc-bobcage-mq > "$T/p.out" || { cat "$T/p.out"; false; } ||
        fail "IPC objects in bob's cage"
    wait_for listening uc-bob-sock || fail "bob's listener"
    wait_for pgrep -u 1002 -f '^sleep 3002$' || fail "bob's sleep in his cage"
    bob_cage=$(pgrep -u 1002 -f '^sleep 3002$' | head -n 1)
    user_probes "$bob_cage"
    root_probes "$bob_cage"
done

# --- the table -----------------------------------------------------------------
echo
printf '%-22s %-8s %-8s\n' class overlay bind
failed=0
for c in "${CLASSES[@]}"; do
    o=${RESULT[overlay|$c]:--} b=${RESULT[bind|$c]:--}
    printf '%-22s %-8s %-8s\n' "$c" "$o" "$b"
    [ "$o" = FAIL ] || [ "$b" = FAIL ] && failed=$((failed + 1))
done
echo "$failed of ${#CLASSES[@]} classes failed"
[ "$failed" = 0 ] || fail "$failed attack classes are not contained"
echo ok
