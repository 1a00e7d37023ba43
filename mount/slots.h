/* Reading the slots of persisted cages (see mount/cage.h): what exists,
 * which namespace each is, how many processes run in it. Read-only and
 * libc-only: the exec fast path (cli/front.c) uses it without the rest of
 * unicage. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "lib/config.h"
#include "lib/error.h"
#include "lib/users.h"
#include "skel/current.h" /* skel_current_gen, for the front */

struct slot {
	char user[256];
	unsigned n;
	uid_t uid;
	char gen[64];
	enum uc_cage_mode mode;
	ino_t ino;	/* the namespace's inode, 0 while it is being built */
	ino_t pidns;	/* the user's pid namespace it was built with (its /proc) */
	bool bound;	/* the handle is mounted: new entries may join */
	unsigned procs; /* processes in the namespace */
};

struct slotlist {
	struct slot *v;
	size_t n;
};

/* The slots of user (NULL: every user), sorted by user then slot. */
int cage_slots(const struct uc_config *cfg, const char *user, struct slotlist *out,
	       struct uc_error *err);
void slotlist_release(struct slotlist *l);

/* Records live in run_dir/ns/.slots/<user>/ (<n>.info, lock). fd of that
 * directory (created with create), or -errno. */
int slots_user_dir(int nsdir, const char *user, bool create);
/* The slots of user (NULL: all) below nsdir, processes counted from ps. */
struct procs;
int slots_scan(int nsdir, const char *user, const struct procs *ps, struct slotlist *out);

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

/* The user's pid and IPC namespaces, one pair per user shared by all her
 * slots, held by its init (cli/init.c, mount/pidns.h): handles
 * run_dir/ns/<user>.pid and <user>.ipc, record
 * run_dir/ns/.slots/<user>/init. */
struct cage_init {
	pid_t pid; /* in the host's pid namespace */
	ino_t pidns, ipcns;
};
/* 0 when the record is there and its init still runs in that pid
 * namespace (its /proc/PID/ns/pid is pidns); -ESRCH when it is gone (the
 * kernel killed every process of the namespace with it), -ENOENT when
 * there is no record. */
int cage_init_get(int nsdir, const char *user, struct cage_init *ci);
/* The handles of slot s's pid and IPC namespaces, opened and checked: the
 * namespaces the slot was built with, their init alive. 0, or -ESRCH (the
 * cage must be rebuilt: `unicage mount` does it), or -errno. */
int cage_ns_open(const struct uc_config *cfg, const struct slot *s, int *pidfd, int *ipcfd);
/* Whether cage_ns_open would succeed (the front's test before it joins). */
bool cage_ns_alive(const struct uc_config *cfg, const struct slot *s);

/* UC_PERMISSION unless the user is caged (enabled, not system, not excluded). */
int cage_require_enabled(const struct uc_config *cfg, const struct uc_user *u,
			 struct uc_error *err);

/* The newest bound slot of user: 0, or UC_NOTFOUND. */
int cage_newest(const struct uc_config *cfg, const char *user, struct slot *out,
		struct uc_error *err);
/* The cage mode when it is known without probing (forced in unicage.conf,
 * or probed already this boot): 0, else -ENOENT. */
int cage_mode_known(const struct uc_config *cfg, enum uc_cage_mode *mode, char *why, size_t size);
