#!/usr/bin/env bash
# make bench, case pam (run by scripts/bench.sh in its own `unshare -m -n -i`):
#   scripts/bench-pam.sh UNICAGE WORKDIR
# `ssh alice@127.0.0.1 true` through a private sshd on loopback whose PAM
# stack ends with build/pam_unicage.so, against the same sshd with the same
# stack without that line (sshd reads /etc/pam.d/sshd at every connection:
# the file is switched between batches), same run, medians of N logins;
# then the first login that mounts the cage (`unicage umount alice` before
# each). The users, /etc/pam.d, /home and /run are the bench's own (bind
# mounts in its mount namespace).
set -euo pipefail
UC=${1:?usage: bench-pam.sh UNICAGE WORKDIR}
w=${2:?usage: bench-pam.sh UNICAGE WORKDIR}
src=$(cd "$(dirname "$0")/.." && pwd)
runs=${UC_BENCH_RUNS:-7}
pammod=$(dirname "$UC")/pam_unicage.so
. "$src/scripts/bench-cage-lib.sh"
[ -x /usr/sbin/sshd ] || { echo "pam: no sshd (scripts/install-deps.sh): skipped"; exit 0; }
bench_start
bench_alice
bench_host sh true cat
"$UC" enable alice > /dev/null
ip link set lo up
mkdir -p "$w/pam.d" "$w/etcfiles"
mount --bind "$w/pam.d" /etc/pam.d
for f in passwd group shadow; do
    cp "/etc/$f" "$w/etcfiles/$f"; mount --bind "$w/etcfiles/$f" "/etc/$f"
done
echo 'alice:x:1001:1001::/home/alice:/bin/sh' >> "$w/etcfiles/passwd"
echo 'alice:x:1001:' >> "$w/etcfiles/group"
echo 'alice:*:19000:0:99999:7:::' >> "$w/etcfiles/shadow"
mount --bind "$h/home" /home
mount -t tmpfs -o mode=0755 bench-run /run
mkdir -m 0755 /run/sshd
mkdir -m 0700 "$w/ssh" "$h/home/alice/.ssh"
ssh-keygen -q -t ed25519 -N '' -f "$w/ssh/hostkey"
ssh-keygen -q -t ed25519 -N '' -f "$w/ssh/id"
cp "$w/ssh/id.pub" "$h/home/alice/.ssh/authorized_keys"
chown -R alice:alice "$h/home/alice/.ssh" 2>/dev/null || chown -R 1001:1001 "$h/home/alice/.ssh"
cat > "$w/ssh/sshd_config" <<CONF
ListenAddress 127.0.0.1
Port 2222
HostKey $w/ssh/hostkey
PidFile $w/ssh/sshd.pid
UsePAM yes
PermitRootLogin no
PasswordAuthentication no
KbdInteractiveAuthentication no
PrintMotd no
CONF
stack() { # with|without
    printf 'auth required pam_deny.so\naccount required pam_permit.so\nsession optional pam_keyinit.so force revoke\nsession required pam_permit.so\n' > "$w/pam.d/sshd"
    [ "$1" = without ] || echo "session required $pammod config=$UNICAGE_CONFIG" >> "$w/pam.d/sshd"
}
stack without
/usr/sbin/sshd -D -f "$w/ssh/sshd_config" -E "$w/sshd.log" & sshd=$!
trap 'kill $sshd 2>/dev/null; bench_cleanup' EXIT
for _ in $(seq 100); do [ -s "$w/ssh/sshd.pid" ] && break; sleep 0.05; done
login() { ssh -F /dev/null -i "$w/ssh/id" -p 2222 -o BatchMode=yes -o StrictHostKeyChecking=no \
    -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR alice@127.0.0.1 true; }
login || { cat "$w/sshd.log"; echo "pam: a login without the module failed" >&2; exit 1; }
median() { sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]/1000}'; }
one() { local s e; s=$(date +%s%N); "$@" > /dev/null 2>&1; e=$(date +%s%N); echo $(( (e - s) / 1000 )); }
a=() b=() c=()
stack with; login # the cage mounted, warm
for ((i = 0; i < runs; i++)); do
    stack without; a+=("$(one login)")
    stack with; b+=("$(one login)")
    "$UC" umount alice > /dev/null; c+=("$(one login)")
done
# the module really joined: a login lands in the cage
[ "$(ssh -F /dev/null -i "$w/ssh/id" -p 2222 -o BatchMode=yes -o StrictHostKeyChecking=no \
    -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR alice@127.0.0.1 'cat /proc/1/comm')" = unicage-init ] ||
    { echo "pam: the module's login is not in the cage" >&2; exit 1; }
wo=$(printf '%s\n' "${a[@]}" | median); wi=$(printf '%s\n' "${b[@]}" | median)
fi_=$(printf '%s\n' "${c[@]}" | median)
r() { awk -v x="$1" -v y="$2" 'BEGIN {printf "%.2f", x / y}'; }
d() { awk -v x="$1" -v y="$2" 'BEGIN {printf "%+.1f", x - y}'; }
printf 'pam        ssh alice@127.0.0.1 true, median of %s logins\n' "$runs"
printf '           without the module       %8s ms\n' "$wo"
printf '           with, cage mounted       %8s ms   %s ms  %s×  (goal <= +10 ms or 1.1×)\n' "$wi" "$(d "$wi" "$wo")" "$(r "$wi" "$wo")"
printf '           with, first login mounts %8s ms   %s ms  %s×\n' "$fi_" "$(d "$fi_" "$wo")" "$(r "$fi_" "$wo")"
