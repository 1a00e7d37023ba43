/* Internal to export/: what the whole import (import.c) and the making of
 * one archive entry (import_entry.c) share. */
#ifndef UNICAGE_EXPORT_IMPORT_INT_H
#define UNICAGE_EXPORT_IMPORT_INT_H

#include "export/export.h"
#include "export/workers.h"
#include "export/xman.h"
#include "lib/error.h"
#include "lib/hashset.h"
#include "lib/strv.h"
#include "lib/users.h"

#include <archive.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

enum { T_UPPER, T_CUSTOM, T_HOME, T_N };
extern const char *const import_prefixes[T_N]; /* the top of each tree in the archive */

/* What is set on directories after every entry is in: their times (each
 * entry made inside changes them) and default ACLs (set at once, they would
 * be inherited by the entries below, which the archive describes whole). */
struct dirmeta {
	unsigned tree;
	char *path;
	struct timespec mtime;
	char *default_acl; /* text, or NULL */
};

/* One tree an import puts in place: where it goes, and the temporary
 * directory beside it the archive is extracted into (renamed in by the
 * commit). */
struct place {
	char *final, *tmp; /* NULL: not made (yet) */
	int fd;
	bool handed; /* tmp is the commit's now (removed, or kept for recovery) */
};

/* The directory of the last entry: entries come grouped by directory, so
 * most find theirs open already. */
struct parent {
	char *path; /* below its tree */
	unsigned tree;
	int fd;
	bool sgid; /* its set-group-ID bit, and group */
	gid_t gid;
};

struct imp {
	const struct uc_config *cfg;
	const struct import_opts *o;
	struct import_report *rep;
	struct uc_error *err;
	struct archive *a;
	struct unzstd uz;
	bool uz_running;
	struct xman man;
	struct uc_user u; /* the target account */
	int lock;	  /* the user's cage lock */
	struct place t[T_N];
	struct strv made; /* parent directories made for the places, in order */
	struct strset seen, files;
	uint64_t max_entries, max_size;
	struct dirmeta *dirs;
	size_t ndirs;
	/* what a new inode gets from the kernel: chown/chmod only when the
	 * archive says otherwise (most entries: no call at all) */
	uid_t euid;
	gid_t egid;
	mode_t umask;
	struct parent parent;
	char *skel_missing; /* the last directory found missing in the skeleton */
	int skel_tree;	    /* the current generation's tree/, for the report */
	char gen[64];	    /* the current generation's name, "" if none */
	struct timespec t0; /* the start, for UNICAGE_DEBUG=export */
};

/* A refusal naming the archive entry (UC_BADREQUEST). */
int import_reject(struct imp *x, const char *entry, const char *why);
/* One entry of the archive, made below its tree's temporary directory. */
int import_extract_entry(struct imp *x, struct archive_entry *e, struct verifier *v);
/* After the last entry: the tops of the trees owned as this host wants,
 * directories' default ACLs and times set. */
int import_own_roots(struct imp *x);
int import_set_default_acls(struct imp *x);
void import_set_dir_times(struct imp *x);

#endif
