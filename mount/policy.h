/* Which users are caged (CageFS habits). Two modes: in "Disable All" only
 * the users of users.enabled are caged; in "Enable All" every user but those
 * of users.disabled. Users below min_uid and users named in
 * config_dir/exclude/ (any file there) are never caged. State: state_dir/users/{mode,
 * users.enabled, users.disabled}, each written atomically, under
 * state_dir/users.lock. */
#pragma once

#include <stdio.h>

#include "lib/config.h"
#include "lib/error.h"
#include "lib/strv.h"
#include "lib/users.h"

enum cage_mode { CAGE_DISABLE_ALL, CAGE_ENABLE_ALL };

struct cage_users {
	enum cage_mode mode;
	struct strv enabled;  /* the exceptions of Disable All */
	struct strv disabled; /* the exceptions of Enable All */
	struct strv excluded; /* config_dir/exclude/ */
	struct strv broken;   /* "FILE:LINE: why" of each exclude/ file that excludes
				 nobody because of a bad line */
};

enum user_verdict { U_ENABLED, U_DISABLED, U_SYSTEM, U_EXCLUDED };

/* The state and exclude/. A bad line in users.enabled or users.disabled
 * (unicage's own files) is UC_BADREQUEST; an exclude/ file with a bad line
 * only lands in cu->broken (see load_excluded). */
int policy_load(const struct uc_config *cfg, struct cage_users *cu, struct uc_error *err);
/* One user name per line (# comments, blank lines), as users.enabled,
 * users.disabled and each exclude/ file hold them, appended to out unless
 * there already; a line that is not a name is UC_BADREQUEST naming
 * NAME:LINE. */
int policy_parse_names(FILE *f, const char *name, struct strv *out, struct uc_error *err);
int policy_save(const struct uc_config *cfg, const struct cage_users *cu, struct uc_error *err);
void policy_release(struct cage_users *cu);

/* One user's verdict from the files that decide it, without loading the
 * others (the path of every exec, mount and session: a users.enabled of
 * thousands of names is read line by line, never held): min_uid,
 * exclude/ (a file with a bad line excludes nobody), the mode and the
 * exception list of the mode in force (a bad line there is UC_BADREQUEST;
 * the other list is not read). The verdict policy_verdict gives for it. */
int policy_user_verdict(const struct uc_config *cfg, const struct uc_user *u,
			enum user_verdict *v, struct uc_error *err);
enum user_verdict policy_verdict(const struct uc_config *cfg, const struct cage_users *cu,
				 const struct uc_user *u);
const char *policy_verdict_name(enum user_verdict v);
/* Enable or disable one user: a system or excluded user is UC_BADREQUEST. */
int policy_user_set(const struct uc_config *cfg, struct cage_users *cu, const struct uc_user *u,
		    bool enable, struct uc_error *err);
/* Switch the mode, keeping every user's state. */
int policy_toggle(const struct uc_config *cfg, struct cage_users *cu, struct uc_error *err);
/* The lifecycle's edits of the state (mount/lifecycle.h): a name out of
 * both lists, or renamed in them. True when something changed (then save). */
bool policy_forget(struct cage_users *cu, const char *name);
bool policy_rename(struct cage_users *cu, const char *old, const char *nu);
/* A name that can name a cage directory and a state entry: 1-255 bytes, no
 * '/', ':', white space or control character, not starting with '.' or '-'
 * (mount/users_cagefs.c; libc only, for the front). */
bool policy_name_ok(const char *name);
/* UC_PERMISSION unless the user is caged (enabled, not system, not excluded). */
int policy_require_enabled(const struct uc_config *cfg, const struct uc_user *u,
			   struct uc_error *err);
