#!/usr/bin/env bash
# rpm is the referee: rpmscan --tsv agrees file by file with rpm -q --qf /
# rpm -qp --qf, and --verify with rpm -Vv, on the fixture root, on real .rpm
# files and on the real databases of ../shared (copied first).
. "$(dirname "$0")/lib.sh"
oracle="python3 $UNICAGE_SRC/tests/integration/rpm_oracle.py"

fixture_root "$T/root"
$oracle db "$UC" "$T/root" /var/lib/rpm
$oracle pkg "$UC" "$(fixture_rpms)"/*.rpm

# --verify against rpm -Vv on a tree where files were changed, chmod'ed,
# chown'ed, retargeted, appended to, touched and deleted.
r=$T/root
printf 'shared DATA\n' > "$r/usr/share/uc-base/data.txt"     # same size: 5 T
chmod 0700 "$r/usr/bin/uc-tool"                               # M
rm "$r/etc/uc-base/base.conf" "$r/etc/uc-base/opt.conf"       # missing (config, missingok)
ln -sfn uc-suid "$r/usr/bin/uc-link"                          # L
chown 0:0 "$r/usr/lib/uc-base/owned.txt"                      # U G
echo more >> "$r/usr/lib/uc-lib/libuc.so.1"                   # S 5 T
touch -d 2020-01-01 "$r/usr/lib/uc-core/core.txt"             # T only
mkdir -p "$r/var/log" && install -m 0600 /dev/null "$r/var/log/uc-base.log"  # ghost: M only
$oracle verify "$UC" "$r" /var/lib/rpm

# What --verify does to classes: changed content or metadata -> config,
# mtime alone stays shared, missing -> skip.
uc rpmscan --sysroot "$r" --all --verify --tsv > "$T/v.tsv"
class_of() { awk -F'\t' -v p="$1" '$2 == p && $1 !~ /^uc-over/ {print $14 "/" $15}' "$T/v.tsv"; }
assert_eq "$(class_of /usr/share/uc-base/data.txt)" "config/..5....T." "changed content"
assert_eq "$(class_of /usr/lib/uc-lib/libuc.so.1)" "config/S.5....T." "appended binary"
assert_eq "$(class_of /usr/bin/uc-tool)" "config/.M......." "chmod"
assert_eq "$(class_of /usr/lib/uc-base/owned.txt)" "config/.....UG.." "chown"
assert_eq "$(class_of /usr/lib/uc-core/core.txt)" "shared/.......T." "mtime only"
assert_eq "$(class_of /etc/uc-base/base.conf)" "skip/missing" "deleted"
assert_eq "$(class_of /usr/share/uc-extra/extra.txt)" "shared/........." "untouched"

# An extended ACL is a mode difference (rpm built with ACL support says so;
# Debian's librpm is built without it, so this is checked against rpm's rule,
# not Debian's rpm binary).
setfacl -m u:2:r "$r/usr/share/uc-extra/extra.txt"
uc rpmscan --sysroot "$r" uc-extra --verify --tsv > "$T/v.tsv"
assert_eq "$(class_of /usr/share/uc-extra/extra.txt)" "config/.M......." "ACL"

# Real data nobody here wrote.
if have_shared; then
    $oracle pkg "$UC" "$UNICAGE_SHARED"/data/rpms/*.rpm "$UNICAGE_SHARED"/data/rpms/*.rpm-v3
    for db in "$UNICAGE_SHARED"/data/rpmdb/*/; do
        name=$(basename "$db")
        mkdir -p "$T/db-$name/var/lib/rpm"
        cp "$db"/* "$T/db-$name/var/lib/rpm/"
        files=$(cd "$db" && ls)
        before=$(cd "$T/db-$name/var/lib/rpm" && sha $files)
        $oracle db "$UC" "$T/db-$name" /var/lib/rpm
        after=$(cd "$T/db-$name/var/lib/rpm" && sha $files)
        assert_eq "$after" "$before" "$name database files changed by a scan"
    done
    # Real packages installed into a private root: caps, hardlinks, %verify
    # flags, unknown owners, symlinked directories; query and verify.
    rr=$T/real
    for p in capstest-1.0-1.noarch.rpm hello-2.0-1.x86_64.rpm hlinktest-1.0-1.noarch.rpm \
             rpm-file-attrs-1.0-1.noarch.v6.rpm rpm-file-types-1.0-1.noarch.v6.rpm \
             centos-release-7-2.1511.el7.centos.2.10.x86_64.rpm epel-release-7-5.noarch.rpm \
             simple-1.0.1-1.i386.rpm; do
        rpm --root "$rr" --dbpath /var/lib/rpm --nodeps --noscripts --ignorearch \
            -i "$UNICAGE_SHARED/data/rpms/$p" >/dev/null 2>&1 || fail "rpm -i $p"
    done
    chmod 0600 "$rr/usr/bin/hello"
    chown 5:5 "$rr/opt/rpm-file-attrs/different-owner-and-group"
    $oracle db "$UC" "$rr" /var/lib/rpm
    $oracle verify "$UC" "$rr" /var/lib/rpm

    # The real RHEL 8.4 root: Berkeley DB Packages, merged /usr, 15,726
    # ghosts, docs not installed. Every file against rpm, --verify against
    # rpm -Vv, and what it flags against rpm -Va, which (its README says)
    # reports exactly one missing file.
    rf=$T/rhel
    rhel_root "$rf"
    dbfiles() { (cd "$rf/var/lib/rpm" && ls -a | sort && sha *); }
    before=$(dbfiles)
    $oracle db "$UC" "$rf" /var/lib/rpm
    $oracle verify "$UC" "$rf" /var/lib/rpm
    assert_eq "$(dbfiles)" "$before" "the RHEL rpmdb changed by a scan"
    uc rpmscan --sysroot "$rf" --all --verify --tsv > "$T/v.tsv"
    assert_eq "$(awk -F'\t' 'NR > 1 && $15 !~ /^(\.*|missing)?$/' "$T/v.tsv" | wc -l)" 0 \
        "RHEL files changed on disk"
    assert_eq "$(awk -F'\t' '$15 == "missing" && $12 !~ /ghost|missingok/ {print $2 " " $14}' \
        "$T/v.tsv")" "/usr/lib/locale/C.utf8/LC_COLLATE skip" "RHEL files missing"
    rc=0
    HOME=$T rpm --root "$rf" --dbpath /var/lib/rpm -Va > "$T/va.out" 2>/dev/null || rc=$?
    assert_eq "$rc" 1 "rpm -Va exit code"
    assert_eq "$(awk '{print $NF}' "$T/va.out")" "/usr/lib/locale/C.utf8/LC_COLLATE" "rpm -Va"
    # Changed as a RHEL host changes: through the merged-/usr links (rpm
    # -V chroots; rpmscan must resolve every link inside the root the same
    # way, an absolute one and one climbing above / included), configs
    # edited and touched, a binary chmod'ed, a symlink retargeted.
    echo x >> "$rf/usr/lib64/libm.so.6"
    rm "$rf/lib64" && ln -s /usr/lib64 "$rf/lib64"
    mkdir -p "$rf/opt" && mv "$rf/usr/share/terminfo/x" "$rf/opt/x"
    ln -s ../../../../../../../../opt/x "$rf/usr/share/terminfo/x"
    chmod 0700 "$rf/usr/bin/bash"
    touch -d 2020-01-01 "$rf/etc/bashrc"
    echo '#' >> "$rf/etc/profile"
    ln -sfn /etc/hostname "$rf/usr/bin/sh"
    $oracle verify "$UC" "$rf" /var/lib/rpm > "$T/v.out" || { cat "$T/v.out"; fail "RHEL verify after changes"; }
    assert_grep "rpm -Va: 7 problems, the same as rpmscan's" "$T/v.out" "RHEL changes seen"
else
    echo "note: ../shared not present, real-data oracle skipped"
fi
