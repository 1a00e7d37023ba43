/* The cages' seccomp filter, a second wall behind capabilities and
 * namespaces (doc/enter.md, "Seccomp"). A denylist: every syscall is
 * allowed but those below, which either reach the host past the cage (file
 * handles, BPF, perf, kexec, modules, raw I/O ports), are kernel attack
 * surface a hosting user has no use for (userfaultfd, io_uring, user
 * namespaces), tell about other users (sock_diag), or, in root's repair
 * shell, make files that gain privilege on the host (setuid/setgid modes,
 * xattrs such as security.capability). Only the native architecture runs:
 * a syscall of another ABI (i386 int 0x80, x32) kills the process. */
#pragma once

#include <linux/filter.h>
#include <seccomp.h>

#include "lib/error.h"

enum cage_filter_flags {
	CAGE_FILTER_ROOT = 1 << 0,   /* root's repair shell: also no suid/sgid, xattrs, keys */
	CAGE_FILTER_USERNS = 1 << 1, /* cage_user_namespaces = yes: CLONE_NEWUSER allowed */
};

/* The filter for `flags` as libseccomp rules, not loaded (seccomp_release
 * it). NULL with err set on failure. Used at build time (enter/gen/
 * seccomp_gen.c compiles it to BPF for every flags) and by the tests. */
scmp_filter_ctx cage_filter_new(unsigned flags, struct uc_error *err);

/* The compiled program for `flags` (enter/seccomp_load.c), what
 * cage_filter_load installs. */
const struct sock_fprog *cage_filter_prog(unsigned flags);

/* Loads the precompiled filter into the calling thread, for good. Needs
 * no_new_privs or CAP_SYS_ADMIN. */
int cage_filter_load(unsigned flags, struct uc_error *err);
