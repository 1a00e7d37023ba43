/* Private to rpmscan/: the database handle and the scan state. */
#pragma once

#include <limits.h>
#include <rpm/header.h>
#include <rpm/rpmts.h>

#include "lib/ugdb.h"
#include "rpmscan/rpmscan.h"

enum rs_backend { RS_DB_SQLITE, RS_DB_BDB_RO };

struct rs_db {
	rpmts ts;
	char dir[PATH_MAX]; /* the database directory as found under sysroot */
	char *snapdir;	    /* private copy being read, removed on close */
	enum rs_backend backend;
	bool indexed; /* index files exist: name/provide lookups work */
	int rootfd;   /* the sysroot (not owned): paths given by the user resolve in it */
	char sysroot[PATH_MAX];
};

/* librpm setup, once per process: config files read, log routed to uc_log. */
int rs_rpm_init(struct uc_error *err);
/* The last error librpm logged (for messages), "" if none. */
const char *rs_rpm_last_error(void);
void rs_rpm_clear_error(void);

/* Find and open the rpmdb of sysroot read-only (see rpmscan_opts). */
int rs_db_open(struct rs_db *db, int rootfd, const char *sysroot, const char *dbpath, bool snapshot,
	       struct uc_error *err);
void rs_db_close(struct rs_db *db);
/* After reading through an iterator: librpm reports a damaged database only
 * in its log (bdb_ro: "error reading Packages database") and then simply ends
 * the iteration, so an error logged since the last rs_rpm_clear_error() is a
 * corrupt database here (UC_BADREQUEST), never a short result. */
int rs_db_check(struct rs_db *db, struct uc_error *err);

/* A set of package headers, each held once. */
struct rs_pkgset {
	Header *h;
	size_t n, cap;
};
/* Add h (a new reference is taken) unless a header of the same db instance is
 * there; returns 1 if added, 0 if it was there, -ENOMEM. */
int rs_pkgset_add(struct rs_pkgset *set, Header h);
void rs_pkgset_release(struct rs_pkgset *set);

/* Headers named by specs as dnf takes an installed package: a name, N-V,
 * N-V-R, N-V-R.A, N-E:V-R[.A]; else every installed package providing it (a
 * virtual provide, or a file path). A spec nothing matches is UC_NOTFOUND.
 * via (may be NULL) gets "SPEC\tNAME" per package taken by what it provides. */
int rs_select(struct rs_db *db, const struct strv *specs, struct rs_pkgset *out, struct strv *via,
	      struct uc_error *err);
/* The installed packages providing each of caps (e.g. "libtinfo.so.6()(64bit)"):
 * out[i] is the names found for caps[i], space-separated, "" for none. */
int rs_whatprovides(struct rs_db *db, const struct strv *caps, struct strv *out,
		    struct uc_error *err);
/* Add, transitively, every installed package the set requires. */
int rs_add_requires(struct rs_db *db, struct rs_pkgset *set, struct uc_error *err);
/* Read the header of a .rpm file; errors name the file. */
int rs_read_package(rpmts ts, const char *path, Header *out, struct uc_error *err);

/* Verify one file against sysroot (verify.c). */
struct rs_verifier {
	int rootfd;
	struct ugdb ug;
	struct rs_db *db; /* may be NULL: no shared-mtime filter */
};
void rs_verify_file(struct rs_verifier *v, struct rs_file *f);
