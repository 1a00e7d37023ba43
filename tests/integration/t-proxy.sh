#!/usr/bin/env bash
# unshare: -n -i
# unicage-proxyd and the wrapper (issue 15, doc/proxy.md): who calls is the
# kernel's word (SO_PEERCRED, SO_PEERPIDFD, the cage's pid and mount
# namespaces): a process outside any cage, root in a cage, another uid in
# alice's cage, a request that claims another user are refused; the
# command runs as the caller with PROXYEXEC_UID/GID, a clean environment,
# her limits and her cwd mapped into her home on the host; stdin and
# stdout are the caller's descriptors; exit status, death by a signal, a
# forwarded signal; unknown alias refused; proxy.commands errors name
# file:line.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxylib.sh"
proxy_fixture
cat > "$T/etc/proxy.commands" <<CMDS
# the test's commands
helper=$T/bin/t-helper
asroot=root:$T/bin/t-helper
CMDS
expect_exit 0 uc init
expect_exit 0 uc enable alice bob
# root's supplementary groups in the daemon, as a root shell has them: a
# group root is in must give nothing to a caller (review finding)
PROXYD_WRAP="setpriv --groups 0,4242 --"
proxy_start
px() { uc exec "$1" -- unicage-proxyexec "${@:2}"; }

# --- who: the caller's own ids --------------------------------------------------
expect_exit 0 px alice helper id
assert_eq "$(cat "$T/out")" "1001 1001 1001 euid=1001 ruid=1001 PROXYEXEC_UID=1001 PROXYEXEC_GID=1001" "runs as alice"
expect_exit 0 px bob helper id
assert_eq "$(cat "$T/out")" "1002 1002 1002 euid=1002 ruid=1002 PROXYEXEC_UID=1002 PROXYEXEC_GID=1002" "runs as bob"
expect_exit 0 px alice asroot id
assert_eq "$(cat "$T/out")" "0 1001 1001 euid=0 ruid=1001 PROXYEXEC_UID=1001 PROXYEXEC_GID=1001" "a root: alias: effective root, real ids alice's"
expect_exit 0 px alice asroot gids
assert_eq "$(cat "$T/out")" "rgid=1001 egid=1001" "a root: alias keeps her real and effective gid (a setuid-root program would)"
expect_exit 0 px alice helper nnp
assert_grep "NoNewPrivs:	1" "$T/out" "a command as the caller: no_new_privs"
expect_exit 0 px alice asroot nnp
assert_grep "NoNewPrivs:	0" "$T/out" "a command as root keeps its ids at exec: no no_new_privs"
# a request that says it is someone else changes nothing
expect_exit 0 uc exec alice -- env USER=bob LOGNAME=bob PROXYEXEC_UID=0 PROXYEXEC_GID=0 HOME=/home/bob unicage-proxyexec helper id
assert_eq "$(cat "$T/out")" "1001 1001 1001 euid=1001 ruid=1001 PROXYEXEC_UID=1001 PROXYEXEC_GID=1001" "the environment claims nothing"

# --- forged callers -----------------------------------------------------------------
sock=$T/run/proxy/proxyexec.sock
rc=0; UNICAGE_PROXY_SOCKET=$sock "$PROXYEXEC" helper id > "$T/out" 2> "$T/err" || rc=$?
assert_eq "$rc" 2 "root on the host (no cage) is refused"
assert_grep "is not in a cage" "$T/err" "the refusal says why"
rc=0; UNICAGE_PROXY_SOCKET=$sock setpriv --reuid 1001 --regid 1001 --clear-groups "$PROXYEXEC" helper id > "$T/out" 2> "$T/err" || rc=$?
assert_eq "$rc" 2 "alice's uid on the host (no cage) is refused"
[ -s "$T/out" ] && fail "a refused request ran: $(cat "$T/out")"
expect_exit 2 uc enter alice -- unicage-proxyexec helper id
assert_grep "uid 0 is not alice's" "$T/err" "root in alice's cage is refused"
# bob's uid inside alice's cage (her mount and pid namespaces)
slot=$(ls "$T/run/ns" | grep -E '^alice\.[0-9]+$' | sort -t. -k2 -n | tail -n 1)
rc=0; nsenter --mount="$T/run/ns/$slot" --pid="$T/run/ns/alice.pid" -- \
    setpriv --reuid 1002 --regid 1002 --clear-groups /usr/bin/unicage-proxyexec helper id > "$T/out" 2> "$T/err" || rc=$?
assert_eq "$rc" 2 "bob's uid in alice's cage is refused"
assert_grep "uid 1002 is not alice's" "$T/err" "the refusal names the uid"
# alice's uid in her cage's pid namespace, but on the host's files
rc=0; nsenter --pid="$T/run/ns/alice.pid" -- \
    setpriv --reuid 1001 --regid 1001 --clear-groups env UNICAGE_PROXY_SOCKET=$sock "$PROXYEXEC" helper id > "$T/out" 2> "$T/err" || rc=$?
assert_eq "$rc" 2 "alice's pid namespace with the host's mounts is refused"
assert_grep "not in her cage's files" "$T/err" "the refusal says which check"
# a caller holding connections: 32 serving processes per uid, then refused
setpriv --reuid 1001 --regid 1001 --clear-groups /usr/bin/python3 -c '
import socket, sys
held = []
for i in range(32):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); s.connect(sys.argv[1]); held.append(s)
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); s.connect(sys.argv[1])
s.settimeout(5)
print(s.recv(2048)[16:].decode())
' "$sock" > "$T/out"
assert_eq "$(cat "$T/out")" "too many requests at once" "a 33rd connection of one uid is refused"
# callers outside every cage have places of their own: 33 uncaged uids
# holding 32 connections each (more than the 1024 places in all) leave a
# caged caller hers (review finding: they were counted before the refusal)
/usr/bin/python3 - "$sock" "$T/flood.ready" <<'PY' & flood=$!
import os, socket, sys, time
kids = []
for uid in range(3000, 3033):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        os.setgroups([]); os.setgid(uid); os.setuid(uid)
        held = []
        for i in range(32):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            s.connect(sys.argv[1]); held.append(s)
        os.write(w, b"x"); os.close(w)
        time.sleep(8)
        os._exit(0)
    os.close(w); kids.append((pid, r))
for pid, r in kids:
    os.read(r, 1)
open(sys.argv[2], "w").close()
for pid, r in kids:
    os.waitpid(pid, 0)
PY
on_cleanup "kill $flood"
for _ in $(seq 300); do [ -e "$T/flood.ready" ] && break; sleep 0.05; done
[ -e "$T/flood.ready" ] || fail "the uncaged callers did not connect"
expect_exit 0 px alice helper id
assert_eq "$(cat "$T/out")" "1001 1001 1001 euid=1001 ruid=1001 PROXYEXEC_UID=1001 PROXYEXEC_GID=1001" "a caged call works while uncaged callers hold 1056 connections"
wait "$flood"
sleep 0.5
expect_exit 0 px alice helper exit 0
expect_exit 4 px alice no-such-alias
assert_grep "no proxied command no-such-alias" "$T/err" "unknown alias"

# --- environment, cwd, limits ------------------------------------------------------
expect_exit 0 uc exec alice -- env TERM=xterm LANG=C.UTF-8 LC_ALL=../../home/alice/loc EDITOR=evil LD_PRELOAD=/tmp/x.so unicage-proxyexec helper env
assert_grep "^TERM=xterm$" "$T/out" "TERM passes"
assert_grep "^LANG=C.UTF-8$" "$T/out" "LANG passes"
assert_grep "^HOME=/home/alice$" "$T/out" "HOME is hers"
grep -E "^(EDITOR|LD_PRELOAD|LC_ALL)=" "$T/out" && fail "the caller's environment leaked"
expect_exit 0 px alice helper pwd
assert_eq "$(cat "$T/out")" "$h/home/alice" "cwd: the home on the host"
expect_exit 0 uc exec alice -- sh -c 'mkdir -p /home/alice/sub/deeper && cd /home/alice/sub/deeper && unicage-proxyexec helper pwd'
assert_eq "$(cat "$T/out")" "$h/home/alice/sub/deeper" "cwd: mapped into the home"
expect_exit 0 uc exec alice -- sh -c 'cd /tmp && unicage-proxyexec helper pwd'
assert_eq "$(cat "$T/out")" "$h/home/alice" "cwd outside the home: the home"
# a cwd the request makes up: walked in her home without following links
expect_exit 0 uc exec alice -- sh -c 'ln -s /srv /home/alice/up; mkdir -p /home/alice/real; uc-proxy-client helper /home/alice/up -- x pwd; uc-proxy-client helper /home/alice/real/../../bob -- x pwd; uc-proxy-client helper /home/alice/real -- x pwd'
assert_eq "$(cat "$T/out")" "$h/home/alice
exit 0
$h/home/alice
exit 0
$h/home/alice/real
exit 0" "a cwd through a link or .. is not followed: the home"
# a directory in her home that only root's group may enter (root:root, 0070):
# walked as her, with her groups, it is refused (root's groups are gone)
mkdir -p "$h/home/alice/grp/in"; chown 1001:1001 "$h/home/alice/grp/in"
chown 0:0 "$h/home/alice/grp"; chmod 0070 "$h/home/alice/grp"
expect_exit 0 uc exec alice -- uc-proxy-client helper /home/alice/grp/in -- x pwd
assert_eq "$(cat "$T/out")" "$h/home/alice
exit 0" "a cwd through a directory only root's group may enter: the home"
rm -rf "$h/home/alice/grp"
# the request names another user: nothing changes
expect_exit 0 uc exec alice -- uc-proxy-client helper /home/alice USER=bob PROXYEXEC_UID=0 -- x id
assert_eq "$(head -n 1 "$T/out")" "1001 1001 1001 euid=1001 ruid=1001 PROXYEXEC_UID=1001 PROXYEXEC_GID=1001" "a made-up request claims nothing"
expect_exit 0 uc exec alice -- sh -c 'ulimit -n 77; unicage-proxyexec helper limits'
assert_eq "$(cat "$T/out")" "77" "the caller's limits"

# her umask (the daemon's is 022): a file the command creates has hers
expect_exit 0 uc exec alice -- sh -c 'umask 027; unicage-proxyexec helper umask made'
assert_eq "$(cat "$T/out")" "640" "the caller's umask (027)"
expect_exit 0 uc exec alice -- sh -c 'umask 0; unicage-proxyexec helper umask made'
assert_eq "$(cat "$T/out")" "666" "the caller's umask (0)"
# her login uid, where the daemon has none (the kernel lets a process with
# none set it once, to her own and the command's as well)
if [ "$(cat "/proc/$PROXYD_PID/loginuid" 2>/dev/null)" = 4294967295 ]; then
    expect_exit 0 uc exec alice -- sh -c 'echo 1001 > /proc/self/loginuid 2>/dev/null || echo "no loginuid in the cage: $(cat /proc/self/loginuid)" >&2; exec unicage-proxyexec helper loginuid'
    if [ "$(cat "$T/err")" = "" ]; then
        assert_eq "$(cat "$T/out")" "1001" "the caller's login uid"
    else
        echo "t-proxy: loginuid not checked: $(cat "$T/err")"
    fi
    expect_exit 0 uc exec alice -- unicage-proxyexec helper loginuid
    assert_eq "$(cat "$T/out")" "4294967295" "no login uid: none"
else
    echo "t-proxy: loginuid not checked: the daemon has one ($(cat "/proc/$PROXYD_PID/loginuid"))"
fi
# --- descriptors, status, signals ---------------------------------------------------
assert_eq "$(echo from-stdin | uc exec alice -- unicage-proxyexec helper cat)" "from-stdin" "stdin is the caller's"
assert_eq "$(uc exec alice -- sh -c 'unicage-proxyexec helper args a "b c" | wc -l')" "2" "stdout into a pipe in the cage"
rc=0; px alice helper exit 7 || rc=$?
assert_eq "$rc" 7 "the exit status comes back"
expect_exit 0 uc exec alice -- sh -c 'unicage-proxyexec helper kill TERM; echo "status=$?"'
assert_eq "$(cat "$T/out")" "status=143" "death by a signal: the wrapper dies of it"
expect_exit 0 uc exec alice -- sh -c 'unicage-proxyexec helper trap > /tmp/trap.out & p=$!; i=0; while ! grep -q ready /tmp/trap.out 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done; kill -TERM $p; wait $p; echo "status=$?"; cat /tmp/trap.out'
assert_eq "$(cat "$T/out")" "status=42
ready
got-TERM" "a signal to the wrapper reaches the command"

# --- configuration errors ---------------------------------------------------------------
printf 'good=/bin/true\nbad line\n' > "$T/etc/custom.proxy.commands"
expect_exit 1 px alice helper id
assert_grep "the proxy's configuration has an error" "$T/err" "the caller is told"
grep -q "$T" "$T/err" && fail "the caller is told the host's paths"
sleep 0.1
assert_grep "custom.proxy.commands:2: expected ALIAS" "$T/proxyd.log" "a bad line names file:line in the log"
printf 'helper=nobody-here/x\n' > "$T/etc/custom.proxy.commands"
expect_exit 1 px alice helper id
sleep 0.1
assert_grep "custom.proxy.commands:1: the program must be" "$T/proxyd.log" "a relative program is refused"
printf 'helper=/bin/true\n' > "$T/etc/custom.proxy.commands"
expect_exit 0 px alice helper id
assert_eq "$(cat "$T/out")" "" "custom.proxy.commands replaces an alias"
rm "$T/etc/custom.proxy.commands"

# --- restrict_path: a file option's value is opened in her home by the daemon -------
mkdir -p "$T/etc/filters"
echo "reader=$T/bin/t-helper" >> "$T/etc/proxy.commands"
printf '{"restrict_path": ["--file"], "strict_options": true, "operands": ["read"]}\n' > "$T/etc/filters/reader.json"
expect_exit 0 uc exec alice -- sh -c 'echo hers > /home/alice/note; ln -sf /etc/hostname /home/alice/hostlink; mkdir -p /home/alice/dd; cd /home/alice && unicage-proxyexec reader read --file note; unicage-proxyexec reader read --file /home/alice/note; unicage-proxyexec reader read --file=/home/alice/note'
assert_eq "$(cat "$T/out")" "hers
hers
hers" "restrict_path: her file, as a descriptor"
for bad in /home/alice/hostlink /etc/passwd /home/alice/../bob/x /home/alice; do
    expect_exit 2 uc exec alice -- unicage-proxyexec reader read --file "$bad"
    assert_grep "is not a file in alice's home" "$T/err" "restrict_path refuses $bad"
done
# opened as her, for reading: a file of hers she may not read, a file
# that is not hers, one with a second link (a hardlink to a file she
# could not read otherwise must not pass)
echo unreadable > "$h/home/alice/noread"; chown 1001:1001 "$h/home/alice/noread"; chmod 0200 "$h/home/alice/noread"
echo roots > "$h/secret"; chmod 0640 "$h/secret"; chgrp 4242 "$h/secret"; ln "$h/secret" "$h/home/alice/hl"
echo twice > "$h/home/alice/two"; chown 1001:1001 "$h/home/alice/two"; ln "$h/home/alice/two" "$h/two-other"
echo group4242 > "$h/home/alice/grpfile"; chown 0:4242 "$h/home/alice/grpfile"; chmod 0640 "$h/home/alice/grpfile"
for c in "noread:she may not open it so" "hl:not hers" "two:it has more than one link" "grpfile:not hers"; do
    expect_exit 2 uc exec alice -- unicage-proxyexec reader read --file "/home/alice/${c%%:*}"
    assert_grep "is not a file in alice's home (${c#*:}" "$T/err" "restrict_path refuses ${c%%:*}: ${c#*:}"
    [ -s "$T/out" ] && fail "restrict_path gave ${c%%:*}: $(cat "$T/out")"
done
# the mode the filter says: restrict_path reads only, restrict_path_write
# opens for writing too
echo "writer=$T/bin/t-helper" >> "$T/etc/proxy.commands"
printf '{"restrict_path": ["--in"], "restrict_path_write": ["--out"], "strict_options": true, "operands": ["wfd"]}\n' > "$T/etc/filters/writer.json"
expect_exit 0 uc exec alice -- sh -c 'echo old > /home/alice/w; unicage-proxyexec writer wfd --out /home/alice/w; cat /home/alice/w'
assert_eq "$(cat "$T/out")" "written" "restrict_path_write: the command writes through the descriptor"
rc=0; uc exec alice -- sh -c 'echo old > /home/alice/w; unicage-proxyexec writer wfd --in /home/alice/w; cat /home/alice/w' > "$T/out" 2> "$T/err" || rc=$?
assert_eq "$(tail -n 1 "$T/out")" "old" "restrict_path: the descriptor is read-only"
# a refusal naming an argument with a newline and an escape sequence in
# it: one line in the log, escaped (no line of the daemon's forged)
expect_exit 2 uc exec alice -- unicage-proxyexec reader read "$(printf -- '--x\nunicage-proxyd: refused: forged\033[2J')"
sleep 0.1
grep -q "^unicage-proxyd: refused: forged" "$T/proxyd.log" && fail "a caller's argument forged a log line"
grep -q "$(printf '\033')" "$T/proxyd.log" && fail "a caller's escape sequence reached the log"
assert_grep 'option --x\\nunicage-proxyd: refused: forged\\x1b\[2J is not allowed' "$T/proxyd.log" "the argument is logged escaped"
printf '{"restrict_path": ["--file"], "denny": []}\n' > "$T/etc/filters/reader.json"
expect_exit 1 uc exec alice -- unicage-proxyexec reader read --file /home/alice/note
sleep 0.1
assert_grep "reader.json: unknown key \"denny\"" "$T/proxyd.log" "a bad filter names its file in the log"
# --- proxy_max_seconds: the command's process group is killed -----------------
echo "proxy_max_seconds = 2" >> "$UNICAGE_CONFIG"
proxy_restart
expect_exit 0 uc exec alice -- sh -c 'unicage-proxyexec helper sleep; echo "status=$?"'
assert_eq "$(cat "$T/out")" "status=143" "a command past proxy_max_seconds dies of SIGTERM"
# one that ignores SIGTERM gets SIGKILL 5 s later, and so does what it started
expect_exit 0 uc exec alice -- sh -c 'unicage-proxyexec helper hang bgpid; echo "status=$?"'
assert_eq "$(cat "$T/out")" "status=137" "a command ignoring SIGTERM dies of SIGKILL"
bg=$(cat "$h/home/alice/bgpid")
sleep 0.2
# (a zombie waiting for this machine's pid 1 to reap it is dead)
st=$(sed -n 's/^State:\t\(.\).*/\1/p' "/proc/$bg/status" 2>/dev/null || true)
[ -z "$st" ] || [ "$st" = Z ] || { kill "$bg"; fail "the command's background child outlived the time-out"; }
assert_grep "helper of alice: killed after 2 s (proxy_max_seconds)" "$T/proxyd.log" "the time-out is logged"
sed -i '/^proxy_max_seconds/d' "$UNICAGE_CONFIG"
# --- StrictModes: what root reads at every request is root's, and no group
# or other may write it (the file, or its directory) --------------------------
strict() { # WHAT-TO-GREP: the request is refused, the log names the file
    expect_exit 1 px alice helper id
    assert_grep "the proxy's configuration has an error" "$T/err" "$1: the caller is told"
    sleep 0.1
    assert_grep "$1.*refused (the proxy reads only what root owns" "$T/proxyd.log" "$1: the log names it"
}
expect_exit 0 px alice helper id
chmod g+w "$T/etc/proxy.commands"; strict "$T/etc/proxy.commands: owner uid 0, mode 0664"
chmod 0644 "$T/etc/proxy.commands"
echo "helper=$T/bin/t-helper" > "$T/etc/custom.proxy.commands"; chown 1001 "$T/etc/custom.proxy.commands"
strict "$T/etc/custom.proxy.commands: owner uid 1001"
rm "$T/etc/custom.proxy.commands"
echo "helper=$T/bin/t-helper" > "$T/etc/php.proxy.commands"; chmod o+w "$T/etc/php.proxy.commands"
strict "$T/etc/php.proxy.commands: owner uid 0, mode 0646"
rm "$T/etc/php.proxy.commands"
ln -s "$T/etc/proxy.commands" "$T/etc/link.proxy.commands"
expect_exit 1 px alice helper id
rm "$T/etc/link.proxy.commands"
chmod g+w "$T/etc"; strict "$T/etc: owner uid 0, mode 0775"
chmod 0755 "$T/etc"
printf '{"comment": "x"}\n' > "$T/etc/filters/helper.json"
expect_exit 0 px alice helper id
chmod o+w "$T/etc/filters/helper.json"; strict "$T/etc/filters/helper.json: owner uid 0, mode 0646"
chmod 0644 "$T/etc/filters/helper.json"; chmod g+w "$T/etc/filters"
strict "$T/etc/filters: owner uid 0, mode 0775"
chmod 0755 "$T/etc/filters"; chown 1001 "$T/etc/filters/helper.json"
strict "$T/etc/filters/helper.json: owner uid 1001"
rm "$T/etc/filters/helper.json"
expect_exit 0 px alice helper id
# --- bind mode: the socket directory in the cage's own /dev --------------------------
expect_exit 0 uc umount-all
echo "cage_mode = bind" >> "$UNICAGE_CONFIG"
expect_exit 0 px alice helper id
assert_eq "$(cat "$T/out")" "1001 1001 1001 euid=1001 ruid=1001 PROXYEXEC_UID=1001 PROXYEXEC_GID=1001" "bind mode: the proxy works"
expect_exit 0 uc exec alice -- sh -c 'ls /dev/unicage-proxy; ls -d /run/unicage/proxy 2>/dev/null || echo no-run'
assert_eq "$(cat "$T/out")" "proxyexec.sock
no-run" "bind mode: the socket in /dev/unicage-proxy"
expect_exit 0 uc umount-all
echo "t-proxy: ok"
