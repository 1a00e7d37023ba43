/* Which processes are in which mount namespace: one walk of /proc, so that
 * a slot's processes are counted (mount/slots.h) and a slot is released
 * only when none is left (mount/cage.c). Read-only, libc only. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* The mount namespace of every process (one /proc walk). */
struct nsproc {
	pid_t pid;
	ino_t ino;
};
struct procs {
	struct nsproc *v;
	size_t n;
};
int procs_scan(struct procs *ps);
unsigned procs_in(const struct procs *ps, ino_t ino);
