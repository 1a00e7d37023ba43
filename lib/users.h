/* Users of the host: from NSS, or from passwd_file/group_file when
 * unicage.conf names them (tests never add users to the machine). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "lib/config.h"
#include "lib/error.h"

struct uc_user {
	char *name;
	uid_t uid;
	gid_t gid;
	char *home;
	char *shell;
};

struct uc_userlist {
	struct uc_user *v;
	size_t n;
};

/* One user by name: 0, or UC_NOTFOUND. */
int users_lookup(const struct uc_config *cfg, const char *name, struct uc_user *u,
		 struct uc_error *err);
/* Every user (in file or NSS order). */
int users_all(const struct uc_config *cfg, struct uc_userlist *out, struct uc_error *err);
void user_release(struct uc_user *u);
void userlist_release(struct uc_userlist *l);
