#!/usr/bin/env bash
# The RPM package (packaging/unicage.spec), built with rpmbuild -ta from the
# `make dist` tarball (Debian's rpmbuild: --nodeps), then:
# - installed into a copy of the real RHEL 8.4 rootfs with `rpm --root R
#   --dbpath /var/lib/rpm -i --nodeps`: the file list, modes, %config
#   (noreplace) flags; %post, %preun and %postun run there (no systemd, no
#   systemctl) without failing, and an erase keeps a changed unicage.conf as
#   .rpmsave;
# - the file triggers: in a root that has what unicage-core links against
#   (the Debian build's libraries; with --nodeps rpm brings none), rpm runs
#   them chrooted into it: installing the package itself (no skeleton yet)
#   builds nothing; after `unicage init` there, `rpm -U` of a package the
#   skeleton takes makes a new generation with its new files, an erase of
#   one a conf.d path takes makes one without them, and a failing update
#   (rpm.list names a package that is gone) says so but fails no transaction;
# - make install / make uninstall into a DESTDIR: uninstall removes exactly
#   what install put, keeps a configuration file the admin had or changed.
. "$(dirname "$0")/lib.sh"
command -v rpmbuild >/dev/null || skip "no rpmbuild"
export HOME=$T/home # Debian's rpm: ~/.rpmdb, ~/.rpmmacros
mkdir -p "$HOME"
src=$UNICAGE_SRC
bdir=$(dirname "$UC")
# the build directory (a test build of binaries sits in BUILD/test/)
[ -f "$bdir/.cflags" ] || bdir=$(dirname "$bdir")
# the sub-make must build into the same directory with the same flags; rpmbuild
# gets none of the calling make's (SANITIZE=... is in the environment too)
san=$(grep -o -- '-fsanitize=[^ ]*' "$bdir/.cflags" 2>/dev/null | head -n 1 | cut -d= -f2 || true)
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$src" ${san:+SANITIZE=$san} "$@"; }
ver=$(sed -n 's/^VERSION *:= *//p' "$src/GNUmakefile")

# --- build ---------------------------------------------------------------
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
    mk dist DIST="$T/unicage-$ver.tar.gz" >/dev/null
else # a tree from a tarball: the same files, without git
    tar -C "$(dirname "$src")" --exclude=build --exclude=build-san \
        --transform "s|^$(basename "$src")|unicage-$ver|" -czf "$T/unicage-$ver.tar.gz" "$(basename "$src")"
fi
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u SANITIZE -u CFLAGS -u LDFLAGS rpmbuild -ta --nodeps --define "_topdir $T/rpmbuild" "$T/unicage-$ver.tar.gz" > "$T/rpmbuild.log" 2>&1 ||
    { tail -n 40 "$T/rpmbuild.log" >&2; fail "rpmbuild -ta failed"; }
pkg=$(ls "$T"/rpmbuild/RPMS/*/unicage-"$ver"-*.rpm)
ls "$T"/rpmbuild/SRPMS/unicage-"$ver"-*.src.rpm >/dev/null || fail "no source rpm"

# --- install into the real RHEL rootfs -----------------------------------
R=$T/fs/rhel
scratch_ext4 "$T/fs" 512
rhel_root "$R"
rpmR() { rpm --root "$R" --dbpath /var/lib/rpm "$@"; }
# Debian's rpm reads EL 8's Berkeley DB only (bdb_ro): the copy's rpmdb is
# converted to sqlite first (EL 9's format), its 18 packages kept
if [ -e "$R/var/lib/rpm/Packages" ]; then
    rpmdb --root "$R" --dbpath /var/lib/rpm --rebuilddb --define '_db_backend sqlite' >/dev/null 2>&1 ||
        fail "converting the RHEL rpmdb to sqlite"
fi
nR=$(rpmR -qa | wc -l)
[ "$nR" -ge 10 ] || fail "the RHEL rpmdb lists $nR packages"
rpmR -i --nodeps "$pkg" > "$T/install.log" 2>&1 || { cat "$T/install.log" >&2; fail "rpm -i failed"; }
grep -v -e Alien -e 'assuming you know' "$T/install.log" | grep -i -E 'scriptlet|error|fail|warn' && fail "rpm -i reported a problem"
rpmR -q unicage >/dev/null || fail "unicage is not in R's rpmdb"
assert_eq "$(rpmR -qa | wc -l)" "$((nR + 1))" "R's packages and unicage"
# the file list: every file of the package (directories apart)
rpmR -ql unicage | while read -r f; do [ -d "$R$f" ] && [ ! -L "$R$f" ] || echo "$f"; done |
    grep -v '^/usr/lib/.build-id/' | sort > "$T/files"
cat > "$T/want" <<'LIST'
/etc/unicage/black.list
/etc/unicage/conf.d/coreutils.cfg
/etc/unicage/conf.d/openssh-clients.cfg
/etc/unicage/conf.d/perl.cfg
/etc/unicage/conf.d/php.cfg
/etc/unicage/conf.d/procps.cfg
/etc/unicage/conf.d/python3.cfg
/etc/unicage/conf.d/shell.cfg
/etc/unicage/conf.d/text-tools.cfg
/etc/unicage/unicage.conf
/usr/lib/systemd/system/unicage-boot.service
/usr/lib/systemd/system/unicage-update.service
/usr/lib/systemd/system/unicage-update.timer
/usr/lib/tmpfiles.d/unicage.conf
/usr/lib64/security/pam_unicage.so
/usr/libexec/unicage/rpm-trigger
/usr/libexec/unicage/unicage-userdel
/usr/libexec/unicage/unicage-core
/usr/libexec/unicage/unicage-init
/usr/sbin/cagefsctl
/usr/sbin/rpmscan
/usr/sbin/unicage
/usr/sbin/vdu
/usr/sbin/vunify
/usr/share/bash-completion/completions/unicage
/usr/share/man/man5/unicage-cage.mp.5
/usr/share/man/man5/unicage-conf.d.5
/usr/share/man/man5/unicage.conf.5
/usr/share/man/man8/pam_unicage.8
/usr/share/man/man8/unicage.8
LIST
# what this tree adds when it has them: the proxy daemon, the tmpwatch verb
if [ -f "$src/proxy/daemon.c" ]; then
    printf '%s\n' /usr/sbin/unicage-proxyd /usr/libexec/unicage/unicage-proxyexec \
        /usr/lib/systemd/system/unicage-proxyd.service /usr/lib/systemd/system/unicage-proxyd.socket \
        /usr/share/man/man8/unicage-proxyd.8 >> "$T/want"
    for f in "$src"/proxy/defaults/proxy.commands "$src"/proxy/defaults/filters/*.json; do
        [ -e "$f" ] && echo "/etc/unicage/${f#"$src"/proxy/defaults/}" >> "$T/want"
    done
fi
if grep -q '^ *{"tmpwatch"' "$src/cli/cli.c"; then
    printf '%s\n' /usr/lib/systemd/system/unicage-tmpwatch.service /usr/lib/systemd/system/unicage-tmpwatch.timer >> "$T/want"
fi
for f in README.md "$src"/doc/*.md; do echo "/usr/share/doc/unicage/${f##*/}"; done >> "$T/want"
# man pages may be compressed (EL's brp-compress; Debian's rpm leaves them)
sed -i 's/\.\([58]\)\.gz$/.\1/' "$T/files"
sort -o "$T/want" "$T/want"
diff -u "$T/want" "$T/files" || fail "the package's file list"
# modes, the static front, directories of the package
assert_eq "$(stat -c %a "$R/usr/sbin/unicage")" 755 "unicage's mode"
assert_eq "$(stat -c %a "$R/var/lib/unicage")" 700 "state_dir's mode"
assert_eq "$(stat -c %a "$R/run/unicage/ns")" 700 "run_dir/ns's mode"
file -L "$R/usr/sbin/unicage" | grep -q -E 'static(-pie)? linked|statically linked' || fail "the front is not static"
[ -L "$R/usr/sbin/vunify" ] && [ "$(readlink "$R/usr/sbin/vunify")" = unicage ] || fail "vunify is not a link to unicage"
# %config(noreplace): every /etc/unicage file, nothing else
rpmR -q --qf '[%{FILEFLAGS:fflags}:%{FILENAMES}\n]' unicage | awk -F: '$1 ~ /c/ { print $1, $2 }' | sort > "$T/conf"
grep -v '^cn /etc/unicage/' "$T/conf" && fail "a %config file that is not a noreplace one of /etc/unicage"
assert_eq "$(wc -l < "$T/conf")" "$(grep -c '^/etc/unicage/' "$T/want")" "every /etc/unicage file is %config(noreplace)"
# the default unicage.conf documents every default: all of it uncommented is
# a valid configuration with the same settings
sed 's/^# \([a-z_]* = .*\)$/\1/' "$R/etc/unicage/unicage.conf" > "$T/uncommented.conf"
[ "$(grep -c '^[a-z]' "$T/uncommented.conf")" -ge 12 ] || fail "the default unicage.conf shows fewer keys than expected"
sed -i 's|^sysroot = /$|sysroot = '"$R"'|; s|^\(state_dir\|cages_dir\|run_dir\|config_dir\) = \(.*\)|\1 = '"$T"'/conf-check\2|' "$T/uncommented.conf"
expect_exit 0 uc -c "$T/uncommented.conf" list-enabled
# erase: %preun and %postun without systemd; a changed config is kept
echo "min_uid = 500" >> "$R/etc/unicage/unicage.conf"
rpmR -e --nodeps unicage > "$T/erase.log" 2>&1 || { cat "$T/erase.log" >&2; fail "rpm -e failed"; }
grep -v -e Alien -e 'assuming you know' -e 'saved as' "$T/erase.log" | grep -i -E 'scriptlet|error|fail|warn' && fail "rpm -e reported a problem"
[ ! -e "$R/usr/sbin/unicage" ] || fail "rpm -e left /usr/sbin/unicage"
assert_grep "min_uid = 500" "$R/etc/unicage/unicage.conf.rpmsave" "the changed unicage.conf is kept as .rpmsave"
[ ! -e "$R/etc/unicage/black.list" ] || fail "rpm -e left the unchanged black.list"

# --- the file triggers, run by rpm chrooted into the root ---------------
h=$T/fs/host
fixture_root "$h"
"$src/scripts/make-cage-host.sh" "$h" sh cat sed tail >/dev/null
rpmh() { rpm --root "$h" --dbpath /var/lib/rpm "$@"; }
rpmh -i --nodeps "$pkg" > "$T/h-install.log" 2>&1 || { cat "$T/h-install.log" >&2; fail "rpm -i into the fixture root failed"; }
# what unicage-core links against, as the package's Requires bring it on EL
ldd "$h/usr/libexec/unicage/unicage-core" | grep -o '/[^ ]*' | while read -r lib; do
    real=$(readlink -f "$lib")
    mkdir -p "$h$(dirname "$real")" "$h$(dirname "$lib")"
    [ -e "$h$real" ] || cp -p "$real" "$h$real"
    [ -e "$h$lib" ] || ln -s "$real" "$h$lib"
done
# a host root has /proc, /dev and /tmp (unicage reads /proc/self/fd; rpm --root
# mounts nothing): this test's mount namespace gives them to the root
mkdir -p "$h/proc" "$h/dev" "$h/tmp" && chmod 1777 "$h/tmp"
mount -t proc proc "$h/proc"
mount --rbind /dev "$h/dev"
# and librpm's configuration (rpm's own files, which Requires: rpm brings)
mkdir -p "$h/usr/lib"
cp -a /usr/lib/rpm "$h/usr/lib/"
[ ! -e "$h/var/lib/unicage/skel" ] || fail "installing the package built a skeleton"
# the skeleton of that root, as its admin would make it: uc-base whole, and
# uc-extra's directory by path
echo uc-base > "$h/etc/unicage/rpm.list"
printf '[extra]\npaths=/usr/share/uc-extra\n' > "$h/etc/unicage/conf.d/extra.cfg"
env -u UNICAGE_CONFIG chroot "$h" /usr/sbin/unicage init > "$T/init.log" 2>&1 || { cat "$T/init.log" >&2; fail "unicage init in the root"; }
gen() { readlink "$h/var/lib/unicage/skel/current"; }
assert_eq "$(gen)" gen-000001 "the first generation"
[ -e "$h/var/lib/unicage/skel/gen-000001/tree/usr/share/uc-extra/extra.txt" ] || fail "uc-extra's file is not in the skeleton"
# an upgrade: the trigger makes a generation with the new files
rpmh -U --nodeps --replacefiles "$(fixture_rpms)"/upgrade/uc-base-1.1*.rpm > "$T/upgrade.log" 2>&1 ||
    { cat "$T/upgrade.log" >&2; fail "rpm -U failed"; }
assert_eq "$(gen)" gen-000002 "rpm -U: a new generation (trigger)"
[ -e "$h/var/lib/unicage/skel/gen-000002/tree/usr/share/uc-base/new.txt" ] || fail "the upgrade's new file is not in the new generation"
# an erase of a package a conf.d path takes: a generation without its files
rpmh -e --nodeps uc-extra > "$T/erase-extra.log" 2>&1 || { cat "$T/erase-extra.log" >&2; fail "rpm -e uc-extra failed"; }
assert_eq "$(gen)" gen-000003 "rpm -e: a new generation (trigger)"
[ ! -e "$h/var/lib/unicage/skel/gen-000003/tree/usr/share/uc-extra/extra.txt" ] || fail "the erased file is still in the skeleton"
# a transaction that changes nothing the skeleton takes: no generation
rpmh -i --nodeps --excludepath /usr "$(fixture_rpms)"/uc-extra-*.rpm > "$T/noop.log" 2>&1 || { cat "$T/noop.log" >&2; fail "rpm -i --excludepath"; }
assert_eq "$(gen)" gen-000003 "nothing changed: no generation"
# the update fails (rpm.list names a package that is gone): said, and the
# transaction succeeds
rpmh -e --nodeps uc-base > "$T/erase-base.log" 2>&1 || { cat "$T/erase-base.log" >&2; fail "a failing trigger failed rpm -e"; }
assert_grep "the skeleton update after this rpm transaction failed" "$T/erase-base.log" "the failed update is said"
rpmh -q uc-base >/dev/null 2>&1 && fail "uc-base is still installed"
assert_eq "$(gen)" gen-000003 "a failed update changes nothing"

# --- make install, make uninstall ----------------------------------------
d=$T/destdir
mkdir -p "$d/etc/unicage"
echo "/srv/mine" > "$d/etc/unicage/black.list"
# the build's own paths (another PREFIX would rebuild the binaries under test)
args=(DESTDIR="$d")
mk install "${args[@]}" > "$T/make-install.log"
assert_grep "keeping $d/etc/unicage/black.list" "$T/make-install.log" "install keeps the admin's file"
assert_eq "$(cat "$d/etc/unicage/black.list")" "/srv/mine" "the admin's black.list is unchanged"
for f in usr/local/sbin/unicage usr/local/libexec/unicage/unicage-core usr/local/share/man/man8/unicage.8 \
    usr/local/lib/systemd/system/unicage-boot.service usr/local/share/bash-completion/completions/unicage \
    etc/unicage/unicage.conf etc/unicage/conf.d/shell.cfg; do
    [ -e "$d/$f" ] || fail "make install did not put $f"
done
grep -q "^ExecStart=/usr/local/sbin/unicage -q gc --wait-lock$" "$d/usr/local/lib/systemd/system/unicage-boot.service" || fail "the units name SBINDIR"
echo "cage_mode = bind" >> "$d/etc/unicage/unicage.conf"
mk uninstall "${args[@]}" > "$T/make-uninstall.log"
assert_grep "keeping $d/etc/unicage/unicage.conf (changed" "$T/make-uninstall.log" "uninstall keeps a changed config"
(cd "$d" && find . -mindepth 1 | sort) > "$T/left"
printf '%s\n' ./etc ./etc/unicage ./etc/unicage/black.list ./etc/unicage/unicage.conf > "$T/left-want"
diff -u "$T/left-want" "$T/left" || fail "make uninstall left more (or less) than the admin's files"
echo "package ok"
