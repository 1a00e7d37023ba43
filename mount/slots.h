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
#include "mount/procs.h"

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
int slots_list(const struct uc_config *cfg, const char *user, struct slotlist *out,
	       struct uc_error *err);
void slotlist_release(struct slotlist *l);

/* Records live in run_dir/ns/.slots/<user>/ (<n>.info, lock). fd of that
 * directory (created with create), or -errno. */
int slots_user_dir(int nsdir, const char *user, bool create);
/* The slots of user (NULL: all) below nsdir, processes counted from ps. */
int slots_scan(int nsdir, const char *user, const struct procs *ps, struct slotlist *out);

/* The newest bound slot of user: 0, or UC_NOTFOUND. */
int slots_newest(const struct uc_config *cfg, const char *user, struct slot *out,
		 struct uc_error *err);
/* The same below nsdir (run_dir/ns, open), for a caller that joins the
 * slot: its handle, opened and checked to be a namespace, into *mnt, and
 * the user's records directory into *ud (both close-on-exec), so that
 * neither is looked up twice on the way into a cage. 0, -ENOENT (no bound
 * slot), or -errno. */
int slots_newest_at(int nsdir, const char *user, struct slot *out, int *mnt, int *ud);
