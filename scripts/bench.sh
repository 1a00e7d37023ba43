#!/usr/bin/env bash
# make bench: each case runs unicage and the tool a user would pick instead,
# side by side in one run, and prints the ratio (unicage / other; < 1 is faster).
#   scripts/bench.sh /abs/path/to/unicage [case...]
# Cases: rpmscan, unify, vdu, skel, rhel, mount, exec, enter, export, pam, proxy. Data is built once under build/bench-data (or $UC_BENCH_DATA).
# Figures and how they were measured: doc/benchmarks.md.
set -euo pipefail
UC=${1:?usage: bench.sh UNICAGE_BINARY [case...]}
shift
src=$(cd "$(dirname "$0")/.." && pwd)
data=${UC_BENCH_DATA:-$src/build/bench-data}
runs=${UC_BENCH_RUNS:-7}
mkdir -p "$data"
export UNICAGE_CONFIG=$data/unicage.conf
: > "$UNICAGE_CONFIG"

# median wall time in ms of `runs` runs of a command (stdout discarded)
median_ms() {
    local t=() i s e
    "$@" > /dev/null 2>&1 # warm-up
    for ((i = 0; i < runs; i++)); do
        s=$(date +%s%N); "$@" > /dev/null 2>&1; e=$(date +%s%N)
        t+=($(( (e - s) / 1000 )))
    done
    printf '%s\n' "${t[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]/1000}'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

# The floor of a no-op update (scripts/stat-floor.c: only the lstat of every
# path of the current generation's index) against the same find, same run:
#   stat_floor STATE_DIR SYSROOT FIND_MS UPDATE_MS
stat_floor() {
    local bin=$data/stat-floor idx f
    [ "$bin" -nt "$src/scripts/stat-floor.c" ] ||
        ${CC:-cc} -O2 -static -o "$bin" "$src/scripts/stat-floor.c"
    idx=$1/skel/$(readlink "$1/skel/current")/index
    f=$(median_ms "$bin" "$2" "$idx")
    printf '           floor (a static program: only the lstat of the %s indexed paths) %8s ms   floor/find %s   update/floor %s\n' \
        "$("$bin" "$2" "$idx")" "$f" "$(ratio "$f" "$3")" "$(ratio "$4" "$f")"
}

# The largest rpmdb available: a synthetic host with N packages of M files
# (real RPMs, built and installed like the fixtures), unless the machine has
# a larger real one at /var/lib/rpm.
bench_rpmdb() {
    local root=$data/rpmhost
    if [ ! -e "$root/.done" ]; then
        rm -rf "$root" "$data/rpms"
        echo "bench: building ${UC_BENCH_PACKAGES:-40} packages x ${UC_BENCH_FILES:-1000} files..." >&2
        UC_BIG_FILES=${UC_BENCH_FILES:-1000} UC_BIG_PACKAGES=${UC_BENCH_PACKAGES:-40} \
            "$src/scripts/make-fixture-rpms.sh" "$data/rpms" >/dev/null
        "$src/scripts/make-fixture-root.sh" "$root" "$data/rpms"
        touch "$root/.done"
    fi
    echo "$root"
}

case_rpmscan() {
    local root db=/var/lib/rpm
    root=$(bench_rpmdb)
    local qf='[%{=NEVRA}\t%{FILENAMES}\t%{FILEMODES}\t%{FILEUSERNAME}\t%{FILEGROUPNAME}\t%{FILESIZES}\t%{FILEMTIMES}\t%{=FILEDIGESTALGO}\t%{FILEDIGESTS}\t%{FILELINKTOS}\t%{FILEFLAGS:fflags}\t%{FILESTATES:fstate}\n]'
    local files
    files=$("$UC" rpmscan --sysroot "$root" --all --tsv | tail -n +2 | wc -l)
    local a b
    a=$(median_ms "$UC" rpmscan --sysroot "$root" --dbpath "$db" --all --tsv)
    b=$(median_ms rpm --root "$root" --dbpath "$db" -qa --qf "$qf")
    printf '%-10s %7s files  unicage rpmscan --all --tsv %8s ms   rpm -qa --qf (same fields) %8s ms   ratio %s (goal <= 1.2)\n' \
        rpmscan "$files" "$a" "$b" "$(ratio "$a" "$b")"
    if [ -s /var/lib/rpm/rpmdb.sqlite ] || [ -s /var/lib/rpm/Packages ]; then
        files=$("$UC" rpmscan --sysroot / --all --tsv | tail -n +2 | wc -l)
        a=$(median_ms "$UC" rpmscan --sysroot / --all --tsv)
        b=$(median_ms rpm -qa --qf "$qf")
        printf '%-10s %7s files  (this host) unicage %8s ms   rpm %8s ms   ratio %s\n' \
            rpmscan-host "$files" "$a" "$b" "$(ratio "$a" "$b")"
    fi
}

# Corpus A (../shared/bench/make-corpus.sh): three Debian root trees, built
# once outside the repository ($UC_CORPUS, default ../corpus/A beside it).
corpus() {
    local c=${UC_CORPUS:-$(cd "$src/.." && pwd)/corpus/A}
    if [ ! -e "$c/guest2/.corpus-done" ] || [ ! -e "$c/guest3/.corpus-done" ]; then
        echo "bench: building corpus A in $c (debootstrap, a few minutes)..." >&2
        bash "$src/../shared/bench/make-corpus.sh" "$c" >&2
    fi
    echo "$c"
}

# What must never change: path, type, mode, owner, content.
tree_listing() { python3 "$src/tests/integration/listing.py" --no-inodes "$@" | awk '{print $1, $2, $3, $4, $5, $7}'; }
inode_count() { find "$@" -xdev -printf '%i\n' | sort -u | wc -l; }

# One dedup tool on a fresh copy of the corpus: prints "ms inodes_freed bytes_freed check".
dedup_once() {
    local name=$1 work=$2 c=$3 want=$4
    shift 4
    rm -rf "$work/copy" "$work/store"
    cp -a "$c" "$work/copy"
    sync
    local trees=("$work/copy/guest1" "$work/copy/guest2" "$work/copy/guest3")
    local i0 b0 s e
    i0=$(inode_count "${trees[@]}")
    b0=$(du -s -B1 "$work/copy" | cut -f1)
    s=$(date +%s%N)
    case $name in
    unicage) "$UC" unify --store "$work/store" "${trees[@]}" > /dev/null ;;
    hardlink) hardlink -q "${trees[@]}" > /dev/null ;;
    jdupes) jdupes -q -L -p -r "${trees[@]}" > /dev/null ;;
    rdfind) rdfind -makehardlinks true -outputname "$work/rdfind.txt" "${trees[@]}" > /dev/null ;;
    esac
    e=$(date +%s%N)
    local i1 b1 check
    i1=$(inode_count "${trees[@]}" ${work:+"$work/store"} 2>/dev/null)
    b1=$(du -s -B1 "$work/copy" $( [ -d "$work/store" ] && echo "$work/store") | awk '{s+=$1} END {print s}')
    local got
    got=$(cd "$work/copy" && tree_listing guest1 guest2 guest3)
    if [ "$got" == "$want" ]; then check=ok; else
        check="CHANGED:$(diff <(echo "$want") <(echo "$got") | grep -c '^>')"
    fi
    echo "$(( (e - s) / 1000000 )) $((i0 - i1)) $((b0 - b1)) $check"
    chattr -R -i "$work/store" 2>/dev/null || true
    find "$work/copy" -xdev -type f -exec chattr -i {} + 2>/dev/null || true
}

case_unify() {
    local c work runs=${UC_BENCH_UNIFY_RUNS:-3} want
    c=$(corpus)
    work=${UC_BENCH_WORK:-$(dirname "$c")/bench-work}
    mkdir -p "$work"
    want=$(cd "$c" && tree_listing guest1 guest2 guest3)
    printf 'unify on corpus A (%s paths, %s), fresh copy per run, median of %s:\n' \
        "$(find "$c" | wc -l)" "$(du -sh "$c" | cut -f1)" "$runs"
    printf '  %-9s %9s %13s %13s  %s\n' tool "wall ms" "inodes freed" "bytes freed" "owner/mode/content"
    local best_peer=0 uc_ms=0
    for tool in unicage hardlink jdupes rdfind; do
        command -v "${tool/unicage/$UC}" >/dev/null 2>&1 || [ $tool = unicage ] || { echo "  $tool: not installed"; continue; }
        local results=()
        for ((r = 0; r < runs; r++)); do results+=("$(dedup_once $tool "$work" "$c" "$want")"); done
        local med
        med=$(printf '%s\n' "${results[@]}" | sort -n | awk '{a[NR]=$0} END {print a[int((NR+1)/2)]}')
        set -- $med
        printf '  %-9s %9s %13s %13s  %s\n' $tool "$1" "$2" "$3" "$4"
        if [ $tool = unicage ]; then uc_ms=$1; elif [ "$best_peer" = 0 ] || [ "$1" -lt "$best_peer" ]; then best_peer=$1; fi
    done
    rm -rf "$work/copy" "$work/store"
    [ "$best_peer" -gt 0 ] && printf '  ratio unicage / fastest peer: %s (goal <= 0.5)\n' "$(ratio "$uc_ms" "$best_peer")"
}

case_vdu() {
    local c t a b
    c=$(corpus)
    t=$c/guest3
    a=$(median_ms "$UC" vdu "$t")
    b=$(median_ms du -s "$t")
    printf '%-10s %s  unicage vdu %8s ms   du -s %8s ms   ratio %s (goal <= 1.0)\n' vdu "$t" "$a" "$b" "$(ratio "$a" "$b")"
}

# skel: a skeleton of a whole debootstrap tree (a copy of corpus A's guest3
# as the fake host; cfg paths /usr /bin /sbin /lib /lib64 /etc): init; a
# no-op update against a stat walk of the same paths; an update after 1% of
# the files changed.
case_skel() {
    local c w host paths="/usr /bin /sbin /lib /lib64 /etc"
    c=$(corpus)
    w=${UC_BENCH_WORK:-$(dirname "$c")/bench-work}/skel
    chattr -R -i "$w" 2>/dev/null || true
    rm -rf "$w"
    mkdir -p "$w/etc/conf.d"
    host=$w/host
    cp -a "$c/guest3" "$host"
    printf '[bench]\npaths=%s\n' "$(echo $paths | sed 's/ /, /g')" > "$w/etc/conf.d/bench.cfg"
    printf 'sysroot = %s\nconfig_dir = %s/etc\nstate_dir = %s/state\n' "$host" "$w" "$w" > "$w/unicage.conf"
    sync
    local s e init_ms files
    s=$(date +%s%N)
    UNICAGE_CONFIG=$w/unicage.conf "$UC" init > "$w/init.txt"
    e=$(date +%s%N)
    init_ms=$(( (e - s) / 1000000 ))
    files=$(awk '$1 == "paths" {print $2}' "$w/init.txt")
    printf 'skel init   %s paths of guest3 (%s): %s ms\n' "$files" "$paths" "$init_ms"
    local a b
    a=$(UNICAGE_CONFIG=$w/unicage.conf median_ms "$UC" update)
    b=$(cd "$host" && median_ms find ${paths//\//} -printf '')
    local b2
    b2=$(cd "$host" && median_ms find ${paths//\//} -printf '%C@')
    printf 'skel no-op update %8s ms   find PATHS -printf \x27\x27 %8s ms   ratio %s (goal <= 1.5)\n' "$a" "$b" "$(ratio "$a" "$b")"
    printf '                                 find PATHS -printf %%C@ %8s ms   ratio %s (a walk that stats every file, as update must)\n' "$b2" "$(ratio "$a" "$b2")"
    stat_floor "$w/state" "$host" "$b" "$a"
    # 1% of the regular files changed on the host
    local n
    n=$(cd "$host" && find usr etc -type f | awk 'NR % 100 == 0' | tee "$w/changed.txt" | wc -l)
    (cd "$host" && while read -r f; do echo "changed" >> "$f"; done < "$w/changed.txt")
    sync
    s=$(date +%s%N)
    UNICAGE_CONFIG=$w/unicage.conf "$UC" update > "$w/update.txt"
    e=$(date +%s%N)
    printf 'skel update after %s files (1%%) changed: %s ms (read again: %s bytes, unchanged unread: %s)\n' \
        "$n" "$(( (e - s) / 1000000 ))" "$(awk '$1 == "bytes_read" {print $2}' "$w/update.txt")" \
        "$(awk '$1 == "unchanged_unread" {print $2}' "$w/update.txt")"
    chattr -R -i "$w" 2>/dev/null || true
    rm -rf "$w"
}

# rhel: the real RHEL 8.4 rootfs (../shared/data/rootfs) as the host, every
# package of its rpmdb in rpm.list and the shipped conf.d set: init against
# cp -a of the same tree, a no-op update against a stat walk of the tree
# (its packages cover all of it), in one run, on the same filesystem.
case_rhel() {
    local tb=$src/../shared/data/rootfs/ubi8-micro-8.4-84.x86_64.rootfs.tar.xz
    [ -f "$tb" ] || { echo "rhel: no $tb, skipped"; return 0; }
    local w=${UC_BENCH_WORK:-$data}/rhel host
    chattr -R -i "$w" 2>/dev/null || true
    rm -rf "$w"
    mkdir -p "$w/etc/conf.d" "$w/host"
    host=$w/host
    tar --numeric-owner -xpf "$tb" -C "$host"
    cp "$src"/conf.d/*.cfg "$w/etc/conf.d/"
    HOME=$w rpm --root "$host" --dbpath /var/lib/rpm -qa --qf '%{NAME}\n' > "$w/etc/rpm.list"
    printf 'sysroot = %s\nconfig_dir = %s/etc\nstate_dir = %s/state\n' "$host" "$w" "$w" > "$w/unicage.conf"
    sync
    # init against cp -a: here (this machine's root filesystem), and on
    # fresh ext4 and XFS images (the filesystems of RHEL servers; why both:
    # scripts/bench-rhel-init.sh)
    local a b fs
    "$src/scripts/bench-rhel-init.sh" "$UC" "$w/init-here" here
    for fs in ext4 xfs; do
        unshare -m --propagation private "$src/scripts/bench-rhel-init.sh" "$UC" "$w/init-$fs" "$fs"
    done
    UNICAGE_CONFIG=$w/unicage.conf "$UC" init > "$w/init.txt"
    a=$(UNICAGE_CONFIG=$w/unicage.conf median_ms "$UC" update)
    b=$(median_ms find "$host" -printf '')
    printf 'rhel no-op update %8s ms   find ROOTFS -printf \x27\x27 %8s ms   ratio %s (goal <= 1.5)\n' "$a" "$b" "$(ratio "$a" "$b")"
    stat_floor "$w/state" "$host" "$b" "$a"
    chattr -R -i "$w" 2>/dev/null || true
    rm -rf "$w"
}

# Cages: in a mount namespace of its own (never the machine's), on a loop ext4.
case_mount() {
    local w=${UC_BENCH_WORK:-$data}/mount
    unshare -m --propagation private "$src/scripts/bench-mount.sh" "$UC" "$w"
}

# exec into a cage: in a mount namespace of its own.
case_exec() {
    unshare -m --propagation private "$src/scripts/bench-exec.sh" "$UC" "${UC_BENCH_WORK:-$data}/exec"
}

# an interactive enter on a terminal (the relayed pty): its own mount namespace.
case_enter() {
    unshare -m --propagation private "$src/scripts/bench-enter.sh" "$UC" "${UC_BENCH_WORK:-$data}/enter"
}

# export/import of a ~1 GB upper against tar: its own mount namespace.
case_export() {
    unshare -m --propagation private "$src/scripts/bench-export.sh" "$UC" \
        "${UC_BENCH_WORK:-$data}/export" "$(corpus)"
}

# SSH logins with and without pam_unicage.so: a private sshd on loopback,
# in network and IPC namespaces of its own
case_proxy() {
    unshare -m --propagation private "$src/scripts/bench-proxy.sh" "$UC" "${UC_BENCH_WORK:-$data}/proxy"
}

case_pam() {
    unshare -m -n -i --propagation private "$src/scripts/bench-pam.sh" "$UC" "${UC_BENCH_WORK:-$data}/pam"
}

cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(rpmscan unify vdu skel rhel mount exec enter export pam proxy)
echo "unicage bench: median of $runs warm runs each, $(nproc) cores, $(uname -r)"
for c in "${cases[@]}"; do "case_$c"; done
