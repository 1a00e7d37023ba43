/* The wanted set of a generation: conf.d paths (globs expanded, directories
 * taken whole) + every file of the rpm.list packages (rpmscan: %ghost and
 * skip never) − black.list, plus every parent directory. Sorted by path, so
 * that a directory always comes before what it holds. */
#pragma once

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
};

int wanted_build(struct wanted_set *ws, const struct uc_config *cfg, const struct skel_conf *conf,
		 int rootfd, struct uc_error *err);
void wanted_release(struct wanted_set *ws);
/* Is path excluded by one of the black.list patterns (itself or a parent)? */
bool wanted_blacklisted(const struct strv *black, const char *path);
