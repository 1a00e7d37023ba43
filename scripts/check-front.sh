#!/usr/bin/env bash
# The static front (build/unicage: cli/front.c and what it calls) runs for
# every exec, enter and no-op update as root: it must hold none of the code
# that reads the rpmdb, mounts, archives, ELF files or the user database
# through NSS (which a static binary would dlopen: enter/fast.h). Fails with
# the symbols that got in.
# Its files are the GNUmakefile's FRONT_SRC, linked as objects: a call into
# a file not listed does not link. Given the link map and the objects, it
# also fails when a listed file has nothing in the binary (a dead entry:
# the list says exactly what the front is made of).
#   scripts/check-front.sh BUILD/unicage [BUILD/unicage.map OBJECT...]
set -euo pipefail
bin=${1:?usage: check-front.sh UNICAGE_FRONT [MAP OBJECT...]}
pat=' (rpm[A-Z][A-Za-z]*|rpmts[A-Za-z]*|rpmdb[A-Za-z]*|header[A-Z][A-Za-z]*|mnt_[a-z_]*|archive_[a-z_]*|ZSTD_[A-Za-z_]*|acl_[a-z_]*|elf_[a-z_]*|gelf_[a-z_]*|getpw[a-z_]*|getgr[a-z_]*|getspnam[a-z_]*|initgroups|__nss_[a-z_]*|_nss_[a-z_]*|pam_[a-z_]*)$'
 bad=$(nm -g "$bin" | grep -E "$pat" | awk '{print $NF}' | sort -u || true)
if [ -n "$bad" ]; then
    echo "check-front: $bin holds code it must not (librpm, libmount, libarchive, zstd, ACL, libelf, NSS, PAM):" >&2
    echo "$bad" | sed 's/^/  /' >&2
    exit 1
fi
echo "check-front: $bin: none of librpm, libmount, libarchive, zstd, ACL, libelf, NSS, PAM ($(nm -g "$bin" | wc -l) global symbols)"
[ $# -ge 2 ] || exit 0
map=$2
shift 2
# the input sections kept: in the memory map part, an address and a size
# other than 0 followed by the object (a long section name puts them on
# the next line)
kept=$(awk '/^Linker script and memory map/ { m = 1 }
	m && NF >= 3 && $(NF-2) ~ /^0x/ && $(NF-2) !~ /^0x0+$/ && $(NF-1) ~ /^0x/ && $(NF-1) !~ /^0x0+$/ { print $NF }' "$map" | sort -u)
dead=
for o in "$@"; do
    grep -qxF -- "$o" <<<"$kept" || dead="$dead $o"
done
if [ -n "$dead" ]; then
    echo "check-front: listed in FRONT_SRC but nothing of it is in $bin (take it out of the list):" >&2
    printf '  %s\n' $dead >&2
    exit 1
fi
echo "check-front: $bin: made of the $# files of FRONT_SRC, each of them used"
