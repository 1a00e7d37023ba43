/* The account lifecycle (what control panels and userdel call; doc/users.md):
 * a cage follows its account when it is created, renamed or deleted, and
 * cages left by accounts that are gone are found and removed.
 *
 * Each cage directory (cages_dir/NN/<user>) records the uid it was made for
 * in cages_dir/NN/<user>/owner: a cage whose owner is not the account of
 * that name now (the name reused by a new account) is an orphan, never
 * handed to the new account. Everything here runs under the users' state
 * lock (state_dir/users.lock, taken by the CLI). */
#pragma once

#include <stdbool.h>

#include "lib/config.h"
#include "lib/error.h"
#include "lib/strv.h"
#include "lib/users.h"
#include "skel/conf.h"

/* A name that can name a cage directory and a state entry: 1-255 bytes, no
 * '/', ':', white space or control character, not "." or "..", not starting
 * with '.' or '-'. */
bool lifecycle_name_ok(const char *name);

/* The cage directories named name, in every cages_dir/NN (paths). */
int lifecycle_find(const struct uc_config *cfg, const char *name, struct strv *paths,
		   struct uc_error *err);

/* user-created: a leftover cage of that name made for another uid is removed
 * (the new account starts empty), then the cage directory is made with its
 * owner record and, when a skeleton exists, its /etc. *etc: whether /etc was
 * generated. */
int lifecycle_created(const struct uc_config *cfg, const struct skel_conf *conf,
		      const struct uc_user *u, bool *etc, struct uc_error *err);

/* user-renamed: the account once named old is now nu (same uid; old may
 * equal nu->name for a change of home). old's slots are killed; its cage
 * directory, custom.etc/<old> and its entries in users.enabled /
 * users.disabled move to the new name; /etc is generated again. Refused
 * (UC_BADREQUEST, nothing changed) when old is still an account, when the
 * new name already has a cage or custom.etc of its own, or when the old
 * cage was made for another uid. Run again after a crash, it finishes. */
int lifecycle_renamed(const struct uc_config *cfg, const struct skel_conf *conf, const char *old,
		      const struct uc_user *nu, struct uc_error *err);

/* user-deleted: the user's slots killed and released, the cage directories
 * of that name, custom.etc/<name> and the name's entries in users.enabled /
 * users.disabled removed. Works whether the account still exists (userdel's
 * USERDEL_CMD runs before the account goes) or not. *found: whether there
 * was anything. */
int lifecycle_deleted(const struct uc_config *cfg, const char *name, bool *found,
		      struct uc_error *err);

/* Cages (cages_dir/NN/<name>) of no account: the name is unknown, or its
 * uid is not NN, or the owner record names another uid. "NN/name" each. */
int lifecycle_orphans(const struct uc_config *cfg, struct strv *out, struct uc_error *err);

/* clean: every orphan removed as user-deleted does, and the pins and slot
 * records of names that are no account. removed: "NN/name" of each. */
int lifecycle_clean(const struct uc_config *cfg, struct strv *removed, struct uc_error *err);

/* remove-all: Disable All mode with nobody enabled, every cage unmounted
 * (processes killed), then state_dir/skel, state_dir/store and cages_dir
 * removed (+i cleared); config_dir and state_dir/users are kept. Call with
 * the skeleton's lock held. */
int lifecycle_remove_all(const struct uc_config *cfg, struct uc_error *err);
