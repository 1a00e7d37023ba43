/* Who is calling: asked of the kernel only (doc/proxy.md, "Who the caller
 * is"). SO_PEERCRED gives the uid, gid and pid the socket was connected
 * with; SO_PEERPIDFD (Linux 6.5) a pidfd of that very process, so a pid
 * recycled after the caller died can never stand in for it (without it:
 * pidfd_open on the pid, then the same checks). The pid namespace of that
 * process names the cage (each caged user has one, held by her init:
 * mount/pidns.h), its mount namespace must be one of her slots, and the
 * uid must be hers. Everything read through /proc is read before a last
 * check that the pidfd's process is still alive: after that check, the pid
 * was the caller's all along. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "lib/config.h"
#include "lib/error.h"

struct proxy_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	int pidfd;
	ino_t mntns, pidns;
	char user[256]; /* the cage's user */
	struct rlimit lim[RLIM_NLIMITS];
	mode_t umask;	   /* /proc/PID/status "Umask:" */
	uint32_t loginuid; /* /proc/PID/loginuid; 4294967295: unset */
};

/* Identify the peer of the connected socket conn: 0, or UC_PERMISSION
 * (not in a cage, not the cage's user, gone). */
int proxy_peer_identify(const struct uc_config *cfg, int conn, struct proxy_peer *p,
			struct uc_error *err);
/* Whether the peer's pid is in a cage's pid namespace: the accept loop's
 * count only (which pool a connection takes), not a verdict;
 * proxy_peer_identify decides. */
bool proxy_peer_caged(const struct uc_config *cfg, int conn);
/* 0 while the peer's process has not been reaped. */
int proxy_peer_alive(const struct proxy_peer *p);
void proxy_peer_release(struct proxy_peer *p);
