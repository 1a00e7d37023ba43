/* The CageFS files of config_dir (check/cagefs.c). */
#pragma once

#include <stdbool.h>

#include "lib/config.h"
#include "lib/strv.h"

/* Names in config_dir beyond unicage's own: the CageFS ones unicage reads
 * (read) and the others (unsupported: ignored). *looks_cagefs: a CageFS
 * file that only CageFS writes is there (cagefs.mp, users.enabled/ ...).
 * 0 or -errno. */
int check_cagefs_files(const struct uc_config *cfg, struct strv *read, struct strv *unsupported,
		       bool *looks_cagefs);
