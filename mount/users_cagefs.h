/* The users' state in a CageFS configuration (cagefs_compat; see
 * mount/users_cagefs.c and doc/cagefs.md). policy_load / _save call
 * these instead of reading state_dir/users/ when cfg->cagefs_compat. */
#pragma once

#include "lib/config.h"
#include "lib/error.h"
#include "mount/policy.h"

/* The mode and both lists from config_dir/users.{enabled,disabled}[.save]/.
 * A name that is not a user name, or one of them not a directory, is
 * UC_BADREQUEST. */
int cagefs_users_load(const struct uc_config *cfg, struct cage_users *cu, struct uc_error *err);
/* Write them back as CageFS lays them out. */
int cagefs_users_save(const struct uc_config *cfg, const struct cage_users *cu,
		      struct uc_error *err);
