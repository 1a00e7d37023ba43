#!/usr/bin/env bash
# Cages (mount, umount, remount, remount-all, umount-all, list): alice and bob
# from a passwd file, a skeleton from the fixture RPMs plus real commands of
# this machine. Each cage shows its user only (/etc/passwd, /home, /proc),
# diverges without touching the shared object, never follows a link the user
# planted, mounts every cage.mp kind, keeps old slots for running processes
# across an update, leaves no mount behind, and works when the kernel hands
# the cage's namespace a smaller id (per-CPU batches).
. "$(dirname "$0")/lib.sh"
cage_fixture
ns=$T/run/ns
state=$T/fs/state
pids=()
on_cleanup 'kill -9 "${pids[@]}"'
bg_user() { # USER UID SLOT CMD... &: through unicage exec (SLOT is the newest);
    # $! is the front, outside the cage; killing it kills the command
    local u=$1; shift 3
    exec "$UC" exec "$u" -- "$@"
}
in_cage() { # USER SLOT CMD...: as root in that slot (and the user's pid, IPC namespaces)
    local u=$1 s=$2; shift 2
    nsenter --mount="$ns/$u.$s" --pid="$ns/$u.pid" --ipc="$ns/$u.ipc" "$@"
}
as_user() { # USER UID SLOT CMD...: as the user in that slot
    local u=$1 id=$2 s=$3; shift 3
    nsenter --mount="$ns/$u.$s" --pid="$ns/$u.pid" --ipc="$ns/$u.ipc" -S "$id" -G "$id" "$@"
}

expect_exit 0 uc init

# --- who gets a cage --------------------------------------------------------
expect_exit 4 uc mount nosuchuser
expect_exit 2 uc mount alice                 # not enabled: no cage, never the host
assert_grep "not caged" "$T/err" "a disabled user is refused with the reason"
[ ! -e "$ns/alice.1" ] || fail "a disabled user got a cage"
expect_exit 0 uc enable alice bob
expect_exit 0 uc mount alice bob
assert_grep "alice: mounted (slot 1, gen-000001, overlay)" "$T/out" "alice's first slot, overlay mode"
expect_exit 0 uc mount alice
assert_grep "alice: already mounted (slot 1" "$T/out" "mount of a current cage is a no-op"
assert_eq "$(cut -d' ' -f1 "$T/run/cage-mode")" overlay "the probe picked overlay"

# --- what alice sees --------------------------------------------------------
in_cage alice 1 cat /etc/passwd > "$T/pw"
assert_grep '^alice:' "$T/pw" "alice in her /etc/passwd"
grep -q '^bob:' "$T/pw" && fail "bob in alice's /etc/passwd"
in_cage alice 1 sh -c 'test -d /home/alice' || fail "alice's home missing in her cage"
in_cage alice 1 sh -c 'test -e /home/bob' && fail "/home/bob exists in alice's cage"
assert_eq "$(in_cage alice 1 ls /home)" "alice" "only alice's home under /home"
assert_eq "$(in_cage alice 1 stat -c '%U %a' /tmp)" "alice 1777" "/tmp is alice's"
[ -d "$h/home/alice/.unicage/tmp" ] || fail "/tmp is not ~/.unicage/tmp"
assert_eq "$(stat -c '%u %a' "$h/home/alice/.unicage")" "1001 700" "~/.unicage made as alice, 0700"
in_cage alice 1 sh -c 'echo hi > /tmp/t && echo hi > /var/tmp/v'
[ -f "$h/home/alice/.unicage/tmp/t" ] && [ -f "$h/home/alice/.unicage/tmp/v" ] || fail "/tmp and /var/tmp not in the home"
in_cage alice 1 sh -c 'test -c /dev/null && test -c /dev/urandom && test -c /dev/pts/ptmx && test -d /dev/shm' ||
    fail "/dev incomplete"
for f in meminfo stat loadavg uptime cpuinfo; do
    [ -n "$(in_cage alice 1 cat /proc/$f)" ] || fail "/proc/$f missing: /proc lacks the system files programs need"
done
for f in key-users keys kpageflags kpagecount timer_list kallsyms kmsg interrupts; do
    [ -e "/proc/$f" ] || continue
    [ -z "$(in_cage alice 1 cat "/proc/$f" 2>/dev/null | head -c 1)" ] || fail "/proc/$f is readable in the cage"
done
[ ! -d /proc/acpi ] || [ -z "$(in_cage alice 1 ls /proc/acpi)" ] || fail "/proc/acpi not masked"
in_cage alice 1 sh -c 'echo cage > /proc/sys/kernel/hostname' 2>/dev/null && fail "/proc/sys writable in the cage"
[ "$(hostname)" != cage ] || fail "the cage changed the host's name"

# mounts per cage (empty cage.mp), every one nosuid, all but /dev(/pts) nodev;
# the /proc masks (read-only binds over /proc/NAME) counted apart
in_cage alice 1 cat /proc/self/mountinfo > "$T/mi"
n=$(awk '$5 !~ "^/proc/"' "$T/mi" | wc -l)
echo "mounts per cage (empty cage.mp): $n, and $(awk '$5 ~ "^/proc/"' "$T/mi" | wc -l) /proc masks"
[ "$n" -le 16 ] || fail "$n mounts in a cage (at most 16)"
awk '$5 ~ "^/proc/" && $6 !~ /^ro,/ {print "a /proc mask not read-only: " $5}' "$T/mi" | grep . && fail "a writable /proc mask"
awk '$6 !~ /nosuid/ {print "not nosuid: " $5}' "$T/mi" | grep . && fail "a mount without nosuid"
awk '$5 != "/dev" && $5 != "/dev/pts" && $6 !~ /nodev/ {print "not nodev: " $5}' "$T/mi" | grep . &&
    fail "a mount without nodev"
# (but run_dir/proxy, unicage-proxyd's socket directory, read-only: doc/proxy.md;
# bind mode has it in /dev)
grep "$T/run" "$T/mi" | grep -v -E " (/run/unicage/proxy|/dev/unicage-proxy) ro," | grep -q . && fail "the host's mounts leaked into the cage"

# --- /proc: bob's processes are invisible to alice ----------------------------
bg_user bob 1002 1 sh -c 'echo $$ > /tmp/me; exec sleep 602' & pids+=($!)
bg_user alice 1001 1 sh -c 'echo $$ > /tmp/me; exec sleep 601' & pids+=($!)
pb=${pids[0]} pa=${pids[1]}
for _ in $(seq 50); do [ -s "$h/home/alice/.unicage/tmp/me" ] && [ -s "$h/home/bob/.unicage/tmp/me" ] && break; sleep 0.1; done
as_user alice 1001 1 sh -c 'ls /proc; cat /proc/[0-9]*/cmdline' > "$T/procs"
grep -qx "$(cat "$h/home/alice/.unicage/tmp/me")" "$T/procs" || fail "alice does not see her own process"
grep -q 'sleep.602' "$T/procs" && fail "alice sees bob's process"
expect_exit 0 uc list
assert_grep "^alice .* 1 gen-000001 .*overlay .* 1 mounted" "$T/out" "list: alice's slot with one process"
expect_exit 0 uc list --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["data"]; a=[x for x in d if x["user"]=="alice"][0]; assert a["processes"]==1 and a["slot"]==1 and a["mode"]=="overlay", a' "$T/out" ||
    fail "list --json"
kill -9 "$pa" "$pb"; wait "$pa" "$pb" 2>/dev/null || true
pids=()

# --- divergence: root in alice's cage changes alice's view only --------------
tree=$state/skel/$(readlink "$state/skel/current")/tree
f=/usr/bin/uc-tool
orig=$(sha "$tree$f")
in_cage alice 1 sh -c "echo changed > $f" || fail "write in the cage"
assert_eq "$(in_cage alice 1 cat $f)" "changed" "alice sees her change"
assert_eq "$(in_cage bob 1 sh -c "cat $f" | sha256sum | cut -d' ' -f1)" "$orig" "bob's view unchanged"
assert_eq "$(sha "$tree$f")" "$orig" "the object unchanged"
is_immutable "$tree$f" || fail "the object lost +i"
in_cage alice 1 chmod 0700 $f
assert_eq "$(in_cage alice 1 stat -c %a $f)" 700 "chmod in alice's cage"
assert_eq "$(in_cage bob 1 stat -c %a $f)" "$(stat -c %a "$tree$f")" "chmod did not reach bob"
in_cage alice 1 rm $f
in_cage alice 1 sh -c "test -e $f" && fail "delete in alice's cage"
in_cage bob 1 sh -c "test -f $f" || fail "alice's delete reached bob"
assert_eq "$(sha "$tree$f")" "$orig" "the object survived the delete"
is_immutable "$tree$f" || fail "the object lost +i after the delete"

# --- a link alice plants never makes unicage write outside her home -----------
snap() { (cd "$h/etc" && find . -printf '%p %m %u\n' | sort); [ -e /etc/tmp ] && echo "/etc/tmp!"; true; }
before=$(snap)
mv "$h/home/alice/.unicage" "$h/home/alice/.unicage.real"
ln -s /etc "$h/home/alice/.unicage"; chown -h 1001:1001 "$h/home/alice/.unicage"
expect_exit 2 uc remount alice
assert_grep ".unicage" "$T/err" "the refusal names ~/.unicage"
rm "$h/home/alice/.unicage"; ln -s "$h/etc" "$h/home/alice/.unicage"; chown -h 1001:1001 "$h/home/alice/.unicage"
expect_exit 2 uc remount alice
rm "$h/home/alice/.unicage"; mv "$h/home/alice/.unicage.real" "$h/home/alice/.unicage"
mv "$h/home/alice/.unicage/tmp" "$h/home/alice/.unicage/tmp.real"
ln -s /etc "$h/home/alice/.unicage/tmp"; chown -h 1001:1001 "$h/home/alice/.unicage/tmp"
expect_exit 2 uc remount alice
rm "$h/home/alice/.unicage/tmp"; mv "$h/home/alice/.unicage/tmp.real" "$h/home/alice/.unicage/tmp"
assert_eq "$(snap)" "$before" "nothing written through the planted links"
expect_exit 0 uc list
assert_eq "$(grep -c '^alice ' "$T/out")" 1 "a failed build leaves no slot (fail closed)"
[ "$(ls "$ns" | grep -c '^alice\.[0-9]*$')" = 1 ] || fail "a failed build left a handle"

# --- cage.mp: shared, read-only, per-user, split ------------------------------
cat > "$T/etc/cage.mp" <<'MP'
# the four kinds
/srv/shared
!/srv/ro
@/var/cache/app,700
%/srv/split
MP
expect_exit 0 uc remount alice
s=$(sed -n 's/^alice: mounted (slot \([0-9]*\).*/\1/p' "$T/out")
[ -n "$s" ] && [ "$s" -gt 1 ] || fail "remount gave no new slot"
in_cage alice "$s" sh -c 'echo from-cage > /srv/shared/x' || fail "shared mount not writable"
assert_eq "$(cat "$h/srv/shared/x")" "from-cage" "shared mount is the host's directory"
assert_eq "$(in_cage alice "$s" cat /srv/ro/file)" "read only" "read-only mount readable"
in_cage alice "$s" sh -c 'echo x > /srv/ro/new' 2>/dev/null && fail "read-only mount writable"
assert_eq "$(in_cage alice "$s" stat -c '%U %a' /var/cache/app)" "alice 700" "per-user directory, its mode"
[ -d "$h/home/alice/.unicage/var/cache/app" ] || fail "per-user directory not in ~/.unicage"
assert_eq "$(in_cage alice "$s" ls /srv/split)" "alice" "split: only alice's part"
assert_eq "$(in_cage alice "$s" cat /srv/split/alice/file)" "alice's part" "split: alice's part is the host's"
in_cage alice "$s" cat /proc/self/mountinfo > "$T/mi"
n=$(awk '$5 !~ "^/proc/"' "$T/mi" | wc -l)
echo "mounts per cage (4 cage.mp lines): $n (and the /proc masks)"
[ "$n" -le 16 ] || fail "too many mounts with cage.mp"
printf '/srv/shared\n%%\n' > "$T/etc/cage.mp"
expect_exit 3 uc remount alice
assert_grep "cage.mp:2" "$T/err" "a bad cage.mp line is named"
printf '/srv/socket-file\n' > "$T/etc/cage.mp"
expect_exit 3 uc remount alice
assert_grep "not a directory" "$T/err" "single files are never bound"
rm "$T/etc/cage.mp"

# --- update: a new slot, the running process keeps the old one ----------------
old=$s
bg_user alice 1001 "$old" sh -c 'while [ ! -e /tmp/go ]; do sleep 0.1; done; cat /usr/share/uc-base/data.txt > /tmp/seen' &
pids+=($!)
before_data=$(cat "$h/usr/share/uc-base/data.txt")
echo "data of the second generation" > "$h/usr/share/uc-base/data.txt"
expect_exit 0 uc update
expect_exit 0 uc mount alice
assert_grep "alice: mounted (slot $((old + 1)), gen-000002" "$T/out" "after update, mount makes a new slot"
assert_eq "$(in_cage alice $((old + 1)) cat /usr/share/uc-base/data.txt)" "data of the second generation" "the new slot has the new content"
[ -e "$state/skel/pins/alice.$old" ] || fail "the busy old slot lost its pin"
expect_exit 0 uc gc
[ -d "$state/skel/gen-000001" ] || fail "gc removed a generation a running process uses"
touch "$h/home/alice/.unicage/tmp/go"
wait "${pids[0]}"; pids=()
assert_eq "$(cat "$h/home/alice/.unicage/tmp/seen")" "$before_data" "the process started before still saw the old content"
expect_exit 0 uc mount alice                 # sweeps the idle old slot
[ ! -e "$state/skel/pins/alice.$old" ] || fail "the old slot's pin outlived its processes"
[ ! -e "$ns/alice.$old" ] || fail "the old slot's handle outlived its processes"
expect_exit 0 uc gc
[ -d "$state/skel/gen-000001" ] || fail "gc removed the generation bob's cage uses"
expect_exit 0 uc remount-all                 # bob moves to the new generation too
assert_grep "bob: mounted (slot 2, gen-000002" "$T/out" "remount-all moved bob"
assert_grep "alice: mounted (slot $((old + 2)), gen-000002" "$T/out" "remount-all remounted alice"
expect_exit 0 uc gc
[ ! -d "$state/skel/gen-000001" ] || fail "gc kept a generation no cage uses"

# --- umount: busy slots keep running, --kill stops them ------------------------
cur=$((old + 2))
bg_user alice 1001 "$cur" sleep 600 & pids+=($!)
sleep 0.3
expect_exit 0 uc umount alice
assert_grep "still running" "$T/out" "umount says a slot is still busy"
[ ! -e "$ns/alice.$cur" ] || fail "umount left alice's handle"
kill -0 "${pids[0]}" || fail "umount killed a process without --kill"
expect_exit 0 uc list
assert_grep "unmounted, running" "$T/out" "list shows the busy unmounted slot"
expect_exit 0 uc mount alice
bg_user alice 1001 "$((cur + 1))" sleep 600 & pids+=($!)
sleep 0.3
expect_exit 0 uc umount --kill alice
for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done; pids=()
expect_exit 0 uc umount-all
expect_exit 0 uc list
[ ! -s "$T/out" ] || fail "slots left after umount-all: $(cat "$T/out")"
[ -z "$(ls "$state/skel/pins" 2>/dev/null)" ] || fail "pins left after umount-all"
findmnt -rn -o TARGET | grep "^$T/run" && fail "umount-all left mounts behind"

# --- a user disabled while mounted: remount-all takes the cage away -----------
expect_exit 0 uc mount alice bob
expect_exit 0 uc disable bob
expect_exit 0 uc remount-all
assert_grep "^bob: unmounted" "$T/out" "remount-all unmounts a user who is no longer caged"
ls "$ns" | grep -q '^bob\.' && fail "bob's handle left after remount-all"
expect_exit 0 uc enable bob
expect_exit 0 uc umount-all

# --- bind mode: the generation's tree, read-only ------------------------------
echo "cage_mode = bind" >> "$UNICAGE_CONFIG"
expect_exit 0 uc mount bob
assert_grep "bob: mounted (slot [0-9]*, gen-000002, bind)" "$T/out" "cage_mode = bind"
b=$(sed -n 's/^bob: mounted (slot \([0-9]*\).*/\1/p' "$T/out")
in_cage bob "$b" sh -c 'echo x > /usr/bin/uc-tool' 2>/dev/null && fail "bind mode root writable"
assert_eq "$(in_cage bob "$b" ls /home)" "bob" "bind mode: only bob's home"
in_cage bob "$b" sh -c 'echo y > /tmp/y' || fail "bind mode /tmp"
in_cage bob "$b" cat /etc/passwd | grep -q '^alice:' && fail "alice in bob's /etc/passwd"
expect_exit 0 uc umount-all
sed -i '/cage_mode/d' "$UNICAGE_CONFIG"

# --- namespace ids from per-CPU batches, under load ---------------------------
if [ "$(nproc)" -ge 2 ]; then
    for _ in 1 2; do sh -c 'while :; do :; done' & pids+=($!); done
    retries=0
    for k in 1 2 3; do
        taskset -c 1 unshare -m --propagation private taskset -c 0 \
            env UNICAGE_DEBUG=ns "$UC" remount alice bob > "$T/out" 2> "$T/err" ||
            { cat "$T/err" >&2; fail "remount under load, run $k"; }
        retries=$((retries + $(grep -c 'again' "$T/err" || true)))
    done
    echo "namespace binds retried on another CPU: $retries (of 6 cages, 3 fresh namespaces)"
    kill -9 "${pids[@]}"; pids=()
fi
echo "ok"
