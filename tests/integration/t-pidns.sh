#!/usr/bin/env bash
# unshare: -n -i
# The cage's pid and IPC namespaces and root's user namespace (issue 13,
# items 1, 3, 4), in both cage modes: bob's processes do not exist for
# alice whatever syscall asks; alice's slots share one pid namespace (a
# process started before a remount is seen and signalled from after it);
# ps, free, uptime work; SysV IPC and POSIX queues of others are invisible;
# root in enter is in a user namespace (no ip link, dmesg, port 81, sysctl)
# and sees the cage's processes; a killed init runs nothing outside and is
# rebuilt; umount stops the init; a mount killed at any point leaves no
# stray init.
. "$(dirname "$0")/lib.sh"
cage_fixture
"$UNICAGE_SRC/scripts/make-cage-host.sh" "$h" ps free uptime ipcmk ipcs kill dmesg ip chown head >/dev/null
cc -O2 -static -o "$h/usr/bin/pidns-probe" "$UNICAGE_SRC/tests/integration/pidns-probe.c" ||
    skip "no static C compiler for the probe"
expect_exit 0 uc init
expect_exit 0 uc enable alice bob
ns=$T/run/ns
pids=()
on_cleanup 'kill -9 "${pids[@]}"'
atmp=$h/home/alice/.unicage/tmp btmp=$h/home/bob/.unicage/tmp
wait_file() { for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.05; done; fail "no $1"; }
init_pid() { sed -n 's/^pid=//p' "$ns/.slots/$1/init"; }
no_ok() { # FILE MSG: every probe result is an error
    grep -q '=ok$' "$1" && { cat "$1" >&2; fail "$2"; }
    grep -q '=' "$1" || fail "$2: the probe said nothing"
}

for mode in overlay bind; do
echo "--- $mode mode"
sed -i '/^cage_mode/d' "$UNICAGE_CONFIG"; echo "cage_mode = $mode" >> "$UNICAGE_CONFIG"
rm -f "$atmp"/* "$btmp"/* 2>/dev/null || true
expect_exit 0 uc mount alice bob

# --- bob's process does not exist for alice ----------------------------------
"$UC" exec bob -- sh -c 'echo $$ > /tmp/me; exec sleep 602' & pids+=($!)
"$UC" exec alice -- sh -c 'echo $$ > /tmp/me; exec sleep 601' & pids+=($!)
wait_file "$btmp/me"; wait_file "$atmp/me"
apid=$(cat "$atmp/me") bpid=$(cat "$btmp/me")
bhost=$(pgrep -f 'sleep 602' | head -1)
[ -n "$bhost" ] || fail "bob's process not found on the host"
[ "$bhost" != "$bpid" ] || fail "bob's process has its host pid in his cage"
expect_exit 0 uc exec alice -- ls /proc
grep -qx "$bhost" "$T/out" && fail "alice's /proc lists bob's host pid"
expect_exit 0 uc exec alice -- pidns-probe pid "$bhost"
no_ok "$T/out" "bob's process (host pid $bhost) exists for alice"
if [ "$bpid" != "$apid" ] && ! grep -qx "$bpid" <(uc exec alice -- ls /proc); then
    expect_exit 0 uc exec alice -- pidns-probe pid "$bpid"
    no_ok "$T/out" "bob's process (his pid $bpid) exists for alice"
fi
expect_exit 0 uc exec alice -- pidns-probe pid "$apid"
assert_grep '^kill=ok' "$T/out" "alice's own process exists for her"

# --- ps, free, uptime in the cage --------------------------------------------
expect_exit 0 uc exec alice -- ps -ef
assert_grep 'sleep 601' "$T/out" "ps -ef shows alice's process"
grep -q 'sleep 602' "$T/out" && fail "ps -ef in alice's cage shows bob's process"
expect_exit 0 uc exec alice -- free
assert_grep '^Mem:' "$T/out" "free works"
expect_exit 0 uc exec alice -- uptime
assert_grep 'load average' "$T/out" "uptime works"

# --- two slots, one pid namespace ---------------------------------------------
slot=$(uc list | awk '$1 == "alice" {s = $2} END {print s}')
expect_exit 0 uc remount alice
expect_exit 0 uc exec alice -- sh -c "kill -0 $apid && ps -o args= -p $apid"
assert_grep 'sleep 601' "$T/out" "a session of the new slot sees the process started before"
expect_exit 0 uc list
assert_grep "^alice .* $slot .* 1 unmounted\|^alice .* $slot .* 1 mounted" "$T/out" "the old slot still runs"
assert_grep "^alice .* $((slot + 1)) " "$T/out" "the new slot"
expect_exit 0 uc exec alice -- kill "$apid"
rc=0; wait "${pids[1]}" || rc=$?
assert_eq "$rc" 143 "the process signalled from the new slot ended (SIGTERM)"
expect_exit 0 uc mount alice                      # releases the idle old slot
expect_exit 0 uc list
grep -q "^alice .* $slot " "$T/out" && fail "the old slot outlived its process"

# --- SysV IPC and POSIX message queues ----------------------------------------
expect_exit 0 uc exec bob -- ipcmk -M 4096
shm=$(sed -n 's/.*id: *\([0-9]*\).*/\1/p' "$T/out")
[ -n "$shm" ] || fail "ipcmk gave no id: $(cat "$T/out")"
expect_exit 0 uc exec bob -- ipcs -m
grep -qw "$shm" "$T/out" || fail "bob does not see his own shared memory"
expect_exit 0 uc exec alice -- ipcs -m
awk 'NF && $2 ~ /^[0-9]+$/' "$T/out" | grep . && fail "alice sees shared memory: $(cat "$T/out")"
expect_exit 0 uc exec alice -- pidns-probe shm "$shm"
no_ok "$T/out" "alice reaches bob's shared memory by its id"
ipcs -m | awk 'NF && $2 ~ /^[0-9]+$/' | grep . && fail "the host's IPC namespace sees the cage's shared memory"
assert_eq "$(uc exec alice -- stat -f -c %T /dev/mqueue)" mqueue "/dev/mqueue is an mqueue mount"
expect_exit 0 uc exec alice -- touch /dev/mqueue/aq
assert_eq "$(uc exec alice -- ls /dev/mqueue)" aq "alice's queue in her /dev/mqueue"
assert_eq "$(uc exec bob -- ls /dev/mqueue)" "" "bob does not see alice's queue"

# --- root in enter: a user namespace, root of the cage's files only -----------
expect_exit 0 uc enter alice -- cat /proc/self/uid_map /proc/self/gid_map
assert_eq "$(tr -s ' ' < "$T/out" | sed 's/^ //')" "0 0 4294967295
0 0 4294967295" "enter: every id mapped to itself"
expect_exit 0 uc enter alice -- sh -c 'touch /home/alice/by-root && chown 1001:1001 /home/alice/by-root && echo ok'
assert_eq "$(stat -c %u "$h/home/alice/by-root")" 1001 "root in enter owns the cage's files"
expect_exit 0 uc enter alice -- sh -c 'ip link add d0 type dummy 2>&1; echo "rc=$?"'
assert_grep 'rc=[1-9]' "$T/out" "root in enter adds a network link"
expect_exit 0 uc enter alice -- sh -c 'dmesg > /dev/null 2>&1; echo "rc=$?"'
assert_grep 'rc=[1-9]' "$T/out" "root in enter reads the kernel log"
expect_exit 0 uc enter alice -- pidns-probe bind 81
assert_eq "$(cat "$T/out")" "bind=EACCES" "root in enter binds port 81"
expect_exit 0 uc enter alice -- sh -c 'echo cage > /proc/sys/kernel/hostname 2>&1; echo "rc=$?"'
assert_grep 'rc=[1-9]' "$T/out" "root in enter writes a sysctl"
[ "$(hostname)" != cage ] || fail "root in enter renamed the host"
for f in kpageflags kpagecount key-users timer_list kmsg; do
    [ -e "/proc/$f" ] || continue
    [ -z "$(uc enter alice -- sh -c "cat /proc/$f 2>/dev/null | head -c 1")" ] ||
        fail "root in enter reads /proc/$f"
done
"$UC" exec alice -- sleep 603 & pids+=($!)
sleep 0.3
expect_exit 0 uc enter alice -- ps -ef
assert_grep 'sleep 603' "$T/out" "root in enter sees alice's processes"
grep -q 'sleep 602' "$T/out" && fail "root in alice's cage sees bob's process"

# --- join_for_children (the PAM modules' way in): the next fork is in the cage
if [ "$mode" = overlay ]; then
    lib=$(dirname "$UC")/libunicage.a
    san=""   # the library of `make SANITIZE=address,undefined` needs the runtimes
    if nm "$lib" 2>/dev/null | grep __asan_init > /dev/null; then san="-fsanitize=address,undefined"; fi
    # shellcheck disable=SC2046,SC2086
    cc -O2 $san -D_GNU_SOURCE -I"$UNICAGE_SRC" -o "$T/join-children" "$UNICAGE_SRC/tests/integration/join-children.c" \
        "$lib" $(pkg-config --libs rpm libacl libattr libzstd mount libcap libarchive zlib libelf libseccomp) ||
        fail "building join-children against $lib"
    "$T/join-children" "$UNICAGE_CONFIG" alice /bin/sh -c 'stat -L -c %i /proc/self/ns/pid; ls /home' > "$T/out" ||
        fail "join_for_children"
    assert_eq "$(sed -n 1p "$T/out")" "$(stat -L -c %i "$ns/alice.pid")" "join_for_children: the child in alice's pid namespace"
    assert_eq "$(sed -n 2p "$T/out")" alice "join_for_children: the child in alice's cage"
fi

# --- a killed init: nothing runs outside, the next entry rebuilds --------------
ipid=$(init_pid alice)
oldns=$(stat -L -c %i "$ns/alice.pid")
[ "$(readlink "/proc/$ipid/ns/pid")" = "pid:[$oldns]" ] || fail "the record names another process"
kill -9 "$ipid"
rc=0; wait "${pids[2]}" || rc=$?
assert_eq "$rc" 137 "alice's process died with her init"
nsenter --pid="$ns/alice.pid" true 2>/dev/null && fail "a process started in a pid namespace whose init is dead"
if [ "$mode" = overlay ]; then
    rm -f "$atmp/ran"
    "$T/join-children" "$UNICAGE_CONFIG" alice /bin/sh -c 'touch /tmp/ran' 2> "$T/err" &&
        fail "join_for_children with the init dead"
    assert_grep "init is gone" "$T/err" "join_for_children says the init is gone"
    [ ! -e "$atmp/ran" ] || fail "join_for_children ran a session with the init dead"
fi
rm -f "$atmp/ran"
# the front sees the dead init and hands over to the full binary, which
# builds a new pid namespace and a new slot: the command runs in those
expect_exit 0 uc exec alice -- sh -c 'touch /tmp/ran; stat -L -c %i /proc/self/ns/pid'
[ -e "$atmp/ran" ] || fail "exec after the init was killed"
newns=$(cat "$T/out")
[ "$newns" != "$oldns" ] && [ "$newns" = "$(stat -L -c %i "$ns/alice.pid")" ] ||
    fail "a new pid namespace was not built ($oldns -> $newns)"
expect_exit 0 uc enter alice -- sh -c :

# --- umount: the init goes with the last slot ---------------------------------
kill -9 "${pids[@]}" 2>/dev/null; wait "${pids[@]}" 2>/dev/null || true; pids=()
ipid=$(init_pid alice)
expect_exit 0 uc umount alice
[ ! -e "$ns/.slots/alice/init" ] || fail "umount left alice's init record"
[ ! -e "$ns/alice.pid" ] && [ ! -e "$ns/alice.ipc" ] || fail "umount left alice's namespace handles"
gone() { # the init is killed, not waited for
    for _ in $(seq 40); do
        [ ! -e "/proc/$1" ] || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}
gone "$ipid" || fail "umount left alice's init running"
expect_exit 0 uc umount-all
done

# --- a mount killed at any point leaves no init nobody knows of ----------------
sed -i '/^cage_mode/d' "$UNICAGE_CONFIG"
expect_exit 0 uc mount bob
for i in $(seq 20); do
    "$UC" umount alice > /dev/null 2>&1 || true
    "$UC" mount alice > /dev/null 2>&1 & p=$!
    sleep "0.00$((RANDOM % 10))"
    kill -9 "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
done
expect_exit 0 uc mount alice
expect_exit 0 uc exec alice -- sh -c :
tmpl="mnt:[$(stat -L -c %i "$ns/.template")]"
sleep 0.2
n=0; for p in $(pgrep -x unicage-init); do [ "$(readlink "/proc/$p/ns/mnt")" = "$tmpl" ] && n=$((n + 1)); done
assert_eq "$n" 2 "one init for alice, one for bob after killed mounts"
expect_exit 0 uc umount-all
# the inits are signalled; under load they may take a moment to be gone
inits_left() { local n=0 p; for p in $(pgrep -x unicage-init); do [ "$(readlink "/proc/$p/ns/mnt" 2>/dev/null)" = "$tmpl" ] && n=$((n + 1)); done; echo $n; }
for _ in $(seq 1 100); do [ "$(inits_left)" = 0 ] && break; sleep 0.05; done
assert_eq "$(inits_left)" 0 "umount-all leaves no init"
echo ok
