#!/usr/bin/env bash
# make bench, case mount (run by scripts/bench.sh inside its own
# `unshare -m`, never in the machine's mount namespace):
#   scripts/bench-mount.sh UNICAGE WORKDIR
# A fake host with real commands, N users in a generated passwd file (homes
# in the host), a skeleton, all on a loop-mounted ext4. The root of this
# namespace is made rshared first, as systemd leaves a real host, so that
# propagation costs show.
#   - one cage: median time of `unicage mount USER` for a new cage, and its mounts
#   - the same cages by hand with util-linux (unshare --mount=FILE, mount,
#     pivot_root: what an administrator would script), side by side, 200 each
#   - 2,000 cages (each with its user's pid and IPC namespaces and init):
#     time, kernel memory (Slab, MemAvailable before/after), the inits' RSS
#     and PSS
#   - one host mount+umount with 0, 200 (both kinds) and 2,000 cages present
set -euo pipefail
UC=${1:?usage: bench-mount.sh UNICAGE WORKDIR}
w=${2:?usage: bench-mount.sh UNICAGE WORKDIR}
src=$(cd "$(dirname "$0")/.." && pwd)
users=${UC_BENCH_CAGES:-2000}
side=${UC_BENCH_SIDE:-200}

. "$src/scripts/bench-cage-lib.sh"
bench_start 2G
mount --make-rshared /

mkdir -p "$w/host/home"
{
    echo "root:x:0:0:root:/root:/bin/sh"
    for i in $(seq "$users"); do printf 'u%04d:x:%d:%d::/home/u%04d:/bin/sh\n' "$i" $((2000 + i)) $((2000 + i)) "$i"; done
} > "$w/passwd"
{
    echo "root:x:0:"
    for i in $(seq "$users"); do printf 'u%04d:x:%d:\n' "$i" $((2000 + i)); done
} > "$w/group"
for i in $(seq "$users"); do
    d=$w/host/home/$(printf u%04d "$i")
    mkdir "$d"; chown $((2000 + i)):$((2000 + i)) "$d"; chmod 0700 "$d"
done
bench_host sh cat ls id sleep true umount
"$UC" enable-all > /dev/null
sync

ms() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", (b - a) / 1e6}'; }
median() { sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]}'; }
meminfo() { awk -v k="$1:" '$1 == k {print $2}' /proc/meminfo; }
user() { printf u%04d "$1"; }

# one host mount+umount, median of 21, in ms
host_mount_cost() {
    mkdir -p "$w/hostmnt"
    local i s e
    for i in $(seq 21); do
        s=$(date +%s%N); mount -t tmpfs none "$w/hostmnt"; umount "$w/hostmnt"; e=$(date +%s%N)
        ms "$s" "$e"; echo
    done | median
}

# --- the same cage by hand: util-linux unshare + mount + pivot_root -----------
gen=$(readlink "$w/state/skel/current")
stubs=$w/state/skel/$gen/stubs objects=$w/state/store/objects
mkdir -p "$w/byhand/ns"
mount --bind "$w/byhand/ns" "$w/byhand/ns"; mount --make-private "$w/byhand/ns"
by_hand() { # N: the cage of user N, persisted at byhand/ns/uN
    local u c
    u=$(user "$1"); c=$w/byhand/$u
    mkdir -p "$c/upper" "$c/work" "$c/root" "$c/etc"
    cp "$w/state/skel/$gen/tree/etc/passwd" "$w/state/skel/$gen/tree/etc/group" "$c/etc/"
    : > "$w/byhand/ns/$u"
    # unshare hits the same per-CPU namespace-id quirk (EINVAL on the
    # bind): retried on each CPU, the failures counted
    local k
    for k in $(seq 0 $(($(nproc) * 2))); do
        by_hand_once "$c" "$u" $((k % $(nproc))) && return 0
        hand_retries=$((hand_retries + 1))
    done
    return 1
}
hand_retries=0
by_hand_once() {
    local c=$1 u=$2 cpu=$3
    taskset -c "$cpu" unshare --mount="$w/byhand/ns/$u" --propagation slave sh -c "
        mount -t overlay overlay -o lowerdir=$stubs::$objects,upperdir=$c/upper,workdir=$c/work,nosuid,nodev $c/root &&
        mkdir -p $c/root/etc $c/root/home/$u $c/root/tmp $c/root/proc $c/root/dev &&
        mount --bind -o ro,nosuid,nodev $c/etc $c/root/etc &&
        mount --rbind -o nosuid,nodev $h/home/$u $c/root/home/$u &&
        mount --bind -o nosuid,nodev $h/home/$u $c/root/tmp &&
        mount -t proc -o hidepid=invisible,subset=pid,nosuid,nodev,noexec proc $c/root/proc &&
        mount -t tmpfs -o mode=0755,nosuid,noexec tmpfs $c/root/dev &&
        cd $c/root && pivot_root . . && umount -l ." 2>/dev/null
}

echo "host mount+umount, no cage: $(host_mount_cost) ms"

# --- one cage, side by side -----------------------------------------------
a=() b=()
for i in $(seq "$side"); do
    s=$(date +%s%N); "$UC" mount "$(user "$i")" > /dev/null; e=$(date +%s%N); a+=("$(ms "$s" "$e")")
done
mounts=$(nsenter --mount="$w/run/ns/u0001.1" --pid="$w/run/ns/u0001.pid" cat /proc/self/mountinfo | awk '$5 !~ "^/proc/"' | wc -l)
masks=$(nsenter --mount="$w/run/ns/u0001.1" --pid="$w/run/ns/u0001.pid" cat /proc/self/mountinfo | awk '$5 ~ "^/proc/"' | wc -l)
host_uc=$(host_mount_cost)
"$UC" umount-all > /dev/null
for i in $(seq "$side"); do
    s=$(date +%s%N); by_hand "$i"; e=$(date +%s%N); b+=("$(ms "$s" "$e")")
done
mounts_hand=$(nsenter --mount="$w/byhand/ns/u0001" cat /proc/self/mountinfo | wc -l)
host_hand=$(host_mount_cost)
for i in $(seq "$side"); do umount -l "$w/byhand/ns/$(user "$i")"; done
ma=$(printf '%s\n' "${a[@]}" | median) mb=$(printf '%s\n' "${b[@]}" | median)
printf 'mount one cage (median of %s)  unicage mount %s ms   by hand (unshare+mount+pivot_root) %s ms   ratio %s\n' \
    "$side" "$ma" "$mb" "$(awk -v a="$ma" -v b="$mb" 'BEGIN {printf "%.2f", a / b}')"
echo "mounts per cage: unicage $mounts (goal <= 16) and $masks read-only /proc masks, by hand $mounts_hand"
echo "by hand: $hand_retries unshare runs failed on the namespace-id quirk and were retried"
echo "host mount+umount with $side cages present: unicage $host_uc ms, by hand $host_hand ms"

# --- 2,000 cages in one run -----------------------------------------------
# kernel memory that stays: caches dropped before and after, so only what
# the cages pin is counted (mounts, superblocks, namespaces, pinned dentries)
settle() { sync; echo 3 > /proc/sys/vm/drop_caches; sleep 2; }
mnt_objs() { awk '$1 == "mnt_cache" {print $2 * $4}' /proc/slabinfo; }
slabs() { awk 'NR > 2 {print $1, $3 * $4}' /proc/slabinfo | sort; }
settle
slabs > "$w/slab0"
slab0=$(meminfo Slab) avail0=$(meminfo MemAvailable) mnt0=$(mnt_objs)
list=()
for i in $(seq "$users"); do list+=("$(user "$i")"); done
s=$(date +%s%N)
"$UC" mount "${list[@]}" > /dev/null
e=$(date +%s%N)
total=$(ms "$s" "$e")
settle
slabs > "$w/slab1"
slab1=$(meminfo Slab) avail1=$(meminfo MemAvailable) mnt1=$(mnt_objs)
printf '%s cages: %s s (goal <= 20 s), %.2f ms per cage\n' "$users" \
    "$(awk -v t="$total" 'BEGIN {printf "%.2f", t / 1000}')" "$(awk -v t="$total" -v n="$users" 'BEGIN {print t / n}')"
printf 'kernel memory after dropping caches: Slab %+d MiB (%d KiB per cage), MemAvailable %+d MiB, mnt_cache %+d KiB (%d bytes per cage)\n' \
    $(((slab1 - slab0) / 1024)) $(((slab1 - slab0) / users)) $(((avail1 - avail0) / 1024)) \
    $(((mnt1 - mnt0) / 1024)) $(((mnt1 - mnt0) / users))
echo "  largest slab growth (KiB): $(join "$w/slab0" "$w/slab1" | awk '{d = ($3 - $2) / 1024; if (d > 0) printf "%s %d\n", $1, d}' | sort -k2 -nr | head -8 | tr '\n' ' ')"
# the inits (one per user, pid 1 of her pid namespace), parked in this
# run's template namespace: their resident and proportional set sizes
tmpl="mnt:[$(stat -L -c %i "$w/run/ns/.template")]"
inits=0 rss=0 pss=0
for p in $(pgrep -x unicage-init); do
    [ "$(readlink "/proc/$p/ns/mnt" 2>/dev/null)" = "$tmpl" ] || continue
    inits=$((inits + 1))
    read -r r q < <(awk '$1 == "Rss:" {r = $2} $1 == "Pss:" {q = $2} END {print r, q}' "/proc/$p/smaps_rollup")
    rss=$((rss + r)) pss=$((pss + q))
done
printf 'process memory: %s inits, RSS %d KiB each, PSS %d KiB each (%d MiB of PSS for all)\n' \
    "$inits" $((rss / (inits ? inits : 1))) $((pss / (inits ? inits : 1))) $((pss / 1024))
[ "$inits" = "$users" ] || { echo "bench: $inits inits for $users cages" >&2; exit 1; }
echo "host mount+umount with $users cages: $(host_mount_cost) ms"
n=$("$UC" list | tail -n +2 | wc -l)
[ "$n" = "$users" ] || { echo "bench: $n cages listed, expected $users" >&2; exit 1; }
s=$(date +%s%N)
"$UC" umount-all > /dev/null
e=$(date +%s%N)
echo "umount-all of $users cages: $(awk -v t="$(ms "$s" "$e")" 'BEGIN {printf "%.2f", t / 1000}') s"
