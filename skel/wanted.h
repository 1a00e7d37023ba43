/* The wanted set of a generation: conf.d paths (globs expanded, directories
 * taken whole) + every file of the rpm.list packages (rpmscan: %ghost and
 * skip never) − black.list, plus every parent directory. Sorted by path, so
 * that a directory always comes before what it holds. */
#pragma once

#include <stdatomic.h>
#include <sys/stat.h>

#include "lib/config.h"
#include "lib/error.h"
#include "skel/conf.h"
#include "skel/rpmcache.h"
#include "skel/wrappers.h"

/* W_NOT_TAKEN: wanted but not made in the generation (a device not named in
 * devices=, a socket or fifo, a file replaced while it was read); kept in the
 * index so that the next update knows it already decided so. */
/* W_WRAPPER: the proxy's wrapper binary (skel/wrappers.h), a shared file
 * whose content and identity are the wrapper's, not the host's program. */
enum wanted_class {
	W_SHARED = 's',
	W_CONFIG = 'c',
	W_OTHER = '-',
	W_NOT_TAKEN = 'x',
	W_WRAPPER = 'w'
};

struct wanted {
	char *path;	  /* "/usr/bin/bash" */
	char cls;	  /* enum wanted_class, for regular files */
	bool device_ok;	  /* named in devices= */
	char *pkg;	  /* NEVRA, or NULL for conf.d paths */
	bool home_parent; /* holds homes: taken empty, root's, 0755, no xattrs */
	bool have_st;	  /* st is the lstat the walk saw (saves a second lookup) */
	struct stat st;
};

struct wanted_set {
	struct wanted *v;
	size_t n, cap;
	size_t blacklisted, ghosts_skipped;
	size_t in_homes;	 /* paths at or below a home: never taken */
	struct strv cfg_missing; /* conf.d paths (and globs) found nowhere in sysroot */
	struct strv cfg_homes;	 /* conf.d paths that reach homes */
	struct strv elf_added;	 /* libraries conf.d programs need (skel/elfscan.h) */
	struct strv elf_recheck; /* objects with a dependency not taken (skel/elfscan.h) */
	struct strv elf_probes;	 /* a no-op's recheck: what it looked at (elfscan_recheck) */
};

/* The no-op fast path of an update: the paths found by walking directories
 * are not added to the set but checked, in the walking threads, with same():
 * matched counts those the current generation took exactly so; differs is
 * set by any other. (Paths named directly, rpm.list files and parents are
 * added as usual.) */
struct wanted_probe {
	bool (*same)(const void *ctx, const char *path, const struct stat *st, char cls);
	const void *ctx;
	atomic_size_t matched;
	atomic_bool differs;
	/* the current generation's ELF additions, taken as named paths; NULL:
	 * unknown, the probe says "differs" */
	const struct strv *elf_added;
	/* objects whose dependencies are looked up again (elfscan_recheck) */
	const struct strv *elf_recheck;
};

/* The wanted set is made of real paths of the sysroot: a path named below
 * a symlinked directory (/lib64/libc.so.6 with /lib64 -> usr/lib64, from an
 * rpm or a cfg) is taken at its real path resolved inside sysroot, and each
 * symlink on the way is taken too; a cfg path that is itself a symlink is
 * followed the same way (paths=/usr/bin/python3 takes the alternatives
 * links and python3.6). Homes of users >= min_uid are never taken; the
 * directory holding a home is taken empty (root, 0755). */
int wanted_build(struct wanted_set *ws, const struct uc_config *cfg, const struct skel_conf *conf,
		 int rootfd, struct wanted_probe *probe, struct uc_error *err);
/* wanted_build, with the rpm.list part taken from prev (the current
 * generation's rpm-files) when the rpmdb has not changed since; next
 * receives what this set was made of (written with the new generation).
 * reused: the rpmdb was not opened. */
struct wanted_rpm {
	const struct rpmcache *prev;
	struct rpmcache next;
	bool reused;
};
/* wrap (may be NULL): the proxy's wrapper paths, each taken at its real
 * path as W_WRAPPER with the wrapper binary's identity, never from sysroot
 * (a wrapper path that is a directory there, or whose directory is not
 * there, gets none: a warning). */
int wanted_build_rpm(struct wanted_set *ws, const struct uc_config *cfg,
		     const struct skel_conf *conf, int rootfd, struct wanted_probe *probe,
		     struct wanted_rpm *rpm, const struct skel_wrappers *wrap,
		     struct uc_error *err);
void wanted_release(struct wanted_set *ws);
struct skel_stats;
/* What the set could not take, counted into st and said once per run:
 * conf.d paths not on this host (info: -v names them), conf.d paths that
 * reach homes (warning). */
void wanted_report(const struct wanted_set *ws, struct skel_stats *st);
/* Is path excluded by one of the black.list patterns (itself or a parent)? */
bool wanted_blacklisted(const struct strv *black, const char *path);
