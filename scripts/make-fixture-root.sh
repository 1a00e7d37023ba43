#!/usr/bin/env bash
# Make a fake host tree with the fixture RPMs installed into its own private
# rpmdb (never the machine's):
#   scripts/make-fixture-root.sh ROOT RPMDIR
# ROOT gets etc/passwd and etc/group of its own (daemon is uid/gid 2 there,
# not the 1 Debian uses, so owner names must be resolved through ROOT), then
#   uc-core, uc-lib, uc-extra        plain installs
#   uc-base                          --excludedocs (its %doc: "not installed"),
#                                    _netsharedpath /srv/uc-net ("net shared")
#   uc-over                          --replacefiles (uc-base's replaced.txt: "replaced")
# all with: rpm --root ROOT --dbpath /var/lib/rpm --nodeps --noscripts -i
set -euo pipefail
root=${1:?usage: make-fixture-root.sh ROOT RPMDIR}
rpms=${2:?usage: make-fixture-root.sh ROOT RPMDIR}
mkdir -p "$root/etc" "$root/var/lib/rpm"
root=$(cd "$root" && pwd)
cat > "$root/etc/passwd" <<'PW'
root:x:0:0:root:/root:/bin/bash
bin:x:1:1:bin:/bin:/sbin/nologin
daemon:x:2:2:daemon:/sbin:/sbin/nologin
nobody:x:65534:65534:Kernel Overflow User:/:/sbin/nologin
PW
cat > "$root/etc/group" <<'GR'
root:x:0:
bin:x:1:
daemon:x:2:
nobody:x:65534:
GR
rpmi() {
    # Debian's rpm warns that it is not the system package manager; that is
    # the point here (a private root), so the warning is dropped.
    rpm --root "$root" --dbpath /var/lib/rpm --nodeps --noscripts -i "$@" 2>&1 |
        grep -v -e 'Alien' -e 'assuming you know' -e '^$' >&2 || true
}
rpmi "$rpms"/uc-core-*.rpm "$rpms"/uc-lib-*.rpm "$rpms"/uc-extra-*.rpm
rpmi --excludedocs --define '_netsharedpath /srv/uc-net' "$rpms"/uc-base-*.rpm
rpmi --replacefiles "$rpms"/uc-over-*.rpm
for big in "$rpms"/uc-big*.rpm; do
    [ -e "$big" ] && rpmi "$big"
done
rpm --root "$root" --dbpath /var/lib/rpm -q uc-core uc-lib uc-base uc-over uc-extra >/dev/null
