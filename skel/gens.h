/* The generations of a skeleton: listing, rollback, garbage collection and
 * status. Pins: state_dir/skel/pins/NAME, each holding a generation name
 * (mount pins the generations its cages use); a pinned or current
 * generation is never removed. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "lib/config.h"
#include "lib/error.h"
#include "lib/strv.h"

struct skel_status {
	char current[64];
	int64_t age_seconds;
	uint64_t files, shared, config, dirs, links, devices;
	uint64_t bytes;	    /* apparent: sum of file sizes in the tree */
	uint64_t allocated; /* each inode of tree/ once */
	uint64_t objects, objects_immutable;
	struct strv generations, pinned;
	struct strv cfg_missing; /* conf.d paths not on the host when it was built */
};

int skel_status(const struct uc_config *cfg, struct skel_status *st, struct uc_error *err);
void skel_status_release(struct skel_status *st);
/* Make the newest generation older than current the current one. */
int skel_rollback(const struct uc_config *cfg, char *now_current, size_t size,
		  struct uc_error *err);
/* Remove generations neither current nor pinned, then objects no remaining
 * generation uses. */
int skel_gc(const struct uc_config *cfg, bool wait, uint64_t *gens_removed,
	    uint64_t *objects_removed, struct uc_error *err);

/* Helpers of skel/build.c (names and current: skel/current.h). */
/* The next free generation number; leftovers of an interrupted build
 * (gen-N.tmp) removed. */
int skel_scan_gens(int skelfd, unsigned *next);
/* gen/cfg-missing: the conf.d paths absent from sysroot when gen was built
 * (status lists them). */
int skel_cfg_missing_write(int genfd, const struct strv *missing, struct uc_error *err);
