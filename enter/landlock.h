/* Landlock scoping (kernel >= 6.12, Landlock ABI >= 6): a process can no
 * longer connect to abstract unix sockets, or signal processes, created /
 * running outside its Landlock domain. Probed at run time, never by kernel
 * version. Raw syscalls: Debian 12 has no liblandlock. */
#pragma once

#include "lib/error.h"

#include <stdbool.h>

enum landlock_scope_flags {
	LL_SCOPE_ABSTRACT_UNIX = 1 << 0, /* LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET */
	LL_SCOPE_SIGNAL = 1 << 1,	 /* LANDLOCK_SCOPE_SIGNAL */
};

/* The kernel's Landlock ABI version (> 0), or -errno: -ENOSYS (not built
 * in), -EOPNOTSUPP (built in, disabled at boot). */
int landlock_abi(void);

/* Whether this kernel can scope (ABI >= 6). *abi gets landlock_abi(). */
bool landlock_can_scope(int *abi);

/* Puts the calling thread (and everything it runs later) in a new Landlock
 * domain with the given scopes and no filesystem or network rule. Needs
 * no_new_privs or CAP_SYS_ADMIN. -EOPNOTSUPP when the kernel cannot scope
 * (err names the ABI), other -errno on failure. */
int landlock_scope(unsigned scopes, struct uc_error *err);
