/* skel: the skeleton, built in generations (DESIGN.md, "Pipeline" steps 2-3,
 * "Per-user divergence"). A generation is state_dir/skel/gen-NNNNNN with
 *   tree/          the files: shared ones are hardlinks to store objects (+i),
 *                  config ones private copies
 *   stubs/         the same directories and links; a sparse stub per shared
 *                  file (real size and metadata, trusted.overlay.metacopy and
 *                  .redirect naming its object), config files hardlinked from tree/
 *   manifest.zst   every path (skel/manifest.h)
 *   index          per path: the host file's (dev, ino, size, mtime, ctime)
 *                  and what was made of it, so an unchanged file is never read
 *                  again and a no-op update is a stat walk
 * state_dir/skel/current -> gen-NNNNNN, switched by rename(2). A published
 * generation is never modified. */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/config.h"
#include "lib/progress.h"
#include "lib/error.h"
#include "lib/strv.h"
#include "skel/conf.h"

struct skel_stats {
	uint64_t paths, files, dirs, links, devices;
	uint64_t shared, config, bytes;
	uint64_t objects_created, objects_reused;
	uint64_t unchanged_unread; /* recognised by the index: not read at all */
	uint64_t bytes_read;	   /* content read (hashed, copied, compared) */
	uint64_t suid_stripped, suid_kept, devices_skipped, missing, blacklisted;
	uint64_t immutable_unsupported;
	uint64_t cfg_missing; /* conf.d paths not on the host (named at -v, in status) */
	uint64_t in_homes;    /* paths at or below a home of a user: never taken */
	uint64_t elf_checked, elf_added, elf_missing; /* skel/elfscan.h */
	bool nothing_to_do;
	bool index_rebuilt; /* the current generation's index could not be read */
	char generation[64];
};

struct skel_opts {
	const struct uc_config *cfg;
	const struct skel_conf *conf;
	bool first; /* init: there must be no generation yet */
	bool dry_run;
	struct uc_progress progress; /* objects and paths made (lib/progress.h) */
	bool wait_lock;
	bool dont_clean;	 /* keep what is no longer wanted */
	const struct strv *only; /* update-list: refresh only these paths */
	struct strv *diffs;	 /* if set: "new PATH", "changed PATH", "gone PATH" */
};

struct suid_file {
	char *path;
	unsigned host_mode; /* as on the host */
	bool kept;	    /* suid_allow (or strip_suid = no) keeps the bits */
};

/* setuid/setgid files among the wanted paths of sysroot, and what the
 * skeleton does with their bits. */
int skel_suids(const struct skel_opts *o, struct suid_file **out, size_t *n, struct uc_error *err);

/* Build a new generation and make it current (or find nothing to do). */
int skel_build(const struct skel_opts *o, struct skel_stats *st, struct uc_error *err);
