#include "lib/ugdb.h"

#include "lib/cleanup.h"
#include "lib/path.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fields: name:password:id:... — only name and the third field matter here. */
static int parse_entry(char *line, struct ug_ent *e)
{
	char *save = NULL;
	char *name = strtok_r(line, ":\n", &save);
	char *pw = name ? strtok_r(NULL, ":\n", &save) : NULL;
	char *id = pw ? strtok_r(NULL, ":\n", &save) : NULL;
	char *end;
	if (!name || !id || name[0] == '+' || name[0] == '-' || name[0] == '#')
		return -EINVAL;
	errno = 0;
	unsigned long v = strtoul(id, &end, 10);
	if (errno || *end || end == id || v > UINT_MAX)
		return -EINVAL;
	e->name = strdup(name);
	e->id = (unsigned)v;
	return e->name ? 0 : -ENOMEM;
}

int ugdb_parse(struct ug_ent **tab, size_t *n, FILE *f)
{
	_cleanup_free_ char *line = NULL;
	size_t cap = 0, tcap = *n;
	while (getline(&line, &cap, f) >= 0) {
		struct ug_ent e;
		int r = parse_entry(line, &e);
		if (r == -EINVAL)
			continue; /* like NSS files: a malformed line is skipped */
		if (r < 0)
			return r;
		if (*n == tcap) {
			tcap = tcap ? tcap * 2 : 64;
			struct ug_ent *t = realloc(*tab, tcap * sizeof(*t));
			if (!t) {
				free(e.name);
				return -ENOMEM;
			}
			*tab = t;
		}
		(*tab)[(*n)++] = e;
	}
	return 0;
}

static int load_one(int rootfd, const char *path, struct ug_ent **tab, size_t *n,
		    struct uc_error *err)
{
	int fd = path_open_in_root(rootfd, path, O_RDONLY | O_NOFOLLOW, 0);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return uc_fail_errno(err, fd, "open %s in sysroot", path);
	_cleanup_fclose_ FILE *f = fdopen(fd, "re");
	if (!f) {
		close(fd);
		return uc_fail_errno(err, errno, "fdopen %s", path);
	}
	int r = ugdb_parse(tab, n, f);
	if (r < 0)
		return uc_fail_errno(err, r, "read %s in sysroot", path);
	return 0;
}

int ugdb_load_tree(struct ugdb *db, int rootfd, struct uc_error *err)
{
	memset(db, 0, sizeof(*db));
	int r = load_one(rootfd, "etc/passwd", &db->users, &db->nusers, err);
	if (r == 0)
		r = load_one(rootfd, "etc/group", &db->groups, &db->ngroups, err);
	if (r < 0)
		ugdb_release(db);
	return r;
}

static void free_tab(struct ug_ent *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(t[i].name);
	free(t);
}

void ugdb_release(struct ugdb *db)
{
	free_tab(db->users, db->nusers);
	free_tab(db->groups, db->ngroups);
	memset(db, 0, sizeof(*db));
}

static const char *name_of(const struct ug_ent *t, size_t n, unsigned id)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].id == id)
			return t[i].name;
	return id == 0 ? "root" : NULL;
}

static bool id_of(const struct ug_ent *t, size_t n, const char *name, unsigned *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0) {
			*id = t[i].id;
			return true;
		}
	if (strcmp(name, "root") == 0) {
		*id = 0;
		return true;
	}
	return false;
}

const char *ugdb_user_name(const struct ugdb *db, uid_t uid)
{
	return name_of(db->users, db->nusers, uid);
}

const char *ugdb_group_name(const struct ugdb *db, gid_t gid)
{
	return name_of(db->groups, db->ngroups, gid);
}

bool ugdb_user_id(const struct ugdb *db, const char *name, uid_t *uid)
{
	unsigned id;
	if (!id_of(db->users, db->nusers, name, &id))
		return false;
	*uid = id;
	return true;
}

bool ugdb_group_id(const struct ugdb *db, const char *name, gid_t *gid)
{
	unsigned id;
	if (!id_of(db->groups, db->ngroups, name, &id))
		return false;
	*gid = id;
	return true;
}
