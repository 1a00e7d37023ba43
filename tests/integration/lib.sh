# Sourced by every integration test. Runs inside `unshare -m --propagation
# private` (run.sh), as root. Gives the test:
#   $T          its own temporary directory, removed on exit (after every
#               mount under it is unmounted and +i cleared)
#   $UC         the unicage binary;  uc ARGS  runs it with the private config
#   fixture_rpms, fixture_root DIR    the fixture RPMs and a fake host with them
#   fail MSG, skip MSG, expect_exit CODE CMD..., assert_eq A B MSG
set -euo pipefail
# script(1) runs its command with $SHELL, and CI may start with none (then
# it is /bin/sh, dash here): the tests' commands are bash
export SHELL=/bin/bash
UC=${UNICAGE_BIN:?run through tests/integration/run.sh}
T=$(mktemp -d /tmp/unicage-test.XXXXXX)

# on_cleanup CMD...: run CMD first thing at exit (stop a test's background
# processes before their mounts go).
CLEANUP_CMDS=()
on_cleanup() { CLEANUP_CMDS+=("$*"); }

cleanup() {
    local rc=$?
    set +e +o pipefail
    local c
    for c in "${CLEANUP_CMDS[@]}"; do eval "$c" 2>/dev/null; done
    # the cages' inits (one per user) would outlive the test
    "$UNICAGE_SRC/scripts/stop-cage-inits.sh" "$T"
    # Unmount everything below $T, deepest first, then clear immutable flags.
    if command -v findmnt >/dev/null; then
        findmnt -rn -o TARGET | grep "^$T" | sort -r | while read -r m; do
            umount -l "$m" 2>/dev/null
        done
    fi
    chattr -R -i "$T" 2>/dev/null || true
    rm -rf "$T"
    exit $rc
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "$*"; exit 77; }

# Never touch the machine's configuration: every run reads $T/unicage.conf.
export UNICAGE_CONFIG=$T/unicage.conf
: > "$UNICAGE_CONFIG"
uc() { "$UC" "$@"; }

# expect_exit CODE CMD...: run CMD, check its exit code; its stdout/stderr are
# kept in $T/out and $T/err.
expect_exit() {
    local want=$1; shift
    local rc=0
    "$@" > "$T/out" 2> "$T/err" || rc=$?
    if [ "$rc" != "$want" ]; then
        echo "--- stdout:" >&2; head -c 2000 "$T/out" >&2
        echo "--- stderr:" >&2; head -c 2000 "$T/err" >&2
        fail "'$*' exited $rc, expected $want"
    fi
}

assert_eq() {
    [ "$1" == "$2" ] || fail "$3: got '$1', expected '$2'"
}

assert_grep() { # PATTERN FILE MSG
    grep -q -- "$1" "$2" || { cat "$2" >&2; fail "$3: no '$1' in $2"; }
}

# The fixture RPMs, built once per run (scripts/make-fixture-rpms.sh).
fixture_rpms() {
    local dir=${UC_FIXTURE_CACHE:-$T}/rpms
    if [ ! -e "$dir/.done" ]; then
        (
            flock 9
            [ -e "$dir/.done" ] || { "$UNICAGE_SRC/scripts/make-fixture-rpms.sh" "$dir" >/dev/null && touch "$dir/.done"; }
        ) 9> "${UC_FIXTURE_CACHE:-$T}/.lock"
    fi
    echo "$dir"
}

# A fake host tree with the fixture RPMs in its private rpmdb.
fixture_root() {
    "$UNICAGE_SRC/scripts/make-fixture-root.sh" "$1" "$(fixture_rpms)"
}

have_shared() { [ -d "$UNICAGE_SHARED/data" ]; }

sha() { sha256sum "$@" | awk '{print $1}'; }

# A full listing of trees: path, type, mode, owner, size, content hash,
# link count, inode (relative per listing), immutable flag, xattrs.
listing() {
    python3 "$UNICAGE_SRC/tests/integration/listing.py" "$@"
}
inode() { stat -c %i "$1"; }
links() { stat -c %h "$1"; }
is_immutable() { lsattr -d "$1" 2>/dev/null | cut -c5 | grep -q i; }

# scratch_ext4 DIR [MB]: mount a fresh ext4 filesystem (loop image) on DIR,
# private to this test's mount namespace. The machine's root filesystem is
# mounted with discard, which makes every file creation and unlink cost about
# a millisecond; a test that creates tens of thousands of files runs on its
# own small ext4 instead. Without loop devices, DIR is a plain directory.
scratch_ext4() {
    local dir=$1 mb=${2:-256}
    mkdir -p "$dir"
    truncate -s "${mb}M" "$T/.scratch.img"
    if mkfs.ext4 -q -F -I 256 "$T/.scratch.img" 2>/dev/null &&
        mount -o loop "$T/.scratch.img" "$dir" 2>/dev/null; then
        rmdir "$dir/lost+found" 2>/dev/null || true
        return 0
    fi
    rm -f "$T/.scratch.img"
    echo "note: no loop device; $dir is a plain directory" >&2
}

# cage_fixture: a fake host for cages in $T (h=$T/fs/host on a scratch ext4):
# the fixture RPMs plus real commands of this machine, alice (1001) and bob
# (1002) in $T/passwd with homes in the host, /srv directories for cage.mp,
# conf.d, black.list and rpm.list, and unicage.conf (run_dir $T/run).
cage_fixture() {
scratch_ext4 "$T/fs" 256
h=$T/fs/host
fixture_root "$h"
"$UNICAGE_SRC/scripts/make-cage-host.sh" "$h" sh cat ls id sleep touch rm chmod stat mkdir
mkdir -p "$h/home/alice" "$h/home/bob" "$h/tmp" "$h/var/tmp" "$h/proc" "$h/dev" \
    "$h/srv/shared" "$h/srv/ro" "$h/srv/split/alice" "$h/srv/split/bob"
chown 1001:1001 "$h/home/alice"; chown 1002:1002 "$h/home/bob"
chmod 0700 "$h/home/alice" "$h/home/bob"
chmod 1777 "$h/srv/shared"
echo "read only" > "$h/srv/ro/file"
echo "alice's part" > "$h/srv/split/alice/file"
echo "bob's part" > "$h/srv/split/bob/file"
: > "$h/srv/socket-file"
cat > "$T/passwd" <<'PW'
root:x:0:0:root:/root:/bin/sh
daemon:x:2:2:daemon:/:/usr/sbin/nologin
alice:x:1001:1001:Alice:/home/alice:/bin/sh
bob:x:1002:1002:Bob:/home/bob:/bin/sh
PW
printf 'root:x:0:\nalice:x:1001:\nbob:x:1002:\n' > "$T/group"
cp "$T/passwd" "$h/etc/passwd"; cp "$T/group" "$h/etc/group"
mkdir -p "$T/etc/conf.d"
cat > "$T/etc/conf.d/base.cfg" <<'CFG'
[base]
comment=commands, their libraries, accounts and the mount points bind mode needs
paths=/usr/bin, /usr/sbin, /usr/lib, /usr/lib64, /bin, /sbin, /lib, /lib64,
    /etc/passwd, /etc/group, /tmp, /var/tmp, /proc, /dev, /home, /srv
CFG
printf '/home/*\n/srv/*\n' > "$T/etc/black.list"
printf 'uc-base\nuc-lib\nuc-core\n' > "$T/etc/rpm.list"
cat > "$UNICAGE_CONFIG" <<CONF
sysroot = $h
config_dir = $T/etc
state_dir = $T/fs/state
run_dir = $T/run
passwd_file = $T/passwd
group_file = $T/group
CONF
}

# on_terminal CMD: CMD (a shell command line) run by script(1) on a
# terminal of its own, its output on stdout. script's stdin is a pipe that
# stays open and says nothing: at the end of its stdin script writes an EOF
# character to the terminal, which races with what the command reads or a
# probe injects (with < /dev/null it lands at once).
on_terminal() {
    local quiet rc=0
    rm -f "$T/.quiet"; mkfifo "$T/.quiet"
    sleep 60 > "$T/.quiet" & quiet=$!
    timeout 60 script -qec "$1" /dev/null < "$T/.quiet" || rc=$?
    kill "$quiet" 2>/dev/null; wait "$quiet" 2>/dev/null || true
    return $rc
}

# rhel_root DIR: the real RHEL 8.4 (UBI micro) root filesystem of
# ../shared/data/rootfs extracted into DIR as its README says (root,
# numeric owners, modes kept). Skips the test without ../shared.
rhel_root() {
    local tarball=$UNICAGE_SHARED/data/rootfs/ubi8-micro-8.4-84.x86_64.rootfs.tar.xz
    [ -f "$tarball" ] || skip "no real RHEL rootfs ($tarball): ../shared/data is missing"
    mkdir -p "$1"
    tar --numeric-owner -xpf "$tarball" -C "$1"
}

# rhel_fixture: cage_fixture's shape on the real RHEL rootfs ($h =
# $T/fs/host on a scratch ext4): alice (1001) and bob (1002) with homes,
# unicage.conf with config_dir $T/etc (conf.d/ and black.list empty,
# rpm.list empty), state on the same scratch fs. Tests add what they take.
rhel_fixture() {
    scratch_ext4 "$T/fs" "${1:-512}"
    h=$T/fs/host
    rhel_root "$h"
    mkdir -p "$h/home/alice" "$h/home/bob"
    chown 1001:1001 "$h/home/alice"; chown 1002:1002 "$h/home/bob"
    chmod 0700 "$h/home/alice" "$h/home/bob"
    cp "$h/etc/passwd" "$T/passwd"; cp "$h/etc/group" "$T/group"
    cat >> "$T/passwd" <<'PW'
alice:x:1001:1001:Alice Example:/home/alice:/bin/bash
bob:x:1002:1002:Bob Example:/home/bob:/bin/bash
PW
    printf 'alice:x:1001:\nbob:x:1002:\n' >> "$T/group"
    cp "$T/passwd" "$h/etc/passwd"; cp "$T/group" "$h/etc/group"
    mkdir -p "$T/etc/conf.d"
    : > "$T/etc/black.list"; : > "$T/etc/rpm.list"
    cat > "$UNICAGE_CONFIG" <<CONF
sysroot = $h
config_dir = $T/etc
state_dir = $T/fs/state
run_dir = $T/run
passwd_file = $T/passwd
group_file = $T/group
CONF
}
