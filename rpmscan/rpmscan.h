/* rpmscan: every file of the chosen RPM packages, with what rpm knows about it
 * and the class unicage gives it (DESIGN.md, "Pipeline" step 1).
 *
 * Sources are the rpmdb of a host tree (opened read-only; never created,
 * never locked) and .rpm files (headers only). Results are streamed to a
 * callback one file at a time, so memory does not grow with the database. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/error.h"
#include "lib/strv.h"

enum rs_ftype {
	RS_T_FILE,
	RS_T_DIR,
	RS_T_SYMLINK,
	RS_T_CHAR,
	RS_T_BLOCK,
	RS_T_FIFO,
	RS_T_SOCKET,
	RS_T_UNKNOWN
};

enum rs_state {
	RS_S_NORMAL,
	RS_S_REPLACED,
	RS_S_NOTINSTALLED,
	RS_S_NETSHARED,
	RS_S_WRONGCOLOR,
	RS_S_UNKNOWN
};

enum rs_class { RS_C_SHARED, RS_C_CONFIG, RS_C_GHOST, RS_C_SKIP };

/* File flags, from the header's FILEFLAGS. */
enum rs_flag {
	RS_F_CONFIG = 1 << 0,
	RS_F_NOREPLACE = 1 << 1,
	RS_F_MISSINGOK = 1 << 2,
	RS_F_GHOST = 1 << 3,
	RS_F_DOC = 1 << 4,
	RS_F_LICENSE = 1 << 5,
	RS_F_ARTIFACT = 1 << 6,
	RS_F_README = 1 << 7,
	RS_F_SPECFILE = 1 << 8,
};

/* Verify results, in rpm -V's order "SM5DLUGTP". */
enum rs_verify_bit {
	RS_V_SIZE = 1 << 0,
	RS_V_MODE = 1 << 1,
	RS_V_DIGEST = 1 << 2,
	RS_V_RDEV = 1 << 3,
	RS_V_LINK = 1 << 4,
	RS_V_USER = 1 << 5,
	RS_V_GROUP = 1 << 6,
	RS_V_MTIME = 1 << 7,
	RS_V_CAPS = 1 << 8,
	RS_V_READFAIL = 1 << 9,	     /* content could not be read: "?" for 5 */
	RS_V_READLINKFAIL = 1 << 10, /* link could not be read: "?" for L */
	RS_V_MISSING = 1 << 11,	     /* lstat failed */
};

struct rs_verify {
	bool checked;	 /* false: not verified (no --verify, or state not normal) */
	unsigned bits;	 /* rs_verify_bit */
	int lstat_errno; /* with RS_V_MISSING */
};

struct rs_file {
	const char *nevra;
	const char *path;
	enum rs_ftype type;
	mode_t mode; /* full st_mode bits from the header, type included */
	const char *user, *group;
	uint64_t size;
	uint32_t mtime;
	int digest_algo;    /* PGPHASHALGO_*; meaningful only with a digest */
	const char *digest; /* lower-case hex; "" when the header has none */
	const char *link;   /* symlink target; "" otherwise */
	const char *caps;   /* file capabilities as text; "" for none */
	uint32_t rdev;
	uint32_t flags;	 /* rs_flag */
	uint32_t vflags; /* rpm's per-file %verify flags (RPMVERIFY_*) */
	enum rs_state state;
	enum rs_class class;
	struct rs_verify verify;
	bool installed; /* from the rpmdb (false: from a .rpm file) */
};

struct rpmscan_opts {
	const char *sysroot; /* host tree; "/" by default */
	const char *dbpath;  /* rpmdb inside sysroot; NULL: first of the defaults holding one */
	bool all;	     /* every installed package */
	const struct strv *packages;	/* names or N-V-R[.A] labels */
	const struct strv *rpm_files;	/* .rpm files to read instead of the rpmdb */
	bool requires;			/* add what the selection requires, transitively */
	bool verify;			/* compare files on disk with their headers */
	bool snapshot;			/* read a private copy of the database */
	const struct strv *local_paths; /* path policy: below these, class config */
};

typedef int (*rpmscan_cb)(const struct rs_file *f, void *arg);

/* Scan. The callback's non-zero return stops the scan and is returned. */
int rpmscan_run(const struct rpmscan_opts *o, rpmscan_cb cb, void *arg, struct uc_error *err);

/* The names of the packages o selects (o->packages, with o->requires their
 * closure), as installed in the rpmdb; a spec is taken as dnf takes an
 * installed package (name, label, virtual provide, file path) and one that
 * matches nothing is UC_NOTFOUND (names then holds nothing of the call).
 * via (may be NULL) gets "SPEC\tNAME" for each package a spec took by what
 * it provides. */
int rpmscan_resolve(const struct rpmscan_opts *o, struct strv *names, struct strv *via,
		    struct uc_error *err);
/* For each capability of caps (a provide such as "libtinfo.so.6()(64bit)"),
 * the installed packages of the sysroot's rpmdb providing it: out gets one
 * string per cap, names separated by spaces, "" for none. */
int rpmscan_whatprovides(const struct rpmscan_opts *o, const struct strv *caps, struct strv *out,
			 struct uc_error *err);

/* Classification (classify.c). Pure functions, unit-tested. */
enum rs_class rs_classify(const struct rs_file *f, const struct strv *local_paths);
bool rs_path_is_local(const char *path, const struct strv *local_paths);
const char *rs_ftype_name(enum rs_ftype t);
const char *rs_state_name(enum rs_state s);
const char *rs_class_name(enum rs_class c);
const char *rs_digest_algo_name(int algo);
enum rs_ftype rs_ftype_from_mode(mode_t mode);
enum rs_state rs_state_from_rpm(int rpmstate);
uint32_t rs_flags_from_rpm(uint32_t rpmflags);
/* "config,noreplace" into buf; "" for none. */
void rs_flags_format(uint32_t flags, char *buf, size_t size);
/* rpm -V's 9 characters "SM5DLUGTP" with '.' for a match, or "missing". */
void rs_verify_format(const struct rs_verify *v, char *buf, size_t size);
