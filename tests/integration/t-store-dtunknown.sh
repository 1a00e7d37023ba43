#!/usr/bin/env bash
# Removing trees where readdir says DT_UNKNOWN (XFS with ftype=0, common on
# EL7; here ext4 without its filetype feature): gc removes every unused
# generation whole, and a tree it cannot remove is an error, not silence.
. "$(dirname "$0")/lib.sh"
command -v mkfs.ext4 >/dev/null || skip "no mkfs.ext4"
mkdir -p "$T/fs"
truncate -s 128M "$T/img"
mkfs.ext4 -q -F -O ^filetype "$T/img" || fail "mkfs.ext4 -O ^filetype"
mount -o loop "$T/img" "$T/fs" || skip "no loop device for a filesystem without d_type"
h=$T/fs/host
mkdir -p "$h/opt/app/sub/deeper" "$T/etc/conf.d"
for i in $(seq 1 40); do echo "file $i" > "$h/opt/app/sub/deeper/f$i"; done
ln -s f1 "$h/opt/app/sub/deeper/link"
printf '[app]\npaths=/opt/app\n' > "$T/etc/conf.d/app.cfg"
cat > "$UNICAGE_CONFIG" <<CONF
sysroot = $h
config_dir = $T/etc
state_dir = $T/fs/state
run_dir = $T/run
CONF
skel=$T/fs/state/skel
# the premise: this filesystem does not fill in d_type
[ "$(python3 -c 'import ctypes,os,sys
libc=ctypes.CDLL(None); libc.opendir.restype=ctypes.c_void_p; libc.readdir.restype=ctypes.c_void_p
libc.readdir.argtypes=[ctypes.c_void_p]; libc.opendir.argtypes=[ctypes.c_char_p]
d=libc.opendir(sys.argv[1].encode())
while True:
    p=libc.readdir(d)
    if not p: break
    # struct dirent: d_ino 8, d_off 8, d_reclen 2, d_type 1, d_name
    t=ctypes.c_ubyte.from_address(p+18).value
    n=ctypes.c_char_p(p+19).value
    if n==b"app": print(t)
' "$h/opt")" = 0 ] || skip "this ext4 fills in d_type even without the filetype feature"

expect_exit 0 uc init
echo changed > "$h/opt/app/sub/deeper/f1"
expect_exit 0 uc update
echo again > "$h/opt/app/sub/deeper/f1"
expect_exit 0 uc update
expect_exit 0 uc gc
assert_eq "$(ls "$skel" | grep '^gen-' | tr '\n' ' ')" "gen-000003 " "generations after gc"
left=$(find "$skel" -maxdepth 1 -name 'gen-00000[12]*' | wc -l)
assert_eq "$left" 0 "nothing of the removed generations left behind"

# a tree gc cannot remove (a +i directory in it) is an error naming it
echo third > "$h/opt/app/sub/deeper/f1"
expect_exit 0 uc update
chattr +i "$skel/gen-000003/tree/opt/app/sub"
on_cleanup "chattr -i '$skel/gen-000003/tree/opt/app/sub' 2>/dev/null"
rc=0; uc gc > "$T/out" 2> "$T/err" || rc=$?
[ "$rc" != 0 ] || fail "gc said nothing of a generation it could not remove"
assert_grep "gen-000003" "$T/err" "the error names the generation"
chattr -i "$skel/gen-000003/tree/opt/app/sub"
expect_exit 0 uc gc
assert_eq "$(ls "$skel" | grep '^gen-' | tr '\n' ' ')" "gen-000004 " "removed once it could be"
echo "ok"
