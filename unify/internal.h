/* Private to unify/: the state of one run. */
#pragma once

#include <sys/stat.h>

#include "lib/hashset.h"
#include "lib/store.h"
#include "unify/unify.h"

#define UNIFY_TMP_PREFIX ".unicage-unify."

struct uname {
	uint32_t tree;
	char *rel;	/* path below the tree root, "usr/bin/bash" */
	struct stat st; /* as the walk saw it */
};

struct utree {
	char *path;
	int fd; /* O_PATH|O_DIRECTORY of its root */
	dev_t dev;
	struct strset rpm_config; /* --rpmdb: %config files, "/etc/x" */
};

struct unify_run {
	const struct unify_opts *o;
	struct unify_stats *st;
	struct utree *trees;
	size_t ntrees;
	struct store *store; /* of the filesystem being processed */
	struct uname *names;
	size_t nnames, capnames;
	atomic_uint tmpseq;
};

/* walk.c: collect the candidate names of tree t below it (same filesystem). */
int unify_walk_tree(struct unify_run *u, uint32_t t, struct uc_error *err);
void unify_report(struct unify_run *u, uint32_t tree, const char *rel, const char *what);
/* engine.c: unify the collected names. */
int unify_names(struct unify_run *u, struct uc_error *err);
