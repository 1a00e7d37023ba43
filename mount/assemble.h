/* One cage's mount namespace (DESIGN.md, "Cage contents"):
 *
 *   /            overlay: lower stubs/ :: data-only store/objects, upper/, work/<slot>
 *                (bind mode: the generation's tree/, read-only)
 *   /etc         the user's generated etc, read-only
 *   /home/<user> the user's home at its path (bind mode: on a tmpfs over its parent)
 *   /tmp, /var/tmp  ~/.unicage/tmp, made with the user's fsuid, never through a link
 *   /proc        the procfs of the user's pid namespace, what a user has no
 *                business reading masked
 *   /dev/mqueue  the mqueue of the user's IPC namespace
 *   /dev         a small tmpfs: null zero full random urandom tty, shm/, a new devpts
 *   cage.mp      shared, read-only, per-user and split directories
 *
 * Every mount is made detached in the caller's namespace (fsopen/fsmount,
 * open_tree), then a child joins a copy of the template namespace, attaches
 * them below /r (targets opened one component at a time without following
 * links), pivots into /r and detaches the template. Nothing of the host's
 * mount table is ever in a cage. Every mount is nosuid; all but /dev and
 * /dev/pts are nodev; every mount is a slave (host mounts propagate in,
 * nothing propagates out). */
#pragma once

#include <sys/types.h>

#include "lib/config.h"
#include "lib/error.h"
#include "lib/users.h"
#include "mount/cagemp.h"

struct cage_spec {
	const struct uc_config *cfg;
	const struct uc_user *u;
	const struct cage_mp *mp;
	const char *gen;	/* generation name under state_dir/skel */
	enum uc_cage_mode mode; /* UC_CAGE_OVERLAY or UC_CAGE_BIND */
	unsigned slot;		/* the overlay's workdir is work/<slot> */
	int pidns_fd, ipcns_fd; /* the user's pid and IPC namespaces (mount/pidns.h) */
};

/* Build the cage and bind its namespace at nsdir/name; *ino: its inode. */
int assemble_cage(const struct cage_spec *s, int nsdir, int template_fd, const char *name,
		  ino_t *ino, struct uc_error *err);

/* ~/.unicage/<rel> created as the user (fsuid/fsgid), each component opened
 * with O_NOFOLLOW and checked to be the user's directory; the last one gets
 * `mode` when it is created. Returns an O_PATH fd or -errno (msg says why). */
int assemble_user_dir(int homefd, const struct uc_user *u, const char *rel, mode_t mode, char *msg,
		      size_t size);
