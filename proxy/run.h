/* Starting a proxied command (doc/proxy.md, "How a command runs"): a new
 * session, the caller's descriptors as 0-2 and nothing else but the files
 * a filter opened, the caller's limits, the ids asked for, a clean
 * environment, the mapped cwd, no_new_privs unless the command needs its
 * own setuid/setgid bits or runs as another user. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "lib/strv.h"

struct proxy_spawn {
	const char *path;
	char *const *argv;
	char *const *envp;
	int fds[3];
	int cwdfd;
	uid_t ruid, euid;
	gid_t rgid, egid;
	const gid_t *groups;
	int ngroups;
	const struct rlimit *lim; /* RLIM_NLIMITS entries, or NULL */
	bool no_new_privs;
	const int *keep; /* fds the command keeps (restrict_path files) */
	int nkeep;
	mode_t umask;	   /* the caller's */
	uint32_t loginuid; /* the caller's (4294967295: none) */
};

/* fork and exec: the child's pid, or -errno with msg saying what failed
 * (the exec's own error comes back through a close-on-exec pipe). */
pid_t proxy_spawn(const struct proxy_spawn *s, char *msg, size_t size);
