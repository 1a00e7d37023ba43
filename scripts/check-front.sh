#!/usr/bin/env bash
# The static front (build/unicage: cli/front.c and what it calls) runs for
# every exec, enter and no-op update as root: it must hold none of the code
# that reads the rpmdb, mounts, archives, ELF files or the user database
# through NSS (which a static binary would dlopen: enter/fast.h). Fails with
# the symbols that got in.
#   scripts/check-front.sh BUILD/unicage
set -euo pipefail
bin=${1:?usage: check-front.sh UNICAGE_FRONT}
pat=' (rpm[A-Z][A-Za-z]*|rpmts[A-Za-z]*|rpmdb[A-Za-z]*|header[A-Z][A-Za-z]*|mnt_[a-z_]*|archive_[a-z_]*|ZSTD_[A-Za-z_]*|acl_[a-z_]*|elf_[a-z_]*|gelf_[a-z_]*|getpw[a-z_]*|getgr[a-z_]*|getspnam[a-z_]*|initgroups|__nss_[a-z_]*|_nss_[a-z_]*|pam_[a-z_]*)$'
 bad=$(nm -g "$bin" | grep -E "$pat" | awk '{print $NF}' | sort -u || true)
if [ -n "$bad" ]; then
    echo "check-front: $bin holds code it must not (librpm, libmount, libarchive, zstd, ACL, libelf, NSS, PAM):" >&2
    echo "$bad" | sed 's/^/  /' >&2
    exit 1
fi
echo "check-front: $bin: none of librpm, libmount, libarchive, zstd, ACL, libelf, NSS, PAM ($(nm -g "$bin" | wc -l) global symbols)"
