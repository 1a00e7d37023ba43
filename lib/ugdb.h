/* User and group names of a host tree, read from its own /etc/passwd and
 * /etc/group (never from this machine's NSS): rpm headers name owners, and a
 * sysroot's names may map to other ids than the running host's. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <stdio.h>

#include "lib/error.h"

struct ug_ent {
	char *name;
	unsigned id;
};

struct ugdb {
	struct ug_ent *users, *groups;
	size_t nusers, ngroups;
};

/* Load rootfd's etc/passwd and etc/group (resolved inside the tree). A
 * missing file is an empty table; "root" is always 0 (rpm does the same). */
int ugdb_load_tree(struct ugdb *db, int rootfd, struct uc_error *err);
/* Parse one passwd- or group-format stream (nfields PWFILE_PASSWD or
 * PWFILE_GROUP) into a table; malformed lines are skipped. */
int ugdb_parse(struct ug_ent **tab, size_t *n, FILE *f, const char *name, unsigned nfields);
void ugdb_release(struct ugdb *db);

const char *ugdb_user_name(const struct ugdb *db, uid_t uid);
const char *ugdb_group_name(const struct ugdb *db, gid_t gid);
bool ugdb_user_id(const struct ugdb *db, const char *name, uid_t *uid);
bool ugdb_group_id(const struct ugdb *db, const char *name, gid_t *gid);
