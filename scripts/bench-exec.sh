#!/usr/bin/env bash
# make bench, case exec (run by scripts/bench.sh in its own `unshare -m`):
#   scripts/bench-exec.sh UNICAGE WORKDIR
# `unicage exec USER -- /bin/true` against plain `/bin/true`, against
# `nsenter --mount --pid --ipc -S UID -G GID /bin/true` (the same cage, the
# same user) and against floors, same run, whole-process times: the median
# of 7 batches of 300 runs each. Floors: a static program that only execs
# its argument; one that joins the mount namespace and execs; and the floor
# of an entry with the cage's pid namespace (the goal's: setns into the
# pid, IPC and mount namespaces, fork once, setuid, exec, wait; no checks,
# no capability drop). Then `unicage enter alice -- /bin/true`, without and
# with a pty.
set -euo pipefail
UC=${1:?usage: bench-exec.sh UNICAGE WORKDIR}
w=${2:?usage: bench-exec.sh UNICAGE WORKDIR}
src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/scripts/bench-cage-lib.sh"
bench_start
bench_alice
bench_host sh true id
"$UC" enable alice > /dev/null
"$UC" mount alice > /dev/null
handle=$w/run/ns/alice.1
printf '#include <unistd.h>\nextern char **environ;\nint main(int c, char **v) { if (c > 1) execve(v[1], v + 1, environ); return 127; }\n' > "$w/floor.c"
${CC:-cc} -O2 -static -o "$w/floor" "$w/floor.c"
printf '#define _GNU_SOURCE\n#include <fcntl.h>\n#include <sched.h>\n#include <unistd.h>\nextern char **environ;\nint main(int c, char **v) { int fd = open(v[1], O_RDONLY | O_CLOEXEC); if (fd < 0 || setns(fd, CLONE_NEWNS)) return 1; execve(v[2], v + 2, environ); return 127; }\n' > "$w/floor-ns.c"
${CC:-cc} -O2 -static -o "$w/floor-ns" "$w/floor-ns.c"
# the floor of an entry into a cage with its pid namespace: setns into the
# user's pid, IPC and mount namespaces, fork once, the ids, exec, wait
cat > "$w/floor-cage.c" <<'C'
#define _GNU_SOURCE
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
extern char **environ;
int main(int c, char **v)
{
	if (c < 6)
		return 2;
	int m = open(v[1], O_RDONLY | O_CLOEXEC), p = open(v[2], O_RDONLY | O_CLOEXEC),
	    i = open(v[3], O_RDONLY | O_CLOEXEC);
	unsigned id = (unsigned)atoi(v[4]);
	gid_t g = id;
	if (m < 0 || p < 0 || i < 0 || setns(p, CLONE_NEWPID))
		return 1;
	pid_t k = fork();
	if (k == 0) {
		if (setns(i, CLONE_NEWIPC) || setns(m, CLONE_NEWNS) || setgroups(1, &g) ||
		    setresgid(id, id, id) || setresuid(id, id, id))
			_exit(1);
		execve(v[5], v + 5, environ);
		_exit(127);
	}
	int st;
	if (k < 0 || waitpid(k, &st, 0) < 0)
		return 1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
C
${CC:-cc} -O2 -static -o "$w/floor-cage" "$w/floor-cage.c"
# every program measured written back first: a binary whose pages were just
# written runs slower for a while (its page faults map one page at a time
# until writeback is done), which made a just-built floor look ~60 us
# slower than an older unicage
sync
sleep 1
[ "$("$UC" exec alice -- id -un)" = alice ] || { echo "bench: exec does not work" >&2; exit 1; }
[ "$("$w/floor-cage" "$handle" "$w/run/ns/alice.pid" "$w/run/ns/alice.ipc" 1001 /usr/bin/id -un)" = alice ] ||
    { echo "bench: the cage floor does not work" >&2; exit 1; }

# no terminal on fds 0-2 whoever runs the bench: on one, exec relays a pty
# (doc/enter.md), a path of its own (enter's pty line)
batch() { # CMD...: microseconds per call of one batch of 300
    local s e i
    s=$(date +%s%N)
    for ((i = 0; i < 300; i++)); do "$@" < /dev/null > /dev/null 2>> "$w/stderr"; done
    e=$(date +%s%N)
    echo $(( (e - s) / 300000 ))
}
med4() { printf '%s\n' "$@" | sort -n | sed -n 4p; } # the median of 7
per_call() { # CMD...: median over 7 batches of 300, in microseconds per call
    local t=() b
    for ((b = 0; b < 7; b++)); do t+=($(batch "$@")); done
    med4 "${t[@]}"
}
# The goal's pair, the cage floor and unicage exec, batch by batch in turn
# (a batch of each, seven times): a drift of the machine's speed during the
# run (another process, the host) falls on both sides alike.
fc=() ux=()
for ((b = 0; b < 7; b++)); do
    fc+=($(batch "$w/floor-cage" "$handle" "$w/run/ns/alice.pid" "$w/run/ns/alice.ipc" 1001 /bin/true))
    ux+=($(batch "$UC" exec alice -- /bin/true))
done
floorcage=$(med4 "${fc[@]}")
ucx=$(med4 "${ux[@]}")
plain=$(per_call /bin/true)
floor=$(per_call "$w/floor" /bin/true)
floorns=$(per_call "$w/floor-ns" "$handle" /bin/true)
nsent=$(per_call nsenter --mount="$handle" --pid="$w/run/ns/alice.pid" --ipc="$w/run/ns/alice.ipc" -S 1001 -G 1001 /bin/true)
core=$(per_call "$(dirname "$UC")/unicage-core" exec alice -- /bin/true)
r() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
printf 'exec /bin/true, whole process, median per call:\n'
printf '  plain /bin/true                          %6s us\n' "$plain"
printf '  a static program that only execs it      %6s us   %sx plain (the floor of any exec-through tool)\n' "$floor" "$(r "$floor" "$plain")"
printf '  a static program: setns, then exec       %6s us   %sx plain (the floor in a cage: no ids, no checks)\n' "$floorns" "$(r "$floorns" "$plain")"
printf '  a static program: setns pid ipc mnt, fork, ids, exec, wait  %6s us   %sx plain (the floor of an entry with the pid namespace)\n' "$floorcage" "$(r "$floorcage" "$plain")"
printf '  nsenter --mount --pid --ipc -S -G /bin/true   %6s us   %sx plain\n' "$nsent" "$(r "$nsent" "$plain")"
printf '  unicage exec alice -- /bin/true          %6s us   %sx plain, %sx the cage floor (goal <= 1.15), %sx nsenter\n' "$ucx" "$(r "$ucx" "$plain")" "$(r "$ucx" "$floorcage")" "$(r "$ucx" "$nsent")"
printf '  unicage-core exec (the full binary)      %6s us   %sx plain (what exec cost before the small front)\n' "$core" "$(r "$core" "$plain")"
# enter: root's repair session (the user namespace, maps written by the
# front), without and with a terminal (script(1) gives it a pty)
ent=$(per_call "$UC" enter alice -- /bin/true)
printf '  unicage enter alice -- /bin/true         %6s us   (goal: an interactive enter starts in <= 50 ms)\n' "$ent"
if command -v script > /dev/null; then
    pty_call() { script -qec "$UC enter alice -- /bin/true" /dev/null > /dev/null; }
    entpty=$(per_call pty_call)
    scriptonly() { script -qec /bin/true /dev/null > /dev/null; }
    spty=$(per_call scriptonly)
    printf '  script -c "unicage enter alice -- /bin/true" (a pty)  %6s us   (script -c /bin/true alone %s us)\n' "$entpty" "$spty"
fi
