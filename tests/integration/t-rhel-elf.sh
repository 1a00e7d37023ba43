#!/usr/bin/env bash
# The real RHEL 8.4 rootfs (UBI micro): addrpm takes what dnf takes for an
# installed package (a virtual provide, a file path; the package chosen is
# named; all or nothing), every generation gets its own linker cache (made by
# the sysroot's ldconfig on the new tree, naming the tree's libraries), the
# libraries conf.d programs need are added with their symlinks, and a
# library hidden by black.list is a warning of update and a FAILED line of
# check naming the program, the library and the package.
. "$(dirname "$0")/lib.sh"
rhel_fixture
list=$T/etc/rpm.list
state=$T/fs/state

# --- addrpm: names, provides, files; all or nothing ---------------------------
expect_exit 4 uc addrpm nosuchpkg
assert_grep "nosuchpkg" "$T/err" "the unknown name is named"
assert_eq "$(grep -vc '^#' "$list" || true)" 0 "addrpm nosuchpkg added something"
expect_exit 4 uc addrpm --requires bash nosuchthing
assert_eq "$(grep -vc '^#' "$list" || true)" 0 "a failed addrpm --requires added something"
expect_exit 0 uc addrpm /usr/bin/bash
assert_grep "^added: bash (provides /usr/bin/bash)" "$T/out" "a file path names its package"
expect_exit 0 uc delrpm bash
expect_exit 0 uc addrpm /bin/bash      # below /bin -> usr/bin
assert_grep "^added: bash" "$T/out" "a path through a symlinked directory"
expect_exit 0 uc addrpm --requires bash coreutils
assert_grep "^added: coreutils-single (provides coreutils)" "$T/out" "the provider of coreutils is named"
assert_grep "^already listed: bash" "$T/out" "bash listed already"
grep -qx coreutils-single "$list" || fail "coreutils-single not in rpm.list"
grep -qx glibc "$list" || fail "the closure lacks glibc"
grep -qx ncurses-libs "$list" || fail "the closure lacks ncurses-libs"
expect_exit 0 uc --json addrpm coreutils
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["data"]; assert d["resolved"]==[{"spec":"coreutils","package":"coreutils-single"}], d' "$T/out"

# The rpm-only closure: glibc's files (listed by rpm under /lib64 -> usr/lib64)
# are in the first generation, with no cfg naming a library.
expect_exit 0 uc init
gen=$state/skel/gen-000001

# --- the generation's own linker cache ---------------------------------------------
cache=$gen/tree/etc/ld.so.cache
[ -f "$cache" ] || fail "the generation has no etc/ld.so.cache"
[ "$(stat -c '%u %g %a %h' "$cache")" = "0 0 644 2" ] || fail "cache: owner/mode/links $(stat -c '%u %g %a %h' "$cache")"
[ "$(stat -c %i "$cache")" = "$(stat -c %i "$gen/stubs/etc/ld.so.cache")" ] || fail "stubs/etc/ld.so.cache is not the tree's"
ldconfig -p -C "$cache" > "$T/ldp"
assert_grep "libc.so.6 (libc6,x86-64.*) => /lib64/libc.so.6" "$T/ldp" "the cache names the tree's libc"
assert_grep "libtinfo.so.6 " "$T/ldp" "the cache names libtinfo"
tail -n +2 "$T/ldp" | grep -q "$T" && fail "the cache names a host path"
[ ! -e "$gen/tree/.unicage-ldconfig" ] || fail "ldconfig's work directory left in the tree"
zstd -dc "$gen/manifest.zst" > "$T/manifest"
grep -qP '^/etc/ld.so.cache\tf\t0644\t0\t0\t[0-9]+\t[0-9]+\tc\t' "$T/manifest" || fail "the cache is not a config file of the manifest"
# --- every ELF file finds what it needs -------------------------------------------------
expect_exit 0 uc check --full
assert_grep "^OK .*skeleton: ELF dependencies: gen-000001: [0-9]* dynamic ELF file" "$T/out" "check --full"
grep -q "^FAILED" "$T/out" && fail "check --full failed: $(grep ^FAILED "$T/out")"
expect_exit 0 uc check
assert_grep "^OK .*ELF dependencies.*as update found them" "$T/out" "check uses what update found"
chroot "$gen/tree" /usr/bin/bash -c 'echo $BASH_VERSION' > "$T/bv" || fail "bash does not run in the tree"
assert_grep "^4\." "$T/bv" "bash in the tree"
chroot "$gen/tree" /usr/sbin/ldconfig -p > "$T/ldp1" || fail "ldconfig -p in the first generation's tree"
assert_grep "libc.so.6 (libc6,x86-64.*) => /lib64/libc.so.6" "$T/ldp1" "ldconfig -p of the rpm-only tree"
[ -f "$gen/tree/usr/lib64/libnss_files-2.28.so" ] || fail "glibc's NSS module not in the rpm-only tree"
chroot "$gen/tree" /usr/bin/coreutils --coreutils-prog=sha256sum /usr/bin/bash | awk '{print $1}' > "$T/s1"
assert_eq "$(cat "$T/s1")" "$(sha "$h/usr/bin/bash")" "sha256sum of bash in the tree"

# --- libraries of conf.d programs are added, with their symlinks ----------------------------
# The same state (update reads the rpm-only generation's index): the
# packages go, a cfg names three programs; what they need comes by itself.
: > "$list"
printf '[shell]\npaths=/usr/bin/bash, /usr/bin/coreutils, /usr/sbin/ldconfig\n' > "$T/etc/conf.d/shell.cfg"
expect_exit 0 uc -v update
! grep -q "index:" "$T/err" || fail "the rpm-only generation's index was not read: $(grep index: "$T/err")"
assert_grep "elfdeps: /lib64 added (needed by /usr/bin/bash)" "$T/err" "the interpreter's directory link"
assert_grep "elfdeps: /usr/lib64/libtinfo.so.6 added (needed by /usr/bin/bash)" "$T/err" "libtinfo's link"
assert_grep "elfdeps: /usr/lib64/libtinfo.so.6.1 added" "$T/err" "libtinfo itself"
assert_grep "elfdeps: /usr/lib64/libpcre2-8.so.0 added (needed by /usr/lib64/libselinux.so.1)" "$T/err" "transitively"
# NSS modules are dlopen'd: the ones nsswitch.conf names come too
assert_grep "elfdeps: /usr/lib64/libnss_files.so.2 added (needed by /etc/nsswitch.conf)" "$T/err" "libnss_files"
assert_grep "elfdeps: /usr/lib64/libresolv.so.2 added (needed by /usr/lib64/libnss_dns-2.28.so)" "$T/err" "libnss_dns's library"
assert_grep "elfdeps: nsswitch.conf names libnss_sss.so.2, not in the sysroot" "$T/err" "a module the image lacks"
assert_grep "^  elf_added  *2[0-9]" "$T/out" "elf_added counter"
assert_grep "^  elf_missing  *0" "$T/out" "elf_missing counter"
gen=$state/skel/$(readlink "$state/skel/current")
[ "$(readlink "$gen/tree/usr/lib64/libtinfo.so.6")" = libtinfo.so.6.1 ] || fail "libtinfo.so.6 is not the host's link"
[ "$(readlink "$gen/tree/lib64")" = usr/lib64 ] || fail "/lib64 is not the host's link"
chroot "$gen/tree" /usr/bin/bash -c 'echo ok' > /dev/null || fail "bash with automatic libraries does not run"
chroot "$gen/tree" /usr/sbin/ldconfig -p > "$T/ldp2"
assert_grep "libc.so.6 (libc6,x86-64.*) => /lib64/libc.so.6" "$T/ldp2" "the tree's ldconfig -p reads its cache"
expect_exit 0 uc update
assert_grep "nothing to do" "$T/out" "a no-op update after automatic additions"
# a host /etc/ld.so.cache (naming host paths) is never taken, even if a cfg names it
printf 'bogus' > "$h/etc/ld.so.cache"
printf '[etc]\npaths=/etc/ld.so.cache\n' > "$T/etc/conf.d/etc.cfg"
expect_exit 0 uc update
assert_grep "nothing to do" "$T/out" "the host's cache made a new generation"
rm "$T/etc/conf.d/etc.cfg" "$h/etc/ld.so.cache"
head -c 5 "$gen/tree/etc/ld.so.cache" | grep -q bogus && fail "the host cache was taken"


expect_exit 0 uc check --full

# --- a library hidden by black.list ---------------------------------------------------------
echo '/usr/lib64/libtinfo*' > "$T/etc/black.list"
expect_exit 0 uc update
assert_grep "warning: libtinfo.so.6 is needed by /usr/bin/bash" "$T/err" "update warns"
assert_grep "^  elf_missing  *1" "$T/out" "elf_missing counter"
# while it misses a library, a no-op update is still a no-op (only the
# objects with a dependency not taken are looked at again)
expect_exit 0 uc update
assert_grep "nothing to do" "$T/out" "a no-op update of a generation that misses a library"
expect_exit 1 uc check
assert_grep "^FAILED .*ELF dependencies: .*/usr/bin/bash needs libtinfo.so.6, not in the generation; ncurses-libs provides it, but black.list hides the host's /usr/lib64/libtinfo.so.6" "$T/out" "check names program, library, package, black.list"
expect_exit 1 uc check --full
assert_grep "^FAILED .*/usr/bin/bash needs libtinfo.so.6" "$T/out" "check --full"
expect_exit 1 uc --json check
python3 -c '
import json,sys
d=json.load(open(sys.argv[1]))["data"]
f=[x for x in d if x["check"]=="skeleton: ELF dependencies" and x["result"]=="FAILED"]
assert f and "libtinfo.so.6" in f[0]["detail"] and "ncurses-libs" in f[0]["detail"], d' "$T/out"
# not black-listed but not there either: the package to add is named
chattr -i "$h/usr/lib64/libtinfo.so.6.1" 2>/dev/null || true
mv "$h/usr/lib64/libtinfo.so.6.1" "$T/tinfo.saved"
: > "$T/etc/black.list"
expect_exit 0 uc update
assert_grep "warning: libtinfo.so.6 is needed by /usr/bin/bash" "$T/err" "update warns of a library gone from the host"
expect_exit 1 uc check
assert_grep "^FAILED .*/usr/bin/bash needs libtinfo.so.6, not in the generation; ncurses-libs provides it: unicage addrpm ncurses-libs" "$T/out" "check names the package to add"
mv "$T/tinfo.saved" "$h/usr/lib64/libtinfo.so.6.1"
# back on the host: the next update finds it (no stale no-op)
expect_exit 0 uc -v update
assert_grep "generation gen-" "$T/out" "update after the library came back"
assert_grep "elfdeps: /usr/lib64/libtinfo.so.6.1 added" "$T/err" "the library back on the host is added"
echo '/usr/lib64/libtinfo*' > "$T/etc/black.list"
expect_exit 0 uc update
# lifted again: the next update finds it (no stale no-op)
: > "$T/etc/black.list"
expect_exit 0 uc update
assert_grep "generation gen-" "$T/out" "update after black.list lifted"
expect_exit 0 uc check
assert_grep "^OK .*ELF dependencies" "$T/out" "check OK again"

# --- in a cage ---------------------------------------------------------------------------------
expect_exit 0 uc enable alice
expect_exit 0 uc mount alice
uc exec alice -- /usr/sbin/ldconfig -p > "$T/cage" 2>&1 || { cat "$T/cage" >&2; fail "ldconfig -p in alice's cage"; }
assert_grep "libc.so.6 (libc6,x86-64.*) => /lib64/libc.so.6" "$T/cage" "ldconfig -p in the cage"
uc exec alice -- /usr/bin/bash -c 'echo $BASH_VERSION; /usr/bin/coreutils --coreutils-prog=id -u' > "$T/cage" 2>&1 ||
    { cat "$T/cage" >&2; fail "bash in alice's cage"; }
assert_eq "$(tail -n 1 "$T/cage")" 1001 "id -u in the cage"

# --- a hostile ldconfig in the sysroot gets nothing --------------------------------------------
# It runs chrooted into the new tree as nobody: it can write nothing of the
# tree or the host, and what it leaves must parse as a cache, read without
# following a link, or the generation simply has none (a warning).
cat > "$T/evil.c" <<'C'
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	const char *out = "";
	for (int i = 1; i < argc - 1; i++)
		if (strcmp(argv[i], "-C") == 0)
			out = argv[i + 1];
	if (open("/etc/pwned", O_WRONLY | O_CREAT, 0644) >= 0) puts("wrote /etc/pwned");
	if (open("/../../../../pwned", O_WRONLY | O_CREAT, 0644) >= 0) puts("wrote /pwned");
	if (open("/usr/lib64/libc.so.6", O_WRONLY) >= 0) puts("opened libc for writing");
	if (chmod("/usr/bin/bash", 04777) == 0) puts("chmod bash");
	if (getuid() == 0 || geteuid() == 0) puts("still root");
	printf("evil ran ");
	if (*out) {
		char d[4096];
		snprintf(d, sizeof(d), "%.*s/sub", (int)(strrchr(out, '/') - out), out);
		if (mkdir(d, 0700) == 0) /* leftovers the tree must not keep */
			puts("made sub");
		strcat(d, "/f");
		close(open(d, O_WRONLY | O_CREAT, 0600));
		symlink("/etc/shadow", out);
	}
	return 0;
}
C
cc -static -O -o "$T/evil" "$T/evil.c" -include stdlib.h || skip "no static libc to build the hostile ldconfig"
cp "$T/evil" "$h/usr/sbin/ldconfig"
: > "$T/etc/black.list"
printf '[more]\npaths=/usr/bin/sha256sum, /usr/bin/id\n' > "$T/etc/conf.d/more.cfg" # something to build
expect_exit 0 uc update
assert_grep "warning: linker cache: the sysroot's /usr/sbin/ldconfig failed on the new tree (evil ran made sub)" "$T/err" "the refused cache is a warning"
grep -q "wrote\|opened\|chmod\|still root" "$T/err" && fail "the hostile ldconfig did something: $(cat "$T/err")"
gen=$state/skel/$(readlink "$state/skel/current")
[ ! -e "$gen/tree/etc/ld.so.cache" ] || fail "a cache linking to /etc/shadow was taken"
[ ! -e "$gen/tree/etc/pwned" ] && [ ! -e "$gen/tree/pwned" ] && [ ! -e "$state/pwned" ] || fail "the hostile ldconfig wrote a file"
[ ! -e "$gen/tree/.unicage-ldconfig" ] || fail "work directory left behind"
[ "$(stat -c %a "$gen/tree/usr/bin/bash")" = 755 ] || fail "bash's mode changed"
# alice's exec check too: NSS works without a cache, and a generation with
# no /etc of its own gives cages an etc of the accounts alone
[ ! -e "$gen/tree/etc" ] || fail "this generation was to have no /etc: $(ls "$gen/tree/etc")"
expect_exit 0 uc check --full
assert_grep "^OK .*skeleton: ELF dependencies" "$T/out" "no cache: the default directories still serve"
assert_grep "^OK .*exec alice -- id -un: prints alice" "$T/out" "id -un in the cage without a cache"
echo OK
