/* Putting an imported cage in place so that a crash at any moment loses
 * nothing (doc/export.md, "Import").
 *
 * Every new tree (the cage directory with upper/ and work/, the user's
 * custom.etc, the home) is complete and durable in a temporary directory
 * beside its final place before this starts. An intent record
 * (state_dir/imports/USER.intent) then names each tree: its final path, the
 * new tree's path and its inode. Each tree is swapped in with one
 * renameat2(RENAME_EXCHANGE) (a plain rename when there was none): at no
 * moment is a final path missing, and the old tree ends up where the new one
 * was. The user's /etc is made again and the archive's enabled state
 * recorded; only then are the old trees and the record removed.
 *
 * After a crash the record says what to finish: a tree whose final path is
 * already the new inode is in; one that is not is swapped now (the new trees
 * were durable before the record was written, so rolling forward is always
 * possible). Without a record, temporary directories of an import that
 * never reached its commit are removed: the host is as it was. This is
 * done, under the user's cage lock, by the next import, mount or gc. */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "lib/config.h"
#include "lib/error.h"

#define IMPORT_TREES 3

struct import_tree {
	char final[PATH_MAX]; /* where it goes */
	char src[PATH_MAX];   /* the new tree (after the swap: the old one) */
	char tmp[PATH_MAX];   /* the temporary directory holding src (or src itself) */
	dev_t dev;	      /* the new tree's root */
	ino_t ino;
};

struct import_commit {
	char user[256];
	bool enabled; /* the archive's enabled state */
	unsigned n;
	struct import_tree t[IMPORT_TREES];
	bool pending; /* set by a failed import_commit that left it all for recovery */
};

/* Swap every tree in (caller holds the user's cage lock); the trees' dev
 * and ino are filled here. A swap that fails is undone with the others and
 * the record dropped: the caller then removes its temporary directories as
 * after any failure; only when even that fails is c->pending set: then the
 * temporary directories must stay, the next recovery rolls forward. */
int import_commit(const struct uc_config *cfg, struct import_commit *c, struct uc_error *err);

/* Finish or clear what a crashed import of user left (caller holds the
 * user's cage lock): 1 when something was done, 0 when there was nothing,
 * or -errno. */
int import_recover_locked(const struct uc_config *cfg, const char *user, struct uc_error *err);

/* The same, taking the user's cage lock. */
int import_recover(const struct uc_config *cfg, const char *user, struct uc_error *err);

/* Every user with an intent record or a temporary directory in cages_dir
 * (gc): the number of imports finished, or -errno. */
int import_recover_all(const struct uc_config *cfg, struct uc_error *err);

struct strv;
/* What crashed imports left, a line each ("alice (its commit was cut
 * short)"), for `unicage check`. */
void import_leftovers(const struct uc_config *cfg, struct strv *out);

/* Is an import of user to be finished? (one access(2): mount asks it) */
bool import_pending(const struct uc_config *cfg, const char *user);

/* The name of a temporary directory of an import of user by pid:
 * ".import-USER.PID"; is_import_tmp tells whether name is one of user's. */
void import_tmp_name(char *buf, size_t size, const char *user, int pid);
bool is_import_tmp(const char *name, const char *user);
