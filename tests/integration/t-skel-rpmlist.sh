#!/usr/bin/env bash
# addrpm / delrpm / list-rpm: rpm.list edited atomically under the skeleton's
# lock, packages checked against the sysroot's rpmdb, bad input changes nothing.
. "$(dirname "$0")/lib.sh"
fixture_root "$T/host"
mkdir -p "$T/etc/conf.d"
cat > "$UNICAGE_CONFIG" <<CONF
sysroot = $T/host
config_dir = $T/etc
state_dir = $T/state
CONF
list=$T/etc/rpm.list

expect_exit 0 uc list-rpm
assert_eq "$(cat "$T/out")" "" "empty list"
expect_exit 0 uc addrpm uc-base
assert_grep "added: uc-base" "$T/out" "addrpm output"
assert_eq "$(grep -v '^#' "$list")" "uc-base" "rpm.list"
expect_exit 0 uc addrpm --requires uc-base-1.0-1.noarch
assert_grep "added: uc-lib" "$T/out" "requires added"
assert_grep "already listed: uc-base" "$T/out" "already listed"
assert_eq "$(grep -v '^#' "$list" | sort | tr '\n' ' ')" "uc-base uc-core uc-lib " "rpm.list after --requires"
expect_exit 0 uc --json list-rpm
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["data"]["packages"]==["uc-base","uc-lib","uc-core"], d' "$T/out"

# not installed: exit 4, nothing changed
sum=$(sha "$list")
expect_exit 4 uc addrpm uc-base nosuch
assert_grep "nosuch" "$T/err" "names the package"
assert_eq "$(sha "$list")" "$sum" "rpm.list changed by a failed addrpm"
expect_exit 0 uc delrpm uc-core
assert_eq "$(grep -v '^#' "$list" | sort | tr '\n' ' ')" "uc-base uc-lib " "after delrpm"
sum=$(sha "$list")
expect_exit 4 uc delrpm uc-lib uc-extra
assert_eq "$(sha "$list")" "$sum" "rpm.list changed by a failed delrpm"

# a bad line anywhere in config_dir: exit 3 naming file:line, nothing changed
printf '[ok]\npaths=/usr/bin\nfrob=1\n' > "$T/etc/conf.d/bad.cfg"
expect_exit 3 uc addrpm uc-extra
assert_grep "bad.cfg:3: unknown key 'frob'" "$T/err" "cfg file:line"
assert_eq "$(sha "$list")" "$sum" "rpm.list changed despite a bad cfg"
rm "$T/etc/conf.d/bad.cfg"
printf '/etc/shadow\nrelative\n' > "$T/etc/black.list"
expect_exit 3 uc list-rpm
assert_grep "black.list:2:" "$T/err" "black.list file:line"
rm "$T/etc/black.list"
echo "two words" >> "$list"
expect_exit 3 uc list-rpm
assert_grep "rpm.list:4: 'two words' is not a package name" "$T/err" "rpm.list file:line"
sed -i '$d' "$list"

# one writer at a time: fails at once naming the holder, or waits
python3 -c 'import fcntl,sys,time; f=open(sys.argv[1],"a+"); fcntl.flock(f, fcntl.LOCK_EX); f.seek(0); f.truncate(); f.write("777\n"); f.flush(); open(sys.argv[2],"w").close(); time.sleep(1)' "$T/state/skel.lock" "$T/locked" &
for _ in $(seq 50); do [ -e "$T/locked" ] && break; sleep 0.1; done
expect_exit 2 uc addrpm uc-extra
assert_grep "locked by another unicage (pid 777)" "$T/err" "lock holder named"
expect_exit 0 uc addrpm --wait-lock uc-extra
wait
assert_grep "uc-extra" "$list" "added after waiting"
expect_exit 3 uc addrpm
expect_exit 3 uc list-rpm extra
