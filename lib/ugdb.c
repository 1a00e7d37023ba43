#include "lib/ugdb.h"

#include "lib/cleanup.h"
#include "lib/array.h"
#include "lib/path.h"
#include "lib/pwfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One entry: its name and the id of field 3 (uid or gid). NIS compat lines
 * (+name, -name) and lines whose id is not a number are not entries. */
static int take_entry(const struct pwfile *p, struct ug_ent *e)
{
	const char *name = p->field[0];
	unsigned id;
	if (name[0] == '+' || name[0] == '-' || pwfile_id(p->field[2], &id) < 0)
		return -EINVAL;
	e->name = strdup(name);
	e->id = id;
	return e->name ? 0 : -ENOMEM;
}

static int push_entry(struct ug_ent **tab, size_t *n, size_t *tcap, struct ug_ent e)
{
	if (UC_GROW(tab, tcap, *n + 1) < 0) {
		free(e.name);
		return -ENOMEM;
	}
	(*tab)[(*n)++] = e;
	return 0;
}

int ugdb_parse(struct ug_ent **tab, size_t *n, FILE *f, const char *name, unsigned nfields)
{
	struct pwfile p;
	struct uc_error e = {0};
	size_t tcap = *n;
	int r;
	pwfile_init(&p, f, name, nfields);
	while ((r = pwfile_next(&p, &e)) != 0) {
		struct ug_ent ent;
		if (r == -EINVAL || (r > 0 && (r = take_entry(&p, &ent)) == -EINVAL))
			continue; /* like NSS files: a malformed line is skipped */
		if (r < 0 || (r = push_entry(tab, n, &tcap, ent)) < 0)
			break;
	}
	pwfile_release(&p);
	return r;
}

static int load_one(int rootfd, const char *path, unsigned nfields, struct ug_ent **tab, size_t *n,
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
	int r = ugdb_parse(tab, n, f, path, nfields);
	if (r < 0)
		return uc_fail_errno(err, r, "read %s in sysroot", path);
	return 0;
}

int ugdb_load_tree(struct ugdb *db, int rootfd, struct uc_error *err)
{
	memset(db, 0, sizeof(*db));
	int r = load_one(rootfd, "etc/passwd", PWFILE_PASSWD, &db->users, &db->nusers, err);
	if (r == 0)
		r = load_one(rootfd, "etc/group", PWFILE_GROUP, &db->groups, &db->ngroups, err);
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
