/* The cage mode this boot (mount/mode.h): run_dir/cage-mode, one line
 * "overlay|bind WHY" written once after the kernel was probed (run_dir is a
 * tmpfs: one probe, one answer per boot). Its one reader and writer; libc
 * only: the front reads it before it joins a cage. */
#pragma once

#include <stddef.h>

#include "lib/config.h"

/* The cage mode when it is known without probing (forced in unicage.conf,
 * or probed already this boot): 0, else -ENOENT. */
int modecache_known(const struct uc_config *cfg, enum uc_cage_mode *mode, char *why, size_t size);
/* The answer of a probe kept for this boot (a temporary name, then rename;
 * nothing is kept when it cannot be written: the next verb probes again). */
void modecache_save(const struct uc_config *cfg, enum uc_cage_mode mode, const char *why);
