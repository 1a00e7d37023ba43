/* The dynamic linker cache of a generation (/etc/ld.so.cache).
 *
 * glibc ships /etc/ld.so.cache as %ghost, so a skeleton made of package files
 * has none, and a cache copied from the host names the host's libraries. Each
 * generation gets its own: the sysroot's ldconfig is run on the new tree
 * before it is published, chrooted into it, as an unprivileged user (nobody)
 * that can write nothing but a private work directory, with -X (no links are
 * made in the tree) and -i (no aux-cache). The cache is then checked (it must
 * parse), written as a private config-class file of the generation and
 * counted in the manifest. The host's own /etc/ld.so.cache is never taken. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "lib/error.h"
#include "skel/manifest.h"
#include "skel/skel.h"

#define LDCACHE_PATH "/etc/ld.so.cache"

/* Is path the generation's own linker cache (never taken from the host)? */
bool ldcache_is_generated(const char *path);

/* tree/etc/ld.so.cache, in steps so that stubs/ can be made meanwhile: the
 * cache made for tree/ (ldconfig needs tree/ only) into *data (malloc'd;
 * NULL when there is none: no usable ldconfig in the sysroot, or one that
 * failed, a warning said why), then placed in tree/ with its manifest
 * record, and linked into stubs/etc by ldcache_link_stub once stubs/ is
 * made. -errno/err otherwise. */
int ldcache_run(int rootfd, int treefd, char **data, size_t *len, struct uc_error *err);
int ldcache_place(int treefd, int stubfd, const char *data, size_t len, struct manifest_writer *mw,
		  struct skel_stats *st, struct uc_error *err);
int ldcache_link_stub(int treefd, int stubfd, struct uc_error *err);
