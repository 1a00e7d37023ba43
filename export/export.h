/* Moving a cage between hosts (doc/export.md): one pax tar, zstd-compressed,
 * written with libarchive, that `tar --zstd -tvf` lists. First entry
 * UNICAGE-MANIFEST (export/xman.h), then upper/ (whiteouts, opaque
 * directories, every xattr and ACL as stored), custom.etc/ (the user's
 * config_dir/custom.etc/<user>/) and with --with-home home/ (the home,
 * ~/.unicage included). The skeleton is never in it: the manifest names the
 * generation the cage was made against. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "lib/config.h"
#include "lib/error.h"
#include "lib/progress.h"

struct export_opts {
	const char *user;
	int out_fd; /* the stream (a file or a pipe) */
	bool with_home;
	struct uc_progress progress; /* MB written (lib/progress.h) */
};

struct export_stats {
	uint64_t entries, files, bytes;
};

int export_cage(const struct uc_config *cfg, const struct export_opts *o, struct export_stats *st,
		struct uc_error *err);

struct import_opts {
	int in_fd;
	const char *user; /* --user: another name on this host */
	long uid;	  /* --uid: another uid (-1: the target user's) */
	bool force;	  /* replace an existing cage */
};

struct import_report {
	char user[256], source_gen[64], current_gen[64];
	bool gen_differs;
	uint64_t entries, files, bytes;
	uint64_t same_as_skeleton; /* upper files now identical to the skeleton's */
	char same_first[8][256];   /* the first of them */
};

int import_cage(const struct uc_config *cfg, const struct import_opts *o, struct import_report *rep,
		struct uc_error *err);
