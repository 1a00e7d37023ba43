/* The lean no-op of `unicage update`: the static front (cli/update_front.c)
 * proves that nothing the wanted set is made of changed since the last
 * full no-op update, without librpm, the wanted set or the user database,
 * and says "nothing to do" itself; on any doubt unicage-core runs the full
 * update. state_dir/skel/noop, written by a full no-op (temp, fsync,
 * rename), records what the current generation's index does not hold:
 *   - the identity (dev, ino, size, mtime, ctime; or absence) of
 *     unicage.conf, config_dir, conf.d and each of its files, black.list,
 *     custom.black.list, rpm.list, rpm-files, the generation's index and
 *     elfdeps, the user database's files (passwd_file/group_file, or
 *     nsswitch.conf and /etc/passwd when NSS reads files only), the
 *     directories globs are matched in;
 *   - the rpmdb key (skel/rpmcache.h);
 *   - where each cfg path, glob match, home and each package file the index
 *     lacks (missing, black-listed, in a home) resolves inside sysroot;
 *   - what the no-op printed (counters, the conf.d paths it named);
 *   - for a generation that misses libraries, where the full no-op's
 *     recheck looked (elfscan_recheck's probes), as it was before it looked.
 * The index's own entries are checked by one lstat each: a new name in a
 * directory changes the directory's mtime and ctime. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "lib/config.h"
#include "lib/strv.h"
#include "skel/conf.h"
#include "skel/index.h"
#include "skel/rpmcache.h"
#include "skel/skel.h"

struct wanted_set;

/* The record's part that must not change while the full update runs:
 * taken before the wanted set is built and again after; written only when
 * both agree. NULL when no record can be made (a glob in a directory name,
 * NSS beyond files, a path with a tab or newline...). */
char *noop_snapshot(const struct uc_config *cfg, const struct skel_conf *conf, int rootfd,
		    const struct skel_index *index, const char *gen);
/* Write state_dir/skel/noop (a failure is only said at -v: the next update
 * is then a full one). */
void noop_record(int skelfd, const char *snapshot, const struct uc_config *cfg,
		 const struct skel_conf *conf, int rootfd, const struct skel_index *index,
		 const struct wanted_set *ws, const struct rpmcache *rpm,
		 const struct skel_stats *st);
/* Remove the record (a build or anything the record cannot stand for). */
void noop_forget(int skelfd);

/* The front's check: 1 proven (st, missing and homes as the no-op had
 * them), 0 not proven (why says what), never an error. */
int noop_check(const struct uc_config *cfg, struct skel_stats *st, struct strv *missing,
	       struct strv *homes, char *why, size_t whysize);

/* Shared by the record and the check. */
#define NOOP_MAGIC "unicage-noop 1 " UNICAGE_VERSION "\n"
#define NOOP_FILE "noop"
struct noop_counter {
	const char *name;
	size_t off;
};
extern const struct noop_counter noop_counters[];
extern const size_t noop_ncounters;
bool noop_clean_word(const char *s);
void noop_put_id(FILE *f, const char *path);
void noop_outcome(int rootfd, const char *path, bool follow, char *out, size_t size);
void noop_put_res(FILE *f, int rootfd, const char *path, bool follow);
/* The same "res" line (a final link followed, no newline) onto out, or
 * NOOP_UNPROVABLE for a path no record line can hold: 0 or -ENOMEM. */
#define NOOP_UNPROVABLE "unprovable"
int noop_res_line(int rootfd, const char *path, struct strv *out);

/* What update says about the conf.d paths (wanted_report and the front). */
void noop_say_paths(const struct strv *missing, const struct strv *homes);
