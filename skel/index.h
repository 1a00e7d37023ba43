/* The index of a generation: one line per path with the host file's identity
 * when it was taken (dev, ino, size, mtime ns, ctime ns) and what was made of
 * it (mode after setuid stripping, owner, class, object key and suffix).
 * Class is one of s c - x w (skel/wanted.h; w: the proxy's wrapper): every entry, taken or not,
 * round-trips. An index that cannot be read is UC_BADREQUEST; update then
 * treats every path as new (reads the files again) and writes a good one. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "lib/error.h"
#include "lib/hashset.h"

struct idx_ent {
	char *path;
	uint64_t dev, ino, size;
	int64_t mtime_ns, ctime_ns;
	unsigned mode, uid, gid; /* mode: full st_mode as made in the skeleton */
	char cls;
	char key[65]; /* hex, "-" when not an object */
	unsigned suffix;
};

struct skel_index {
	struct idx_ent *v;
	size_t n, cap;
	struct strset by_path; /* value: index into v */
	char *text;	       /* index_read: the file, whose paths the entries point into */
};

int index_add(struct skel_index *ix, const struct idx_ent *e);
const struct idx_ent *index_find(const struct skel_index *ix, const char *path);
/* Same host identity and the same result? */
bool index_same(const struct idx_ent *a, const struct idx_ent *b);
/* Into dirfd (a generation being built: not fsynced, the build makes the
 * generation durable whole before publishing it). */
int index_write(const struct skel_index *ix, int dirfd, struct uc_error *err);
/* A missing index is an empty one. */
int index_read(struct skel_index *ix, int dirfd, struct uc_error *err);
/* Each entry of dirfd's index handed to fn, without keeping them: 0, fn's
 * positive return (stops), or -errno (err set). A missing index has none. */
int index_each(int dirfd, int (*fn)(void *ctx, const struct idx_ent *e), void *ctx,
	       struct uc_error *err);
void index_release(struct skel_index *ix);
void index_fill_stat(struct idx_ent *e, const struct stat *st);
