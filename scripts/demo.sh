#!/usr/bin/env bash
# The unicage demo: a fake host tree with real RPMs (built here with rpmbuild)
# installed into its own private rpmdb, then rpmscan, unify, vdu, the
# skeleton, and cages for two users built over it.
# Touches nothing of this machine: everything lives in a temporary directory
# (kept with KEEP=1) and runs against a private unicage.conf.
#   scripts/demo.sh /abs/path/to/unicage
set -euo pipefail
UC=${1:?usage: demo.sh UNICAGE_BINARY}
src=$(cd "$(dirname "$0")/.." && pwd)
# cages are mount namespaces: the demo runs in one of its own, so that
# nothing it mounts is ever in this machine's mount table
if [ -z "${UC_DEMO_NS:-}" ]; then
    UC_DEMO_NS=1 exec unshare -m --propagation private "$0" "$@"
fi
demo=$(mktemp -d "${TMPDIR:-/tmp}/unicage-demo.XXXXXX")
# unified files are immutable (+i): clear that before removing the tree
cleanup() {
    set +e
    [ -n "${proxyd:-}" ] && kill "$proxyd" 2>/dev/null
    "$(dirname "$0")/stop-cage-inits.sh" "$demo"
    findmnt -rn -o TARGET | grep "^$demo" | sort -r | while read -r m; do umount -l "$m"; done
    chattr -R -i "$demo" 2>/dev/null
    rm -rf "$demo"
}
[ "${KEEP:-0}" = 1 ] || trap cleanup EXIT
export UNICAGE_CONFIG=$demo/unicage.conf
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

step "Build fixture RPMs with rpmbuild and install them into a fake host ($demo/host)"
"$src/scripts/make-fixture-rpms.sh" "$demo/rpms" >/dev/null
"$src/scripts/make-fixture-root.sh" "$demo/host" "$demo/rpms"
# and a few real commands of this machine, so that cages can run something
"$src/scripts/make-cage-host.sh" "$demo/host" sh cat ls id sleep stat grep chattr
mkdir -p "$demo/host/home/alice" "$demo/host/home/bob"
chown 1001:1001 "$demo/host/home/alice"; chown 1002:1002 "$demo/host/home/bob"
chmod 0700 "$demo/host/home/alice" "$demo/host/home/bob"
cat >> "$demo/host/etc/passwd" <<'PW'
alice:x:1001:1001:Alice:/home/alice:/bin/sh
bob:x:1002:1002:Bob:/home/bob:/bin/sh
PW
printf 'alice:x:1001:\nbob:x:1002:\n' >> "$demo/host/etc/group"
ls "$demo/rpms"
mkdir -p "$demo/etc/conf.d"
cat > "$UNICAGE_CONFIG" <<CONF
# private configuration of this demo
sysroot = $demo/host
state_dir = $demo/state
config_dir = $demo/etc
run_dir = $demo/run
passwd_file = $demo/host/etc/passwd
group_file = $demo/host/etc/group
CONF
echo "unicage.conf: sysroot = $demo/host (rpmdb at /var/lib/rpm inside it)"

step "Every file of every installed package, classified"
run "$UC" rpmscan --all

step "Only what uc-base needs: --requires resolves names, provides and file deps"
printf '$ %s\n' "$UC rpmscan --requires uc-base --tsv | cut -f1 | sort | uniq -c"
"$UC" rpmscan --requires uc-base --tsv | tail -n +2 | cut -f1 | sort | uniq -c

step "A local change on the host: --verify agrees with rpm -V, and the class follows"
printf 'patched!\n' >> "$demo/host/usr/bin/uc-tool"
chmod 0700 "$demo/host/usr/lib/uc-lib/libuc.so.1"
run "$UC" rpmscan --verify uc-base uc-lib | grep -v '\.\.\.\.\.\.\.\.\.' || true
echo "--- rpm -V says:"
rpm --root "$demo/host" --dbpath /var/lib/rpm -V --nodeps uc-base uc-lib || true

step "JSON for control panels"
run "$UC" rpmscan --json uc-core
step "A .rpm file read directly (nothing installed)"
run "$UC" rpmscan --rpm "$demo/rpms/uc-lib-1.0-1.noarch.rpm"
step "unify (vunify): two guests copied from the host, their duplicates made one immutable object"
cp -a "$demo/host" "$demo/guest1"
cp -a "$demo/host" "$demo/guest2"
echo "locally changed in guest2" >> "$demo/guest2/usr/share/uc-base/data.txt"
run "$UC" vdu -s "$demo/guest1" "$demo/guest2"
run "$UC" unify --rpmdb -v "$demo/guest1" "$demo/guest2" | grep -v "skipped: excluded" || true
echo "--- objects are +i, one inode for both guests; %config and changed files stay apart:"
ls -li "$demo/guest1/usr/bin/uc-tool" "$demo/guest2/usr/bin/uc-tool" \
    "$demo/guest1/usr/lib/uc-base/os-release" "$demo/guest2/usr/lib/uc-base/os-release" \
    "$demo/guest1/usr/share/uc-base/data.txt" "$demo/guest2/usr/share/uc-base/data.txt"
lsattr "$demo/guest1/usr/bin/uc-tool"
run "$UC" vdu -s --inodes "$demo/guest1" "$demo/guest2" "$demo/state/store"
step "unify --split: a private, writable copy again"
run "$UC" unify --split "$demo/guest2/usr/bin/uc-tool"
ls -li "$demo/guest1/usr/bin/uc-tool" "$demo/guest2/usr/bin/uc-tool"

step "The skeleton: rpm.list packages + conf.d paths - black.list, in generations"
cat > "$demo/etc/conf.d/base.cfg" <<'CFG'
[base]
comment=accounts and commands every cage needs
paths=/etc/passwd, /etc/group, /usr/bin, /usr/lib, /usr/lib64, /bin, /lib, /lib64
CFG
echo "/usr/share/licenses" > "$demo/etc/black.list"
run "$UC" addrpm --requires uc-base
run "$UC" init
echo "--- shared files are +i objects, config files private copies, stubs name their objects:"
cur="$demo/state/skel/current"
ls -li "$cur/tree/usr/bin/uc-tool" "$cur/tree/etc/uc-base/base.conf"
lsattr "$cur/tree/usr/bin/uc-tool"
stat -c '%n: %s bytes, %b blocks' "$cur/stubs/usr/bin/uc-tool"
getfattr --absolute-names -d -m trusted.overlay "$cur/stubs/usr/bin/uc-tool"
run "$UC" update

step "Cages: alice and bob, each a persisted mount namespace over the skeleton"
run "$UC" enable alice bob
run "$UC" mount alice bob
run "$UC" list
ns=$demo/run/ns
in_alice() { printf '$ nsenter --mount=%s --pid=%s %s\n' "$ns/alice.$1" "$ns/alice.pid" "${*:2}"; nsenter --mount="$ns/alice.$1" --pid="$ns/alice.pid" --ipc="$ns/alice.ipc" "${@:2}"; }
in_alice 1 cat /etc/passwd
in_alice 1 ls /home
echo "--- its mounts (mount point, source):"
in_alice 1 cat /proc/self/mountinfo | cut -d" " -f5,9 | column -t
echo "--- bob runs a process; alice's cage has a pid namespace of its own: /proc shows only hers:"
"$UC" exec bob -- sleep 60 & bobs=$!
sleep 0.2
echo "\$ $UC exec alice -- ls /proc   (bob's sleep runs in his own cage)"
"$UC" exec alice -- ls /proc | tr '\n' ' '; echo
kill "$bobs"; wait "$bobs" 2>/dev/null || true
echo "--- root in alice's cage rewrites a shared file: alice's copy only, the object stays +i:"
in_alice 1 sh -c 'echo "alice was here" > /usr/bin/uc-tool; cat /usr/bin/uc-tool'
printf '$ nsenter --mount=%s cat /usr/bin/uc-tool\n' "$ns/bob.1"
nsenter --mount="$ns/bob.1" cat /usr/bin/uc-tool
lsattr "$cur/tree/usr/bin/uc-tool"
echo "--- alice's upper holds her change: $(find "$demo/state/cages/01/alice/upper" -type f | sed "s|$demo/||")"

step "exec: commands as the user in the cage (cron, panels); enter: a root repair shell"
run "$UC" exec alice -- id
run "$UC" exec alice -- sh -c 'grep -E "^(CapEff|NoNewPrivs)" /proc/self/status; pwd'
echo "\$ $UC exec alice -- sh -c 'exit 7'"; "$UC" exec alice -- sh -c 'exit 7' || echo "exit $?"
run "$UC" enter alice -- sh -c 'id -u; grep ^CapBnd /proc/self/status; chattr +i /usr/bin/uc-tool || echo "root in the cage cannot set +i"'
"$UC" disable bob > /dev/null
echo "\$ $UC exec bob -- id      (bob is disabled)"; "$UC" exec bob -- id || echo "exit $?"
"$UC" enable bob > /dev/null
run "$UC" check

step "A package update on the host: a new generation, new slots; running processes keep theirs"
rpm --root "$demo/host" --dbpath /var/lib/rpm --nodeps --noscripts --replacefiles \
    -U "$demo/rpms/upgrade/uc-base-1.1-1.noarch.rpm" 2>/dev/null || true
echo "\$ rpm -U uc-base-1.1 on the host"
"$UC" exec alice -- sleep 30 & old=$!
sleep 0.3
run "$UC" update
run "$UC" mount alice
run "$UC" list
echo "--- slot 1 (a process still runs there) keeps generation 1, slot 2 has the update:"
in_alice 1 cat /usr/share/uc-base/data.txt
in_alice 2 cat /usr/share/uc-base/data.txt
kill "$old"; wait "$old" 2>/dev/null || true
run "$UC" remount-all
run "$UC" status
run "$UC" umount-all

step "export and import: alice's cage as one archive (never the skeleton), into bob's account"
run "$UC" export alice -o "$demo/alice.tar.zst"
echo "\$ tar --zstd -tvf $demo/alice.tar.zst"
tar --zstd -tvf "$demo/alice.tar.zst" 2>/dev/null | sed -n 1,8p
run "$UC" import --user bob --force "$demo/alice.tar.zst"
echo "--- bob's upper now holds alice's change, owned as before (root):"
ls -l "$demo/state/cages/02/bob/upper/usr/bin/uc-tool"
printf 'evil\n' > "$demo/evil"; tar --zstd -cf "$demo/evil.tar.zst" -C "$demo" evil
echo "\$ $UC import $demo/evil.tar.zst      (not a cage archive)"
"$UC" import "$demo/evil.tar.zst" || echo "exit $?"

step "Executing by proxy: a command run outside every cage, for the caller the kernel names"
bin=$(dirname "$UC")
echo "uc-id:/usr/bin/uc-id=/usr/bin/id" | tee "$demo/etc/proxy.commands"
echo "--- update puts the wrapper (one immutable object) at /usr/bin/uc-id in the skeleton:"
run "$UC" update
cmp -s "$demo/state/skel/current/tree/usr/bin/uc-id" "$bin/unicage-proxyexec" && echo "/usr/bin/uc-id in the skeleton is unicage-proxyexec"
"$UC" remount-all > /dev/null
"$bin/unicage-proxyd" --foreground > "$demo/proxyd.log" 2>&1 & proxyd=$!
for _ in $(seq 100); do [ -S "$demo/run/proxy/proxyexec.sock" ] && break; sleep 0.05; done
echo "\$ $UC exec alice -- uc-id      (the host's /usr/bin/id, as alice, in her home on the host)"
"$UC" exec alice -- uc-id
echo "\$ unicage-proxyexec uc-id      (from outside every cage: refused)"
UNICAGE_PROXY_SOCKET=$demo/run/proxy/proxyexec.sock "$bin/unicage-proxyexec" uc-id || echo "exit $?"
kill "$proxyd"; wait "$proxyd" 2>/dev/null || true; proxyd=

rhel=${UNICAGE_SHARED:-$src/../shared}/data/rootfs/ubi8-micro-8.4-84.x86_64.rootfs.tar.xz
if [ -f "$rhel" ]; then
    step "A real RHEL 8.4 host (UBI micro rootfs): its skeleton, and a login shell in a cage"
    r=$demo/rhel
    mkdir -p "$r" "$demo/rhel-etc/conf.d"
    tar --numeric-owner -xpf "$rhel" -C "$r"
    mkdir -p "$r/home/alice"; chown 1001:1001 "$r/home/alice"; chmod 0700 "$r/home/alice"
    echo 'alice:x:1001:1001:Alice:/home/alice:/bin/bash' >> "$r/etc/passwd"
    echo 'alice:x:1001:' >> "$r/etc/group"
    export UNICAGE_CONFIG=$demo/rhel.conf
    printf '%s\n' "sysroot = $r" "state_dir = $demo/rhel-state" "config_dir = $demo/rhel-etc" \
        "run_dir = $demo/rhel-run" "passwd_file = $r/etc/passwd" "group_file = $r/etc/group" > "$UNICAGE_CONFIG"
    echo "unicage.conf: sysroot = $r ($(HOME=$demo rpm --root "$r" --dbpath /var/lib/rpm -qa 2>/dev/null | wc -l) packages, merged /usr)"
    printf '$ %s\n' "$UC addrpm --requires bash coreutils"
    "$UC" addrpm --requires bash coreutils | tr '\n' ' ' | fold -s -w 100; echo
    echo "--- a cfg as CageFS documents them (no [section]), with /bin and /lib64 names:"
    printf 'comment=a hosting shell\npaths=/bin/bash, /lib64/libtinfo.so.6, /etc/profile, /etc/bashrc\n' |
        tee "$demo/rhel-etc/conf.d/hosting.cfg"
    run "$UC" init | grep -E "generation|^  (paths|shared|elf_)"
    run "$UC" enable alice
    run "$UC" mount alice
    printf '$ %s | grep -E "%s"\n' "$UC exec alice -- bash -lc 'id; cat /etc/redhat-release; ldconfig -p'" "^uid|^Red Hat|libc.so.6 "
    "$UC" exec alice -- bash -lc 'id; cat /etc/redhat-release; ldconfig -p' | grep -E "^uid|^Red Hat|libc.so.6 "
    printf '$ %s | grep ELF\n' "$UC check --full"
    "$UC" check --full | grep ELF
    run "$UC" umount-all
else
    step "A real RHEL 8.4 host: skipped ($rhel is not here)"
fi

step "Errors: exit codes 4 (not found) and 3 (bad request), JSON envelope"
"$UC" rpmscan no-such-package || echo "exit $?"
"$UC" --json rpmscan --sysroot "$demo/nowhere" --all || echo "exit $?"
echo
[ "${KEEP:-0}" = 1 ] && echo "demo tree kept in $demo" || true
