/* What the rpm.list packages put in the wanted set, kept in
 * state_dir/skel/rpm-files (beside the generations: it depends on the
 * rpmdb only) with the identity of the rpmdb it was read from:
 * the (dev, ino, size, mtime, ctime) of its database files (rpmdb.sqlite and
 * its -wal, or Packages), the rpm.list entries and local_paths. While that
 * key is the same, an update takes the packages' files from here and never
 * opens the rpmdb (it was about half of a no-op update).
 *
 *   unicage-rpmfiles 1\n
 *   key KEY\n
 *   ghosts N\n
 *   PATH \t CLASS \t NEVRA\n ...      (paths escaped as in the index)
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "lib/config.h"
#include "lib/error.h"
#include "lib/strv.h"

struct rpmcache_ent {
	char *path, *nevra;
	char cls; /* W_SHARED or W_CONFIG */
};

struct rpmcache {
	char *key;
	size_t ghosts; /* %ghost and skip files of the packages, not wanted */
	struct rpmcache_ent *v;
	size_t n, cap;
};

/* The key of the rpmdb of sysroot for this rpm.list; *sqlite is set when
 * the database is sqlite (a read of it writes -shm: read a snapshot).
 * With no database found the key is "none". 0 or -ENOMEM. */
int rpmcache_key(int rootfd, const struct uc_config *cfg, const struct strv *rpms, char **key,
		 bool *sqlite);
int rpmcache_add(struct rpmcache *c, const char *path, char cls, const char *nevra);
/* A missing or unreadable file is an empty cache with no key (0). */
int rpmcache_read(struct rpmcache *c, int dirfd);
/* Written whole to a temp name, fsynced and renamed. */
int rpmcache_write(const struct rpmcache *c, int dirfd, struct uc_error *err);
/* rpmcache_write into state_dir/skel, a failure only said (-v): losing the
 * cache costs one read of the rpmdb, never a wrong set. */
void rpmcache_save(const struct rpmcache *c, int skeldirfd);
void rpmcache_release(struct rpmcache *c);
