#!/usr/bin/env bash
# Build the small fixture RPMs the tests and the demo use, with rpmbuild.
#   scripts/make-fixture-rpms.sh OUTDIR
# Packages (all noarch, no scripts):
#   uc-core   leaf package
#   uc-lib    provides libuc(api) = 1.0, requires uc-core
#   uc-base   %config, %config(noreplace), %config(missingok), a %config file
#             under /usr, a plain file in /etc, %ghost, %doc, %license, a
#             setuid binary, a symlink, a hardlink pair, a file owned
#             by daemon, a net-shared directory, a file uc-over replaces;
#             requires uc-lib, libuc(api) >= 1.0 and /usr/lib/uc-lib/libuc.so.1
#   uc-over   replaces /usr/share/uc-base/replaced.txt (install --replacefiles)
#   uc-extra  nothing requires it
#   upgrade/uc-base-1.1: uc-base with data.txt changed, uc-tool unchanged,
#             empty/ gone and new.txt added (for rpm -U tests)
#   uc-big    (only with UC_BIG_FILES=N) N files, for benchmarks
# (No fifo: rpm 4.18.0 hangs opening a fifo it installs.)
set -euo pipefail
out=${1:?usage: make-fixture-rpms.sh OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
top=$(mktemp -d)
trap 'rm -rf "$top"' EXIT
mkdir -p "$top"/{SPECS,BUILD,RPMS,SOURCES,SRPMS,BUILDROOT}

header() { # name version requires...
    local name=$1 version=$2; shift 2
    cat <<SPEC
Name: $name
Version: $version
Release: 1
Summary: unicage test fixture $name
License: MIT
BuildArch: noarch
AutoReqProv: no
SPEC
    local r; for r in "$@"; do echo "Requires: $r"; done
    printf '\n%%description\nunicage test fixture %s.\n\n' "$name"
}

spec_core() {
    header uc-core 1.0
    cat <<'SPEC'
%install
mkdir -p %{buildroot}/usr/lib/uc-core
echo core > %{buildroot}/usr/lib/uc-core/core.txt

%files
/usr/lib/uc-core
SPEC
}

spec_lib() {
    header uc-lib 1.0 uc-core
    cat <<'SPEC'
Provides: libuc(api) = 1.0
%install
mkdir -p %{buildroot}/usr/lib/uc-lib
printf 'ELF-ish library\n' > %{buildroot}/usr/lib/uc-lib/libuc.so.1
chmod 0755 %{buildroot}/usr/lib/uc-lib/libuc.so.1

%files
/usr/lib/uc-lib
SPEC
}

spec_base() {
    header uc-base 1.0 uc-lib 'libuc(api) >= 1.0' /usr/lib/uc-lib/libuc.so.1
    cat <<'SPEC'
%install
b=%{buildroot}
mkdir -p $b/etc/uc-base $b/usr/bin $b/usr/lib/uc-base $b/usr/share/uc-base/empty \
         $b/usr/share/doc/uc-base $b/usr/share/licenses/uc-base $b/var/log $b/srv/uc-net
echo 'base = 1' > $b/etc/uc-base/base.conf
echo 'keep = 1' > $b/etc/uc-base/keep.conf
echo 'opt = 1' > $b/etc/uc-base/opt.conf
echo 'plain file in /etc' > $b/etc/uc-base/plain.txt
echo 'ID=uc' > $b/usr/lib/uc-base/os-release
printf '#!/bin/sh\necho uc-tool\n' > $b/usr/bin/uc-tool
printf '#!/bin/sh\necho uc-suid\n' > $b/usr/bin/uc-suid
chmod 0755 $b/usr/bin/uc-tool $b/usr/bin/uc-suid
ln -s uc-tool $b/usr/bin/uc-link
echo 'one inode, two names' > $b/usr/lib/uc-base/hl-a
ln $b/usr/lib/uc-base/hl-a $b/usr/lib/uc-base/hl-b
echo 'owned by daemon' > $b/usr/lib/uc-base/owned.txt
echo 'shared data' > $b/usr/share/uc-base/data.txt
echo 'from uc-base' > $b/usr/share/uc-base/replaced.txt
echo 'net shared' > $b/srv/uc-net/file.txt
echo 'read me' > $b/usr/share/doc/uc-base/README
echo 'MIT' > $b/usr/share/licenses/uc-base/LICENSE
touch $b/var/log/uc-base.log

%files
%dir /etc/uc-base
%config /etc/uc-base/base.conf
%config(noreplace) /etc/uc-base/keep.conf
%config(missingok) /etc/uc-base/opt.conf
/etc/uc-base/plain.txt
%dir /usr/lib/uc-base
%config /usr/lib/uc-base/os-release
/usr/lib/uc-base/hl-a
/usr/lib/uc-base/hl-b
%attr(0640,daemon,daemon) /usr/lib/uc-base/owned.txt
/usr/bin/uc-tool
/usr/bin/uc-link
%attr(4755,root,root) /usr/bin/uc-suid
/usr/share/uc-base
/srv/uc-net
%doc /usr/share/doc/uc-base/README
%license /usr/share/licenses/uc-base/LICENSE
%ghost /var/log/uc-base.log
SPEC
}

spec_over() {
    header uc-over 1.0
    cat <<'SPEC'
%install
mkdir -p %{buildroot}/usr/share/uc-base
echo 'from uc-over' > %{buildroot}/usr/share/uc-base/replaced.txt

%files
/usr/share/uc-base/replaced.txt
SPEC
}

spec_extra() {
    header uc-extra 2.0
    cat <<'SPEC'
%install
mkdir -p %{buildroot}/usr/share/uc-extra
echo extra > %{buildroot}/usr/share/uc-extra/extra.txt

%files
/usr/share/uc-extra
SPEC
}

# uc-big: many small files in a few hundred directories (benchmarks).
spec_big() {
    header "uc-big$1" 1.0
    cat <<SPEC
%install
for d in \$(seq 1 $(( ($2 + 49) / 50 ))); do
    mkdir -p %{buildroot}/usr/share/uc-big$1/d\$d
    for f in \$(seq 1 50); do echo "big$1 \$d \$f" > %{buildroot}/usr/share/uc-big$1/d\$d/f\$f; done
done

%files
/usr/share/uc-big$1
SPEC
}

build() { # name spec-function [args]
    local name=$1; shift
    "$@" > "$top/SPECS/$name.spec"
    SOURCE_DATE_EPOCH=1700000000 rpmbuild -bb --quiet --nodeps \
        --define "_topdir $top" \
        --define '__os_install_post %{nil}' \
        --define '_build_id_links none' \
        --define 'use_source_date_epoch_as_buildtime 1' \
        --define 'clamp_mtime_to_source_date_epoch 1' \
        --define '_buildhost fixture.unicage' \
        "$top/SPECS/$name.spec" >/dev/null
}

# uc-base 1.1: the same spec with a few changes
spec_base_11() {
    spec_base | sed -e 's/^Version: 1.0$/Version: 1.1/' \
        -e "s/echo 'shared data'/echo 'shared data, version 1.1'/" \
        -e 's|^mkdir -p \$b/etc/uc-base \$b/usr/bin \$b/usr/lib/uc-base \$b/usr/share/uc-base/empty|mkdir -p $b/etc/uc-base $b/usr/bin $b/usr/lib/uc-base $b/usr/share/uc-base|' \
        -e "s|^touch \$b/var/log/uc-base.log|touch \$b/var/log/uc-base.log; echo new > \$b/usr/share/uc-base/new.txt|"
}

build uc-core spec_core
build uc-lib spec_lib
build uc-base spec_base
build uc-over spec_over
build uc-extra spec_extra
if [ -n "${UC_BIG_FILES:-}" ]; then
    for i in $(seq 1 "${UC_BIG_PACKAGES:-1}"); do
        build "uc-big$i" spec_big "$i" "$UC_BIG_FILES"
    done
fi
find "$top/RPMS" -name '*.rpm' -exec cp {} "$out/" \;
rm -rf "$top/RPMS"/*
build uc-base spec_base_11
mkdir -p "$out/upgrade"
find "$top/RPMS" -name '*.rpm' -exec cp {} "$out/upgrade/" \;
ls "$out"
