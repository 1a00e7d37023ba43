#!/usr/bin/env bash
# Bad input: each a clear error with the right exit code, and the database
# files unchanged. The rpmdb is never created, written or locked by a scan.
. "$(dirname "$0")/lib.sh"
fixture_root "$T/root"
r=$T/root db=$T/root/var/lib/rpm
rpms=$(fixture_rpms)

# Missing database: exit 4, and no empty database appears (librpm would
# create one if asked naively).
mkdir -p "$T/none"
expect_exit 4 uc rpmscan --sysroot "$T/none" --all
assert_grep "no rpm database" "$T/err" "missing db message"
[ -z "$(find "$T/none" -mindepth 1)" ] || fail "a scan created files in an empty sysroot"
mkdir -p "$T/empty/var/lib/rpm"
expect_exit 4 uc rpmscan --sysroot "$T/empty" --all
expect_exit 4 uc rpmscan --sysroot "$T/empty" --dbpath /var/lib/rpm uc-core
[ -z "$(ls -A "$T/empty/var/lib/rpm")" ] || fail "a scan created a database in an empty directory"
expect_exit 4 uc rpmscan --sysroot "$T/nosuchdir" --all

# Truncated databases (sqlite and Berkeley DB): exit 3, main file unchanged.
mkdir -p "$T/trunc/var/lib/rpm"
head -c 40000 "$db/rpmdb.sqlite" > "$T/trunc/var/lib/rpm/rpmdb.sqlite"
sum=$(sha "$T/trunc/var/lib/rpm/rpmdb.sqlite")
expect_exit 3 uc rpmscan --sysroot "$T/trunc" --all
assert_grep "rpm database" "$T/err" "truncated sqlite message"
assert_eq "$(sha "$T/trunc/var/lib/rpm/rpmdb.sqlite")" "$sum" "truncated sqlite db changed"
: > "$T/trunc/var/lib/rpm/rpmdb.sqlite"
expect_exit 3 uc rpmscan --sysroot "$T/trunc" --all
assert_eq "$(stat -c %s "$T/trunc/var/lib/rpm/rpmdb.sqlite")" 0 "empty sqlite db was initialised"
if have_shared; then
    mkdir -p "$T/bdb/var/lib/rpm"
    head -c 30000 "$UNICAGE_SHARED/data/rpmdb/libuuid/Packages" > "$T/bdb/var/lib/rpm/Packages"
    sum=$(sha "$T/bdb/var/lib/rpm/Packages")
    expect_exit 3 uc rpmscan --sysroot "$T/bdb" --all --tsv
    assert_grep "corrupt" "$T/err" "truncated bdb message"
    [ "$(wc -l < "$T/out")" -le 1 ] || fail "records printed from a corrupt database"
    expect_exit 3 uc rpmscan --sysroot "$T/bdb" libuuid
    assert_eq "$(sha "$T/bdb/var/lib/rpm/Packages")" "$sum" "truncated bdb changed"
    # the intact one is read through bdb_ro (no index files at all)
    cp "$UNICAGE_SHARED/data/rpmdb/libuuid/Packages" "$T/bdb/var/lib/rpm/Packages"
    expect_exit 0 uc rpmscan --sysroot "$T/bdb" --tsv libuuid-2.32.1-42.el8_8.x86_64
    assert_eq "$(tail -n +2 "$T/out" | wc -l)" 7 "bdb_ro by label"
fi

# SUSE's ndb: a clear "unsupported" error, nothing created.
mkdir -p "$T/suse/var/lib/rpm" && head -c 4096 /dev/urandom > "$T/suse/var/lib/rpm/Packages.db"
expect_exit 3 uc rpmscan --sysroot "$T/suse" --all
assert_grep "unsupported rpmdb format" "$T/err" "ndb message"
assert_eq "$(ls -A "$T/suse/var/lib/rpm")" "Packages.db" "files next to Packages.db"

# A database locked by a running rpm transaction is still readable: hold
# rpm's transaction lock and an open sqlite write transaction meanwhile.
before=$(sha "$db/rpmdb.sqlite")
python3 - "$db" "$T/locked" <<'PY' &
import fcntl, os, sqlite3, sys, time
d = sys.argv[1]
lock = open(os.path.join(d, ".rpm.lock"), "a+")
fcntl.lockf(lock, fcntl.LOCK_EX)
con = sqlite3.connect(os.path.join(d, "rpmdb.sqlite"), isolation_level=None)
con.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
time.sleep(30)
PY
locker=$!
for _ in $(seq 100); do [ -e "$T/locked" ] && break; sleep 0.1; done
[ -e "$T/locked" ] || fail "lock holder did not start"
expect_exit 0 timeout 20 "$UC" rpmscan --sysroot "$r" --all --tsv
assert_eq "$(tail -n +2 "$T/out" | wc -l)" 29 "locked database read in full"
kill $locker; wait $locker 2>/dev/null || true
assert_eq "$(sha "$db/rpmdb.sqlite")" "$before" "database changed by a scan"

# A database directory we may not write to (read-only mount): read from a
# private copy; no -shm/-wal appears there.
mkdir -p "$T/ro/var/lib/rpm"
cp "$db/rpmdb.sqlite" "$T/ro/var/lib/rpm/"
mount --bind "$T/ro/var/lib/rpm" "$T/ro/var/lib/rpm"
mount -o remount,bind,ro "$T/ro/var/lib/rpm"
expect_exit 0 uc rpmscan --sysroot "$T/ro" --all --tsv
assert_eq "$(tail -n +2 "$T/out" | wc -l)" 29 "read-only database"
assert_eq "$(ls -A "$T/ro/var/lib/rpm")" "rpmdb.sqlite" "files beside a read-only database"
umount "$T/ro/var/lib/rpm"
# --snapshot on a writable one: the directory is left as it was.
mkdir -p "$T/snap/var/lib/rpm" && cp "$db/rpmdb.sqlite" "$T/snap/var/lib/rpm/"
expect_exit 0 uc -v rpmscan --snapshot --sysroot "$T/snap" --all --tsv
assert_eq "$(ls -A "$T/snap/var/lib/rpm")" "rpmdb.sqlite" "files beside a snapshotted database"
ls -d /tmp/unicage-rpmdb.* 2>/dev/null && fail "snapshot directory left behind" || true

# .rpm files: unreadable (not an rpm), truncated (header, then payload),
# a directory, a missing file. Nothing is printed before the error.
echo "not an rpm" > "$T/bad.rpm"
expect_exit 3 uc rpmscan --rpm "$T/bad.rpm"
assert_grep "not an rpm package" "$T/err" "garbage .rpm"
plain_msg=$(sed -n 's/^unicage: error: //p' "$T/err")
assert_eq "$plain_msg" "$T/bad.rpm: not an rpm package" "garbage .rpm message"
size=$(stat -c %s "$rpms/uc-base-1.0-1.noarch.rpm")
head -c 1500 "$rpms/uc-base-1.0-1.noarch.rpm" > "$T/hdr-trunc.rpm"
expect_exit 3 uc rpmscan --rpm "$T/hdr-trunc.rpm"
head -c $((size - 100)) "$rpms/uc-base-1.0-1.noarch.rpm" > "$T/payload-trunc.rpm"
expect_exit 3 uc rpmscan --tsv --rpm "$rpms/uc-core-1.0-1.noarch.rpm" "$T/payload-trunc.rpm"
assert_grep "truncated" "$T/err" "truncated payload"
[ ! -s "$T/out" ] || fail "output printed before a bad .rpm was found"
expect_exit 3 uc rpmscan --rpm "$T"
assert_grep "is a directory" "$T/err" "directory as .rpm"
expect_exit 4 uc rpmscan --rpm "$T/nosuch.rpm"
expect_exit 3 uc --json rpmscan --rpm "$T/bad.rpm"
# the envelope, with the message the plain output gave (it was compared
# with itself)
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d=={"data":None,"metadata":{"result":"BadRequest","message":sys.argv[2]}}, d' "$T/out" "$plain_msg"
# an intact one is fine, and nothing was installed anywhere
expect_exit 0 uc rpmscan --tsv --rpm "$rpms/uc-base-1.0-1.noarch.rpm"
assert_eq "$(tail -n +2 "$T/out" | wc -l)" 22 "uc-base.rpm files"

# Not root: a .rpm we may not read is exit 2; a database directory we may not
# write to is read from a private snapshot, and left exactly as it was.
if command -v setpriv >/dev/null; then
    chmod 0755 "$T"
    cp "$rpms/uc-core-1.0-1.noarch.rpm" "$T/private.rpm" && chmod 0600 "$T/private.rpm"
    as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups env TMPDIR=/tmp "$@"; }
    expect_exit 2 as_nobody "$UC" rpmscan --rpm "$T/private.rpm"
    assert_grep "Permission denied" "$T/err" "unreadable .rpm"
    mkdir -p "$T/user/var/lib/rpm" && cp "$db/rpmdb.sqlite" "$T/user/var/lib/rpm/"
    chmod -R a+rX "$T/user"
    expect_exit 0 as_nobody "$UC" rpmscan --sysroot "$T/user" --all --tsv
    assert_eq "$(tail -n +2 "$T/out" | wc -l)" 29 "database read as nobody"
    assert_eq "$(ls -A "$T/user/var/lib/rpm")" "rpmdb.sqlite" "files beside a database read as nobody"
fi
