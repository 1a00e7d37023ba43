#!/usr/bin/env bash
# Install every build, test and benchmark dependency of unicage.
# Idempotent: when everything is there already it changes nothing.
#   Debian 12 (apt-get) · EL 8/9, Fedora (dnf)
set -euo pipefail

debian_pkgs=(
    build-essential pkg-config            # build
    librpm-dev libacl1-dev libattr1-dev libzstd-dev libmount-dev libcap-dev libarchive-dev zlib1g-dev
    libelf-dev libseccomp-dev             # ELF checks of a generation (elfutils), the cages' seccomp filter
    libcmocka-dev                         # unit tests
    clang libclang-rt-14-dev              # make fuzz (libFuzzer, ASan, UBSan runtimes)
    libjson-c-dev                         # proxy filters (filters/ALIAS.json)
    libpam0g-dev                          # pam_unicage.so
    pamtester openssh-server openssh-client cron rsync  # the PAM module's tests (a private sshd on loopback, cron, rsync over ssh)
    rpm                                   # rpm and rpmbuild: fixtures and the oracle
    acl attr e2fsprogs util-linux bsdutils python3 zstd libcap2-bin procps  # integration tests (setfacl, setfattr, chattr, setcap, unshare, nsenter, findmnt, pgrep, script)
    jdupes rdfind hyperfine debootstrap xfsprogs sudo  # benchmarks and corpus A (XFS: the RHEL init case; sudo: the proxy case)
    scdoc man-db systemd bash             # man pages (scdoc, man -l), units (systemd-analyze verify), completion
)
el_pkgs=(
    gcc make pkgconf-pkg-config
    rpm-devel libacl-devel libattr-devel libzstd-devel libmount-devel libcap-devel libarchive-devel zlib-devel
    elfutils-libelf-devel libseccomp-devel
    libcmocka-devel
    clang compiler-rt
    json-c-devel
    pam-devel
    pamtester openssh-server openssh-clients cronie rsync
    rpm rpm-build
    acl attr e2fsprogs util-linux python3 zstd libcap procps-ng
    jdupes rdfind hyperfine xfsprogs sudo
    scdoc man-db systemd bash glibc-static  # man pages, units, completion; the static front
)

sudo_=""
[ "$(id -u)" = 0 ] || sudo_=sudo

if command -v apt-get >/dev/null 2>&1 && [ -e /etc/debian_version ]; then
    missing=()
    for p in "${debian_pkgs[@]}"; do
        case $p in \#*) continue ;; esac
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "install-deps: installing ${missing[*]}"
        $sudo_ apt-get update -qq
        # openssh-server (tests only) must not start the host's sshd: a
        # policy-rc.d that refuses every start while apt installs (kept if
        # the admin has one)
        prc=""
        if [ ! -e /usr/sbin/policy-rc.d ]; then
            prc=/usr/sbin/policy-rc.d
            printf '#!/bin/sh\nexit 101\n' | $sudo_ tee "$prc" >/dev/null
            $sudo_ chmod 0755 "$prc"
        fi
        rc=0
        DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || rc=$?
        [ -z "$prc" ] || $sudo_ rm -f "$prc"
        [ "$rc" = 0 ] || exit "$rc"
    fi
elif command -v dnf >/dev/null 2>&1; then
    # EL needs EPEL for cmocka, jdupes and hyperfine; CRB for some -devel packages.
    if [ -e /etc/redhat-release ] && ! grep -qi fedora /etc/redhat-release; then
        rpm -q epel-release >/dev/null 2>&1 || $sudo_ dnf install -y -q epel-release
        $sudo_ dnf config-manager --set-enabled crb 2>/dev/null ||
            $sudo_ dnf config-manager --set-enabled powertools 2>/dev/null || true
    fi
    missing=()
    for p in "${el_pkgs[@]}"; do rpm -q "$p" >/dev/null 2>&1 || missing+=("$p"); done
    [ ${#missing[@]} -eq 0 ] || $sudo_ dnf install -y -q "${missing[@]}"
else
    echo "install-deps: no apt-get (Debian) or dnf (EL/Fedora) found; install by hand:" >&2
    echo "  ${debian_pkgs[*]}" >&2
    exit 1
fi
for lib in rpm libacl libattr libzstd mount libcap cmocka libarchive libelf libseccomp pam; do
    pkg-config --exists "$lib" || { echo "install-deps: pkg-config cannot find $lib" >&2; exit 1; }
done
echo "install-deps: all dependencies present"
