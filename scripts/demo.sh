#!/usr/bin/env bash
# The unicage demo: a fake host tree with real RPMs (built here with rpmbuild)
# installed into its own private rpmdb, then what `unicage rpmscan` says of it.
# Touches nothing of this machine: everything lives in a temporary directory
# (kept with KEEP=1) and runs against a private unicage.conf.
#   scripts/demo.sh /abs/path/to/unicage
set -euo pipefail
UC=${1:?usage: demo.sh UNICAGE_BINARY}
src=$(cd "$(dirname "$0")/.." && pwd)
demo=$(mktemp -d /tmp/unicage-demo.XXXXXX)
# unified files are immutable (+i): clear that before removing the tree
[ "${KEEP:-0}" = 1 ] || trap 'set +e; chattr -R -i "$demo" 2>/dev/null; rm -rf "$demo"' EXIT
export UNICAGE_CONFIG=$demo/unicage.conf
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

step "Build fixture RPMs with rpmbuild and install them into a fake host ($demo/host)"
"$src/scripts/make-fixture-rpms.sh" "$demo/rpms" >/dev/null
"$src/scripts/make-fixture-root.sh" "$demo/host" "$demo/rpms"
ls "$demo/rpms"
mkdir -p "$demo/etc/conf.d"
cat > "$UNICAGE_CONFIG" <<CONF
# private configuration of this demo
sysroot = $demo/host
state_dir = $demo/state
config_dir = $demo/etc
CONF
echo "unicage.conf: sysroot = $demo/host (rpmdb at /var/lib/rpm inside it)"

step "Every file of every installed package, classified"
run "$UC" rpmscan --all

step "Only what uc-base needs: --requires resolves names, provides and file deps"
printf '$ %s\n' "$UC rpmscan --requires uc-base --tsv | cut -f1 | sort | uniq -c"
"$UC" rpmscan --requires uc-base --tsv | tail -n +2 | cut -f1 | sort | uniq -c

step "A local change on the host: --verify agrees with rpm -V, and the class follows"
printf 'patched!\n' >> "$demo/host/usr/bin/uc-tool"
chmod 0700 "$demo/host/usr/lib/uc-lib/libuc.so.1"
run "$UC" rpmscan --verify uc-base uc-lib | grep -v '\.\.\.\.\.\.\.\.\.' || true
echo "--- rpm -V says:"
rpm --root "$demo/host" --dbpath /var/lib/rpm -V --nodeps uc-base uc-lib || true

step "JSON for control panels"
run "$UC" rpmscan --json uc-core
step "A .rpm file read directly (nothing installed)"
run "$UC" rpmscan --rpm "$demo/rpms/uc-lib-1.0-1.noarch.rpm"
step "unify (vunify): two guests copied from the host, their duplicates made one immutable object"
cp -a "$demo/host" "$demo/guest1"
cp -a "$demo/host" "$demo/guest2"
echo "locally changed in guest2" >> "$demo/guest2/usr/share/uc-base/data.txt"
run "$UC" vdu -s "$demo/guest1" "$demo/guest2"
run "$UC" unify --rpmdb -v "$demo/guest1" "$demo/guest2" | grep -v "skipped: excluded" || true
echo "--- objects are +i, one inode for both guests; %config and changed files stay apart:"
ls -li "$demo/guest1/usr/bin/uc-tool" "$demo/guest2/usr/bin/uc-tool" \
    "$demo/guest1/usr/lib/uc-base/os-release" "$demo/guest2/usr/lib/uc-base/os-release" \
    "$demo/guest1/usr/share/uc-base/data.txt" "$demo/guest2/usr/share/uc-base/data.txt"
lsattr "$demo/guest1/usr/bin/uc-tool"
run "$UC" vdu -s --inodes "$demo/guest1" "$demo/guest2" "$demo/state/store"
step "unify --split: a private, writable copy again"
run "$UC" unify --split "$demo/guest2/usr/bin/uc-tool"
ls -li "$demo/guest1/usr/bin/uc-tool" "$demo/guest2/usr/bin/uc-tool"

step "The skeleton: rpm.list packages + conf.d paths - black.list, in generations"
cat > "$demo/etc/conf.d/base.cfg" <<'CFG'
[base]
comment=accounts every cage needs
paths=/etc/passwd, /etc/group
CFG
echo "/usr/share/licenses" > "$demo/etc/black.list"
run "$UC" addrpm --requires uc-base
run "$UC" init
echo "--- shared files are +i objects, config files private copies, stubs name their objects:"
cur="$demo/state/skel/current"
ls -li "$cur/tree/usr/bin/uc-tool" "$cur/tree/etc/uc-base/base.conf"
lsattr "$cur/tree/usr/bin/uc-tool"
stat -c '%n: %s bytes, %b blocks' "$cur/stubs/usr/bin/uc-tool"
getfattr --absolute-names -d -m trusted.overlay "$cur/stubs/usr/bin/uc-tool"
run "$UC" update
rpm --root "$demo/host" --dbpath /var/lib/rpm --nodeps --noscripts --replacefiles \
    -U "$demo/rpms/upgrade/uc-base-1.1-1.noarch.rpm" 2>/dev/null || true
echo "\$ rpm -U uc-base-1.1 on the host"
run "$UC" update -q
run "$UC" status

step "Errors: exit codes 4 (not found) and 3 (bad request), JSON envelope"
"$UC" rpmscan no-such-package || echo "exit $?"
"$UC" --json rpmscan --sysroot "$demo/nowhere" --all || echo "exit $?"
echo
[ "${KEEP:-0}" = 1 ] && echo "demo tree kept in $demo" || true
