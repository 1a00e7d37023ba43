/* Which cage mode this host uses (DESIGN.md, "Per-user divergence"): the
 * overlay of a stub layer over the data-only object layer, without metacopy,
 * when the kernel does it (probed for real, not by version), else the
 * generation's tree bind-mounted read-only. cage_mode in unicage.conf forces
 * either; auto probes once per boot and keeps the answer in run_dir/cage-mode. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "lib/config.h"
#include "lib/error.h"

/* The mode to build cages with; why: how it was chosen. */
int mode_get(const struct uc_config *cfg, enum uc_cage_mode *mode, char *why, size_t size,
	     struct uc_error *err);
/* Mount a stub over a data-only layer in scratch directory dir (created and
 * removed) and read through it: 0 when it works, else -errno with why.
 * metacopy: with metacopy=on (what data-only layers needed before 6.x). */
int mode_probe(const char *dir, bool metacopy, char *why, size_t size);
