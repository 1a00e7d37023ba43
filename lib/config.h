/* unicage.conf: `key = value` lines, whole-line `#` comments, blank lines.
 * An unknown key, a key given twice or a bad value is an error naming
 * file:line, and the configuration in hand is left as it was. Every default is
 * listed in doc/configuration.md. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/error.h"
#include "lib/strv.h"

#define UC_DEFAULT_CONFIG "/etc/unicage/unicage.conf"

struct uc_config {
	char *source;		 /* file it was read from, NULL for built-in defaults */
	char *sysroot;		 /* host tree files and the rpmdb are taken from */
	char *state_dir;	 /* store, skeleton generations */
	char *config_dir;	 /* conf.d, rpm.list, black.list, cage.mp */
	char *cages_dir;	 /* per-user cage state; default state_dir/cages */
	char *run_dir;		 /* persisted namespaces */
	char *rpm_dbpath;	 /* rpmdb path inside sysroot; NULL = first that holds a db */
	unsigned min_uid;	 /* users below it are system accounts, never caged */
	struct strv local_paths; /* path policy: files below these are `config` */
	bool strip_suid;	 /* skeleton: setuid/setgid bits dropped ... */
	struct strv suid_allow;	 /* ... except on these paths */
	char *passwd_file;	 /* users from this file instead of NSS; NULL: NSS */
	char *group_file;
	int cage_mode; /* enum uc_cage_mode: how a cage's / is built */
	/* the only capabilities root keeps in a cage (enter), an allowlist:
	 * numbers, from enter_caps = CAP_X CAP_Y ... (or none) */
	int enter_caps[64];
	unsigned n_enter_caps;
	/* cage_user_namespaces = no (default): seccomp refuses CLONE_NEWUSER
	 * in cages (doc/enter.md) */
	bool cage_user_namespaces;
	/* import refuses archives with more entries or bytes than these */
	unsigned import_max_entries;
	uint64_t import_max_size;
	/* cagefs_compat = yes, or config_dir = /etc/cagefs: config_dir is a
	 * CageFS configuration read as it is (doc/cagefs.md) */
	bool cagefs_compat;
	/* unicage tmpwatch (proxy/tmpwatch.h): files not accessed for this
	 * many hours go, from every cage's /tmp and these per-user (`@`)
	 * directories of cage.mp */
	unsigned tmpwatch_hours;
	struct strv tmpwatch_dirs;
	/* unicage-proxyd: a proxied command's process group is killed after
	 * this many seconds (0: no limit) */
	unsigned proxy_max_seconds;
};

/* cage_mode = auto|overlay|bind: auto probes the kernel once (overlay with a
 * data-only layer when it works, else the read-only bind of the tree). */
enum uc_cage_mode { UC_CAGE_AUTO, UC_CAGE_OVERLAY, UC_CAGE_BIND };
extern const char *const uc_cage_mode_names[3];

/* Fill cfg with the built-in defaults. */
int uc_config_init(struct uc_config *cfg);
void uc_config_release(struct uc_config *cfg);

/* Parse f (named `name` in messages) on top of cfg. All or nothing. */
int uc_config_parse(struct uc_config *cfg, FILE *f, const char *name, struct uc_error *err);

/* Load the configuration: `path` (from -c) or else $UNICAGE_CONFIG must exist;
 * with neither, UC_DEFAULT_CONFIG is read when it exists. cfg must be init'ed. */
int uc_config_load(struct uc_config *cfg, const char *path, struct uc_error *err);

/* Set key to value in the unicage.conf at path (created if missing),
 * atomically, every other line kept; the result must parse (else
 * UC_BADREQUEST and nothing changed). lib/config_write.c. */
int uc_config_set(const char *path, const char *key, const char *value, struct uc_error *err);
