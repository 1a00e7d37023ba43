# Sourced by the cage benchmarks (bench-mount.sh, bench-exec.sh,
# bench-export.sh), each already in a mount namespace of its own, with $w
# (the work directory), $src and $UC set.

# Unmount what is below $w, clear +i, remove it (and its image); trapped on
# EXIT by bench_start.
bench_cleanup() {
    set +e
    "$src/scripts/stop-cage-inits.sh" "$w"
    findmnt -rn -o TARGET | grep "^$w" | sort -r | while read -r m; do umount -l "$m"; done
    chattr -R -i "$w" 2>/dev/null
    rm -rf "$w" "$w.img"
}

# bench_start [SIZE [dio]]: a fresh $w, on a loop-mounted ext4 of SIZE when
# given. With "dio" the loop device does direct I/O into its image (when the
# kernel can): it then stands for a disk. Without it every page is cached
# twice (the ext4's, then the image file's) and a flush writes the whole
# image file out at that moment, a cost no real disk has and that only a
# tool that makes its data durable pays (export's fsync, import's syncfs).
bench_start() {
    trap bench_cleanup EXIT
    bench_cleanup
    set -e
    mkdir -p "$w"
    if [ -n "${1:-}" ]; then
        truncate -s "$1" "$w.img"
        mkfs.ext4 -q -F -I 256 "$w.img"
        local dev=""
        [ "${2:-}" = dio ] && dev=$(losetup --direct-io=on -f --show "$w.img" 2>/dev/null) || true
        if [ -n "$dev" ]; then
            mount "$dev" "$w"
            losetup -d "$dev" # autoclear: gone with the mount
        else
            mount -o loop "$w.img" "$w"
        fi
        rm -f "$w.img" # the mount keeps it
    fi
}

# bench_alice: $w/passwd and $w/group with root and alice (1001), her home
# in $w/host.
bench_alice() {
    printf 'root:x:0:0:root:/root:/bin/sh\nalice:x:1001:1001::/home/alice:/bin/sh\n' > "$w/passwd"
    printf 'root:x:0:\nalice:x:1001:\n' > "$w/group"
    mkdir -p "$w/host/home/alice"
    chown 1001:1001 "$w/host/home/alice"
}

# bench_host CMD...: the fake host $h = $w/host with these commands of this
# machine and the users of $w/passwd and $w/group, a conf.d taking them, a
# private unicage.conf (exported), and the first skeleton.
bench_host() {
    h=$w/host
    "$src/scripts/make-cage-host.sh" "$h" "$@"
    mkdir -p "$h/etc" "$w/etc/conf.d"
    cp "$w/passwd" "$h/etc/passwd"; cp "$w/group" "$h/etc/group"
    printf '[bench]\npaths=/usr/bin, /usr/lib, /usr/lib64, /bin, /lib, /lib64, /etc/passwd, /etc/group\n' \
        > "$w/etc/conf.d/bench.cfg"
    cat > "$w/unicage.conf" <<CONF
sysroot = $h
config_dir = $w/etc
state_dir = $w/state
run_dir = $w/run
passwd_file = $w/passwd
group_file = $w/group
CONF
    export UNICAGE_CONFIG=$w/unicage.conf
    "$UC" init > /dev/null
}
