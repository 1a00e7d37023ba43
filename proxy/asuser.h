/* Opening files as the caller (doc/proxy.md, "How a request runs"; review
 * finding: setfsuid alone kept root's supplementary groups, so a file of a
 * group root is in passed a check meant to be hers).
 *
 * A forked child takes the caller's full credentials (setgroups to her
 * groups, setresgid, setresuid: no capability, no group of root's is left),
 * runs fn, and passes the descriptor fn opened back over a socketpair
 * (SCM_RIGHTS). A child, and not setgroups + setfsuid in the serving
 * process and back: the serving process must stay root (it reads filters
 * and starts the command), and an fsuid leaves every capability but the
 * file ones in place (CAP_SYS_ADMIN among them); a process that can never
 * get root back needs no audit of what the kernel still lets root do. The
 * child's uid change makes it non-dumpable: the caller cannot ptrace it for
 * the serving process's descriptors it inherited. */
#pragma once

#include <sys/types.h>

struct proxy_ids {
	uid_t uid;
	gid_t gid;
	const gid_t *groups;
	int ngroups;
};

/* In the child: a descriptor, or -errno. */
typedef int (*proxy_open_fn)(void *ctx);

/* fn(ctx) run with ids in a child: its descriptor (close-on-exec), or
 * -errno (fn's own, or that of the fork, the ids, the passing). */
int proxy_open_as(const struct proxy_ids *ids, proxy_open_fn fn, void *ctx);

/* Take ids for good in this process (the child's part, also tmpwatch's
 * per-user child): setgroups, setresgid, setresuid, then a check that
 * root cannot come back. 0 or -errno. */
int proxy_become(const struct proxy_ids *ids);
