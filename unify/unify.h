/* unify: every duplicate regular file across trees becomes one immutable
 * object in the store, each of its names a hardlink to it (vunify).
 *
 * Identity is content AND type, mode, owner, xattrs, ACLs, capabilities (and
 * mtime unless ignore_mtime): a hardlinked inode shares all of them. Only
 * root-owned (or, with system_owners, below min_uid) files that neither group
 * nor others can write are candidates: the same uid in two guests is two
 * people. Duplicates are found by comparing bytes, never by a hash alone. */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/error.h"
#include "lib/progress.h"
#include "lib/strv.h"
#include "unify/exclude.h"

struct unify_stats {
	atomic_ullong trees, files_seen, candidates, bytes_hashed, bytes_compared;
	atomic_ullong names_relinked, inodes_freed, bytes_freed;
	atomic_ullong objects_created, objects_reused, already_unified;
	atomic_ullong immutable_set, immutable_unsupported, skipped_changed, errors;
	atomic_ullong leftovers_removed;
};

/* Called for -v decisions and --dry-run actions: path is "TREE/rel". */
typedef void (*unify_report_fn)(void *arg, const char *path, const char *what);

struct unify_opts {
	const struct strv *trees;
	const char *store;	  /* --store DIR, or NULL */
	const char *config_store; /* the configured store (state_dir/store) */
	bool ignore_mtime;
	bool dry_run;
	bool system_owners;
	unsigned min_uid;
	bool use_rpmdb; /* exclude each tree's RPM %config files */
	bool wait_lock;
	const struct excludes *excludes;
	unify_report_fn report; /* NULL: quiet */
	void *report_arg;
	bool verbose;		     /* report every decision, not only actions */
	struct uc_progress progress; /* groups done (lib/progress.h) */
	unsigned threads;	     /* 0: automatic */
};

/* Why a file is not a candidate at all ("skipped: ..."), or NULL. */
struct stat;
const char *unify_not_candidate(const struct unify_opts *o, const struct stat *st);

/* Run. Per-file failures are counted in stats->errors and reported; the
 * return value is <0 only for what stops the run (no store, bad tree). */
int unify_run(const struct unify_opts *o, struct unify_stats *stats, struct uc_error *err);

/* Turn unified names back into private, writable copies with the same
 * content and metadata (package maintenance inside a guest). */
int unify_split(const struct unify_opts *o, const char *path, struct uc_error *err);
