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
	char *gecos; /* the comment field of passwd(5), often empty */
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
/* Several users by name, into out[0..n-1] (one read of passwd_file): 0,
 * or UC_NOTFOUND naming the first unknown one (out released). */
int users_lookup_many(const struct uc_config *cfg, char *const *names, size_t n,
		      struct uc_user *out, struct uc_error *err);
/* Every user (in file or NSS order). */
int users_all(const struct uc_config *cfg, struct uc_userlist *out, struct uc_error *err);
/* u's groups on the host into gids[0..max-1], the primary group first: from
 * group_file when unicage.conf names one, else NSS. Returns how many (at
 * least 1; a list longer than max is cut to its primary group). */
int users_groups(const struct uc_config *cfg, const struct uc_user *u, gid_t *gids, int max);
void user_release(struct uc_user *u);
void userlist_release(struct uc_userlist *l);
