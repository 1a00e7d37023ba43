#!/usr/bin/env bash
# unshare: -n -i
# The proxy's wrapper in the skeleton (issue 15, skel/wrappers.h,
# doc/proxy.md "The wrapper"): `unicage update` puts unicage-proxyexec at
# each proxied command's path in the generation (one immutable object,
# root's, 0755; no mount in the cage), never the host's program; an alias
# added or removed, a program appearing on the host, a new wrapper binary
# each make the next update build a generation (the lean no-op proves
# none of them away), and nothing else does; a wrapper path that is a
# directory, in a home, or below no directory of sysroot gets none; a bad
# proxy.commands line is refused naming file:line and changes nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxylib.sh"
proxy_fixture /usr/bin/t-wrapped
skel=$T/fs/state/skel
ln -s usr/bin "$h/ldir" # a wrapper path below a symlinked directory
cat > "$T/etc/proxy.commands" <<CMDS
wrapped:/usr/bin/t-wrapped=$T/bin/t-helper
linked:/ldir/t-linked=$T/bin/t-helper
later:/usr/bin/t-later=$T/bin/later
dir:/usr/bin=$T/bin/t-helper
inhome:/home/alice/t-x=$T/bin/t-helper
nowhere:/no/such/dir/t-x=$T/bin/t-helper
CMDS
expect_exit 0 uc init
assert_grep "proxy wrapper /usr/bin: a directory in sysroot: none" "$T/err" "a directory is never replaced"
assert_grep "proxy wrapper /no/such/dir/t-x: its directory is not in sysroot" "$T/err" "no directory: no wrapper"

tree=$skel/current/tree
cmp -s "$tree/usr/bin/t-wrapped" "$PROXYEXEC" || fail "the skeleton's /usr/bin/t-wrapped is not the wrapper"
assert_eq "$(stat -c '%u:%g %a' "$tree/usr/bin/t-wrapped")" "0:0 755" "the wrapper is root's, 0755"
is_immutable "$tree/usr/bin/t-wrapped" || fail "the wrapper is not an immutable object"
[ -d "$tree/usr/bin" ] && [ -x "$tree/usr/bin/sh" ] || fail "/usr/bin was replaced"
[ -e "$tree/usr/bin/t-later" ] && fail "a command the host lacks got a wrapper"
[ -e "$tree/home/alice/t-x" ] && fail "a wrapper went into a home"
grep -q "not wrapped" "$tree/usr/bin/t-wrapped" && fail "the host's program is in the skeleton"
cmp -s "$tree/usr/bin/t-linked" "$PROXYEXEC" || fail "/ldir/t-linked is not at its real path"
assert_eq "$(readlink "$tree/ldir")" usr/bin "the link on the way is taken"

expect_exit 0 uc enable alice
proxy_start
expect_exit 0 uc exec alice -- t-wrapped id
assert_eq "$(cat "$T/out")" "1001 1001 1001 euid=1001 ruid=1001 PROXYEXEC_UID=1001 PROXYEXEC_GID=1001" "the wrapper at the command's path runs it by proxy"
expect_exit 0 uc exec alice -- /ldir/t-linked id
assert_eq "$(cat "$T/out")" "1001 1001 1001 euid=1001 ruid=1001 PROXYEXEC_UID=1001 PROXYEXEC_GID=1001" "a wrapper at its real path is found by the daemon"
expect_exit 0 uc exec alice -- cat /proc/self/mountinfo
grep -q "t-wrapped" "$T/out" && fail "the wrapper is a mount in the cage: $(grep t-wrapped "$T/out")"

# which path an update took (t-skel-noop.sh): "lean", "full" (a no-op) or
# "built" (a new generation)
path_taken() {
    local before; before=$(readlink "$skel/current")
    UNICAGE_DEBUG=general "$UC" update > "$T/out" 2> "$T/err" || fail "update failed: $(cat "$T/err")"
    if grep -q "update: lean no-op" "$T/err"; then echo lean
    elif [ "$(readlink "$skel/current")" != "$before" ]; then echo built
    else echo full; fi
}
path_taken > /dev/null # records the no-op
assert_eq "$(path_taken)" lean "nothing changed: lean no-op"
settle() { sleep 0.1; path_taken > /dev/null; # (a file changed within a jiffy of the start is not recorded)
  cp "$T/err" "$T/settle.err"; [ "$(path_taken)" = lean ] || fail "$1: not lean again once recorded: $(grep -h "debug" "$T/settle.err" "$T/err")"; }

# the host gets the program: the wrapper appears
printf '#!/bin/sh\necho later "$@"\n' > "$T/bin/later"; chmod 0755 "$T/bin/later"
assert_eq "$(path_taken)" built "a proxied program installed on the host"
cmp -s "$tree/usr/bin/t-later" "$PROXYEXEC" || fail "no wrapper at /usr/bin/t-later"
assert_eq "$(stat -c %i "$tree/usr/bin/t-later")" "$(stat -c %i "$tree/usr/bin/t-wrapped")" "one object for every wrapper path"
settle "program installed"

# an alias removed: its path goes from the skeleton (the host has none)
sed -i '/^later:/d' "$T/etc/proxy.commands"
assert_eq "$(path_taken)" built "an alias removed"
[ -e "$tree/usr/bin/t-later" ] && fail "the removed alias's wrapper stayed"
settle "alias removed"
# an alias added in custom.proxy.commands (another file of config_dir)
echo "later:/usr/bin/t-later=$T/bin/later" > "$T/etc/custom.proxy.commands"
assert_eq "$(path_taken)" built "an alias added in custom.proxy.commands"
cmp -s "$tree/usr/bin/t-later" "$PROXYEXEC" || fail "custom.proxy.commands' wrapper missing"
settle "alias added"
# the alias dropped, and the host's program at that path is what the
# skeleton takes again
rm "$T/etc/custom.proxy.commands"
assert_eq "$(path_taken)" built "custom.proxy.commands removed"
settle "file removed"

# a bad line: refused, file:line named, nothing changed
cur=$(readlink "$skel/current")
echo "bad line" >> "$T/etc/proxy.commands"
expect_exit 3 uc update
assert_grep "proxy.commands:6" "$T/err" "the bad line is named"
assert_eq "$(readlink "$skel/current")" "$cur" "a refused update changes nothing"
sed -i '$d' "$T/etc/proxy.commands"
settle "bad line fixed"

# a new wrapper binary (a copy of the programs, the wrapper beside them):
# another file is taken, and once recorded, a change of it is no no-op
mkdir -p "$T/ucbin"
cp "$(dirname "$UC")"/unicage "$(dirname "$UC")"/unicage-core "$(dirname "$UC")"/unicage-init \
    "$PROXYEXEC" "$T/ucbin/"
UC=$T/ucbin/unicage
assert_eq "$(path_taken)" built "the wrapper beside another unicage-core"
# (the same bytes: the same object)
settle "another wrapper file"
printf '\0' >> "$T/ucbin/unicage-proxyexec"
assert_eq "$(path_taken)" built "the wrapper binary changed"
cmp -s "$tree/usr/bin/t-wrapped" "$T/ucbin/unicage-proxyexec" || fail "the new wrapper is not in the skeleton"
settle "wrapper changed"
exit 0
