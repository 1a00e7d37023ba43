#!/usr/bin/env bash
# RHEL init against cp -a of the same rootfs, on one filesystem, in pairs
# (init + sync, then cp -a + sync; each after removing the previous result):
#   bench-rhel-init.sh UC WORKDIR FS [PAIRS]
# FS: "here" (WORKDIR's own filesystem), or ext4 / xfs: a fresh loop image
# of that type made with mkfs's defaults, mounted on WORKDIR (run it in a
# mount namespace of its own: bench.sh does). Prints one line with the medians.
#
# Why a scratch filesystem too: this machine's root filesystem is ext4
# without a journal, and there ext4's inode allocator skips every inode
# deleted in the last minute or more (recently_deleted() in find_inode_bit,
# only without a journal: 60 s, longer while the inode table block is
# dirty): after the previous pair's rm -rf each new inode costs a scan of
# those (perf: a third of cp -a's time in find_get_block_common under
# recently_deleted), which makes an operation that creates n inodes cost
# ~n^2. init creates ~4,800 inodes where cp -a creates ~3,300. RHEL servers
# run XFS (the installer's default) or ext4 with a journal, which do not do
# this: both are measured.
set -euo pipefail
UC=$1 w=$2 fs=$3 pairs=${4:-3}
src=$(cd "$(dirname "$0")/.." && pwd)
tb=$src/../shared/data/rootfs/ubi8-micro-8.4-84.x86_64.rootfs.tar.xz
mkdir -p "$w"
if [ "$fs" != here ]; then
    command -v "mkfs.$fs" > /dev/null || { echo "rhel init on $fs: no mkfs.$fs, skipped"; exit 0; }
    [ "$(readlink /proc/self/ns/mnt)" != "$(readlink /proc/1/ns/mnt)" ] ||
        { echo "bench-rhel-init.sh: $fs needs a mount namespace of its own" >&2; exit 1; }
    img=$w.img
    rm -f "$img"; truncate -s 2G "$img"
    case $fs in
    xfs) mkfs.xfs -q -f "$img" ;;
    *) "mkfs.$fs" -q -F "$img" ;;
    esac
    mount -o loop "$img" "$w"
    trap 'chattr -R -i "$w" 2>/dev/null || true; umount "$w"; rm -f "$img"' EXIT
fi
host=$w/host
rm -rf "$w/host" "$w/etc"
mkdir -p "$w/etc/conf.d" "$host"
tar --numeric-owner -xpf "$tb" -C "$host"
cp "$src"/conf.d/*.cfg "$w/etc/conf.d/"
HOME=$w rpm --root "$host" --dbpath /var/lib/rpm -qa --qf '%{NAME}\n' > "$w/etc/rpm.list" 2>/dev/null
printf 'sysroot = %s\nconfig_dir = %s/etc\nstate_dir = %s/state\n' "$host" "$w" "$w" > "$w/unicage.conf"
sync
ti=() tc=()
for ((i = 0; i < pairs; i++)); do
    chattr -R -i "$w/state" 2>/dev/null || true
    rm -rf "$w/state" "$w/copy"; sync
    s=$(date +%s%N); UNICAGE_CONFIG=$w/unicage.conf "$UC" init > "$w/init.txt" 2>/dev/null; sync; e=$(date +%s%N)
    ti+=($(( (e - s) / 1000 )))
    s=$(date +%s%N); cp -a "$host" "$w/copy"; sync; e=$(date +%s%N)
    tc+=($(( (e - s) / 1000 )))
done
med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]/1000}'; }
a=$(med "${ti[@]}") b=$(med "${tc[@]}")
label=$fs
if [ "$fs" = here ]; then
    label="$(findmnt -n -o FSTYPE --target "$w") of $w"
    # ext4 without a journal: the inode allocator quirk above (no jbd2
    # thread for its device); the figure then says more of the allocator's
    # recent deletions than of init
    dev=$(basename "$(findmnt -n -o SOURCE --target "$w")")
    if [ "$(findmnt -n -o FSTYPE --target "$w")" = ext4 ] && ! ls -d /proc/fs/jbd2/"$dev"-* > /dev/null 2>&1; then
        label="$label: ext4 WITHOUT a journal, inodes deleted in the last 60 s slow every creation"
    fi
fi
printf 'rhel init (%s paths) + sync %8s ms   cp -a + sync %8s ms   ratio %s (goal <= 2.0, median of %s, on %s)\n' \
    "$(awk '$1 == "paths" {print $2}' "$w/init.txt")" "$a" "$b" \
    "$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.2f", a / b}')" "$pairs" "$label"
chattr -R -i "$w/state" 2>/dev/null || true
rm -rf "$w/state" "$w/copy"
