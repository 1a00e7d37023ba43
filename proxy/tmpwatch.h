/* unicage tmpwatch (CageFS's --tmpwatch; doc/proxy.md, "tmpwatch"): files
 * not accessed nor modified for N hours go from every cage's /tmp and
 * /var/tmp (both are ~/.unicage/tmp) and the tmpwatch_dirs of unicage.conf
 * (per-user `@` directories of cage.mp, kept in ~/.unicage/<path>).
 *
 * Each user's cleaning runs in a child with her full credentials (her uid,
 * gid and groups: what she could not remove herself is left, root's groups
 * included), through directory descriptors only: each
 * directory is opened from its parent's fd with O_NOFOLLOW and checked to
 * be the one that was listed (dev, ino), entries are removed with
 * unlinkat() on that fd. A directory swapped for a link while it runs is a
 * link unlinkat() removes (or an ELOOP), never a way out of the tree; the
 * walk never leaves the filesystem it started on. Sockets are kept (a
 * running daemon's socket is not accessed). An old directory that is
 * empty after its cleaning goes too. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "lib/config.h"
#include "lib/error.h"

struct tmpwatch_stats {
	uint64_t files, dirs, bytes;
	unsigned users;
};

/* Called for every removed name: the user and the path in her cage. */
typedef void (*tmpwatch_report_fn)(void *ctx, const char *user, const char *path);

/* Clean every user's directories (users from min_uid on whose home has
 * ~/.unicage). 0 or -errno/err (a user whose directories are not hers
 * is skipped with a warning, not an error). */
int tmpwatch_run(const struct uc_config *cfg, unsigned hours, tmpwatch_report_fn report, void *ctx,
		 struct tmpwatch_stats *st, struct uc_error *err);
