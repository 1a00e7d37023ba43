#include "enter/landlock.h"

#include "lib/cleanup.h"

#include <errno.h>
#include <linux/landlock.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Debian 12's linux-libc-dev (6.1) predates scoping: the values are the
 * kernel's uapi (include/uapi/linux/landlock.h, Linux 6.12, ABI 6). */
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#endif
#ifndef LANDLOCK_SCOPE_SIGNAL
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_restrict_self 446
#endif

/* struct landlock_ruleset_attr as of ABI 6 (the header's may lack the
 * later fields; the kernel takes the size we pass). */
struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

#define LL_SCOPE_ABI 6

int landlock_abi(void)
{
	long v = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	return v < 0 ? -errno : (int)v;
}

bool landlock_can_scope(int *abi)
{
	*abi = landlock_abi();
	return *abi >= LL_SCOPE_ABI;
}

int landlock_scope(unsigned scopes, struct uc_error *err)
{
	int abi;
	if (!landlock_can_scope(&abi)) {
		if (abi < 0)
			return uc_fail_errno(err, abi == -ENOSYS ? EOPNOTSUPP : -abi,
					     "landlock scoping: no Landlock in this kernel");
		uc_fail(err, UC_INTERNAL, "landlock scoping: no (ABI %d, scoping needs %d)", abi,
			LL_SCOPE_ABI);
		return -EOPNOTSUPP;
	}
	struct ll_ruleset_attr a = {0};
	if (scopes & LL_SCOPE_ABSTRACT_UNIX)
		a.scoped |= LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET;
	if (scopes & LL_SCOPE_SIGNAL)
		a.scoped |= LANDLOCK_SCOPE_SIGNAL;
	_cleanup_close_ int fd = (int)syscall(SYS_landlock_create_ruleset, &a, sizeof(a), 0);
	if (fd < 0)
		return uc_fail_errno(err, errno, "landlock_create_ruleset");
	if (syscall(SYS_landlock_restrict_self, fd, 0) < 0)
		return uc_fail_errno(err, errno, "landlock_restrict_self");
	return 0;
}
