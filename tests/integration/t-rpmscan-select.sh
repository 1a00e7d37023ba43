#!/usr/bin/env bash
# Selection (names, labels, --all, --requires), database discovery under
# sysroot, and the class rule with the path policy from unicage.conf.
. "$(dirname "$0")/lib.sh"
fixture_root "$T/root"
r=$T/root
pkgs() { cut -f1 "$T/out" | tail -n +2 | sort -u | tr '\n' ' '; }

# Names and every label form; an unknown package is exit 4.
expect_exit 0 uc rpmscan --sysroot "$r" --tsv uc-core uc-lib-1.0 uc-extra-2.0-1 uc-over-1.0-1.noarch uc-base-0:1.0-1.noarch
assert_eq "$(pkgs)" "uc-base-1.0-1.noarch uc-core-1.0-1.noarch uc-extra-2.0-1.noarch uc-lib-1.0-1.noarch uc-over-1.0-1.noarch " "labels"
expect_exit 4 uc rpmscan --sysroot "$r" uc-core nosuch
assert_grep "nosuch" "$T/err" "names the unknown package"
expect_exit 4 uc rpmscan --sysroot "$r" uc-core-9.9
expect_exit 4 uc --json rpmscan --sysroot "$r" nosuch
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["data"] is None and d["metadata"]["result"]=="NotFound", d' "$T/out"

# --requires: uc-base needs uc-lib (by name, by versioned provide and by
# file), uc-lib needs uc-core; uc-extra and uc-over are not needed.
expect_exit 0 uc rpmscan --sysroot "$r" --tsv --requires uc-base
assert_eq "$(pkgs)" "uc-base-1.0-1.noarch uc-core-1.0-1.noarch uc-lib-1.0-1.noarch " "requires closure"
expect_exit 0 uc rpmscan --sysroot "$r" --tsv --requires uc-core
assert_eq "$(pkgs)" "uc-core-1.0-1.noarch " "leaf"
# the same through a .rpm file: requirements resolved in the rpmdb
expect_exit 0 uc rpmscan --sysroot "$r" --tsv --requires --rpm "$(fixture_rpms)"/uc-lib-1.0-1.noarch.rpm
assert_eq "$(pkgs)" "uc-core-1.0-1.noarch uc-lib-1.0-1.noarch " "requires from a .rpm"
# --all takes every file of every package
expect_exit 0 uc rpmscan --sysroot "$r" --all --tsv
assert_eq "$(tail -n +2 "$T/out" | wc -l)" "29" "--all file count"

# The class rule: %config under /usr is config, a plain file in /etc is
# config (path policy), %ghost is ghost, replaced/not installed/net shared skip.
expect_exit 0 uc rpmscan --sysroot "$r" --tsv uc-base
cls() { awk -F'\t' -v p="$1" '$2 == p {print $14}' "$T/out"; }
assert_eq "$(cls /usr/lib/uc-base/os-release)" config "%config under /usr"
assert_eq "$(cls /etc/uc-base/plain.txt)" config "plain file in /etc"
assert_eq "$(cls /etc/uc-base/keep.conf)" config "%config(noreplace)"
assert_eq "$(cls /var/log/uc-base.log)" ghost "%ghost"
assert_eq "$(cls /usr/share/uc-base/replaced.txt)" skip "replaced"
assert_eq "$(cls /usr/share/doc/uc-base/README)" skip "excluded doc"
assert_eq "$(cls /srv/uc-net/file.txt)" skip "net shared"
assert_eq "$(cls /usr/bin/uc-suid)" shared "setuid binary"
assert_eq "$(cls /usr/bin/uc-link)" shared "symlink"
assert_eq "$(cls /usr/lib/uc-base/hl-b)" shared "hardlink"
st() { awk -F'\t' -v p="$1" '$2 == p {print $13 " " $12 " " $4 " " $5}' "$T/out"; }
assert_eq "$(st /usr/share/uc-base/replaced.txt)" "replaced  0644 root" "state"
assert_eq "$(st /usr/share/doc/uc-base/README)" "notinstalled doc 0644 root" "state"
assert_eq "$(st /srv/uc-net/file.txt)" "netshared  0644 root" "state"
assert_eq "$(st /usr/bin/uc-suid)" "normal  4755 root" "setuid mode"
assert_eq "$(st /usr/lib/uc-base/owned.txt)" "normal  0640 daemon" "owner"

# The path policy comes from unicage.conf: without /etc, plain.txt is shared.
echo "local_paths = /var, /srv /usr/lib/uc-core" > "$UNICAGE_CONFIG"
expect_exit 0 uc rpmscan --sysroot "$r" --tsv uc-base uc-core
assert_eq "$(cls /etc/uc-base/plain.txt)" shared "policy without /etc"
assert_eq "$(cls /etc/uc-base/base.conf)" config "%config stays config"
assert_eq "$(cls /usr/lib/uc-core/core.txt)" config "policy path"
# sysroot from unicage.conf, --sysroot wins over it
printf 'sysroot = %s\n' "$r" > "$UNICAGE_CONFIG"
expect_exit 0 uc rpmscan --tsv uc-core
expect_exit 4 uc rpmscan --sysroot "$T" --tsv uc-core
: > "$UNICAGE_CONFIG"

# Database discovery: /usr/lib/sysimage/rpm, and Fedora's symlink
# /var/lib/rpm -> ../../usr/lib/sysimage/rpm resolved inside sysroot.
mkdir -p "$T/f/usr/lib/sysimage"
cp -a "$r/var/lib/rpm" "$T/f/usr/lib/sysimage/rpm"
expect_exit 0 uc rpmscan --sysroot "$T/f" --tsv uc-core
mkdir -p "$T/f/var/lib"
ln -s ../../usr/lib/sysimage/rpm "$T/f/var/lib/rpm"
expect_exit 0 uc rpmscan --sysroot "$T/f" --tsv uc-core
# an absolute link is resolved inside sysroot too, never to the real host
rm "$T/f/var/lib/rpm" && ln -s /usr/lib/sysimage/rpm "$T/f/var/lib/rpm"
expect_exit 0 uc rpmscan --sysroot "$T/f" --dbpath /var/lib/rpm --tsv uc-core
mkdir -p "$T/g/var/lib" && ln -s /var/lib/dpkg "$T/g/var/lib/rpm"
expect_exit 4 uc rpmscan --sysroot "$T/g" --all
expect_exit 0 uc rpmscan --sysroot "$r" --dbpath /var/lib/rpm --tsv uc-core
expect_exit 4 uc rpmscan --sysroot "$r" --dbpath /usr/lib/sysimage/rpm --tsv uc-core
expect_exit 3 uc rpmscan --sysroot "$r" --dbpath var/lib/rpm uc-core

# JSON envelope of a scan
expect_exit 0 uc rpmscan --sysroot "$r" --json uc-lib
python3 - "$T/out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["metadata"] == {"result": "ok"}, d
paths = [f["path"] for f in d["data"]]
assert paths == ["/usr/lib/uc-lib", "/usr/lib/uc-lib/libuc.so.1"], paths
f = d["data"][1]
assert f["class"] == "shared" and f["mode"] == "0755" and f["digest_algo"] == "sha256", f
assert f["verify"] is None and f["link"] is None and f["flags"] == [], f
PY
# the table names packages and counts classes
expect_exit 0 uc rpmscan --sysroot "$r" uc-base
assert_grep "^uc-base-1.0-1.noarch" "$T/out" "table package heading"
assert_grep "22 files: 11 shared, 6 config, 1 ghost, 4 skip" "$T/out" "table summary"
