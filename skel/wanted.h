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

enum wanted_class { W_SHARED = 's', W_CONFIG = 'c', W_OTHER = '-' };

struct wanted {
	char *path;	/* "/usr/bin/bash" */
	char cls;	/* enum wanted_class, for regular files */
	bool device_ok; /* named in devices= */
	char *pkg;	/* NEVRA, or NULL for conf.d paths */
	bool have_st;	/* st is the lstat the walk saw (saves a second lookup) */
	struct stat st;
};

struct wanted_set {
	struct wanted *v;
	size_t n, cap;
	size_t blacklisted, ghosts_skipped;
	struct strv elf_added; /* libraries conf.d programs need (skel/elfscan.h) */
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
};

int wanted_build(struct wanted_set *ws, const struct uc_config *cfg, const struct skel_conf *conf,
		 int rootfd, struct wanted_probe *probe, struct uc_error *err);
void wanted_release(struct wanted_set *ws);
/* Is path excluded by one of the black.list patterns (itself or a parent)? */
bool wanted_blacklisted(const struct strv *black, const char *path);
