/* `unicage check` (CageFS `cagefsctl --sanity-check`): every check probes
 * the real thing (a mount, a flag set and read back, a hash recomputed, a
 * command run in a cage) and says OK, FAILED or SKIPPED with the reason.
 *   kernel   overlay data-only layers, without metacopy, the new mount API,
 *            openat2, FS_IMMUTABLE_FL on the store's filesystem, procfs
 *            subset=pid, and the cage mode this host gets
 *   config   unicage.conf, conf.d, black.list, rpm.list, cage.mp, exclude/,
 *            users.enabled / users.disabled
 *   skeleton the current generation: manifest checksum, every object present
 *            and +i, a sample re-hashed to its key (full: all of them)
 *   cages    `unicage exec USER -- id -un` for the first two caged users
 *   stale    slots and pins left by cages that are gone
 *   orphans  cages of accounts that are gone (mount/lifecycle.h)
 *   proxy    a proxied crontab needs pam_unicage in cron's PAM stack
 *            (check/cronpam.h): WARN without it
 * Nothing is changed (a cage may be mounted by the exec check). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "lib/config.h"

/* WARN: works, but something is open the administrator must close (a
 * proxied crontab without pam_unicage in cron's PAM stack); not a failure
 * (the exit code stays 0). */
enum check_result { CHECK_OK, CHECK_FAILED, CHECK_SKIPPED, CHECK_WARN };

struct check_item {
	char name[64];
	enum check_result result;
	char detail[600];
};

struct check_report {
	struct check_item *v;
	size_t n;
};

struct check_opts {
	bool full;	 /* re-hash every object */
	const char *exe; /* the unicage binary to run `exec` with */
};

void check_run(const struct uc_config *cfg, const struct check_opts *o, struct check_report *rep);
void check_report_release(struct check_report *rep);
bool check_failed(const struct check_report *rep);
const char *check_result_name(enum check_result r);
