#include "lib/users.h"

#include "lib/cleanup.h"
#include "lib/pwfile.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int copy_pw(const struct passwd *pw, struct uc_user *u)
{
	u->name = strdup(pw->pw_name);
	u->gecos = strdup(pw->pw_gecos ? pw->pw_gecos : "");
	u->home = strdup(pw->pw_dir ? pw->pw_dir : "/");
	u->shell = strdup(pw->pw_shell ? pw->pw_shell : "/bin/sh");
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	return u->name && u->gecos && u->home && u->shell ? 0 : -ENOMEM;
}

void user_release(struct uc_user *u)
{
	free(u->name);
	free(u->gecos);
	free(u->home);
	free(u->shell);
	memset(u, 0, sizeof(*u));
}

void userlist_release(struct uc_userlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		user_release(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int push(struct uc_userlist *l, const struct passwd *pw)
{
	struct uc_user *v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	l->v = v;
	memset(&v[l->n], 0, sizeof(v[l->n]));
	return copy_pw(pw, &v[l->n++]);
}

/* passwd_file, read as NSS's files module reads /etc/passwd: a malformed
 * line (or one whose ids are not numbers) is skipped, never the end of every
 * lookup. */
static int from_file(const char *path, struct uc_userlist *out, struct uc_error *err)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f)
		return uc_fail_errno(err, errno, "passwd_file %s", path);
	struct pwfile p;
	struct uc_error bad = {0};
	int r;
	pwfile_init(&p, f, path, PWFILE_PASSWD);
	while ((r = pwfile_next(&p, &bad)) != 0) {
		unsigned uid, gid;
		if (r < 0 && r != -EINVAL)
			break;
		if (r < 0 || pwfile_id(p.field[2], &uid) < 0 || pwfile_id(p.field[3], &gid) < 0)
			continue;
		struct passwd pw = {.pw_name = p.field[0],
				    .pw_uid = uid,
				    .pw_gid = gid,
				    .pw_gecos = p.field[4],
				    .pw_dir = p.field[5],
				    .pw_shell = p.field[6]};
		if ((r = push(out, &pw)) < 0)
			break;
	}
	pwfile_release(&p);
	if (r == -ENOMEM)
		return uc_fail(err, UC_INTERNAL, "out of memory");
	return r < 0 ? uc_fail_errno(err, -r, "passwd_file %s", path) : 0;
}

int users_all(const struct uc_config *cfg, struct uc_userlist *out, struct uc_error *err)
{
	memset(out, 0, sizeof(*out));
	if (cfg->passwd_file)
		return from_file(cfg->passwd_file, out, err);
	struct passwd *pw;
	setpwent();
	while ((pw = getpwent()))
		if (push(out, pw) < 0) {
			endpwent();
			return uc_fail(err, UC_INTERNAL, "out of memory");
		}
	endpwent();
	return 0;
}

int users_groups(const struct uc_config *cfg, const struct uc_user *u, gid_t *gids, int max)
{
	if (max < 1)
		return 0;
	gids[0] = u->gid;
	int n = 1;
	if (cfg->group_file) {
		/* as glibc's initgroups reads /etc/group */
		_cleanup_fclose_ FILE *f = fopen(cfg->group_file, "re");
		if (f)
			pwfile_member_gids(f, cfg->group_file, u->name, u->gid, gids, &n, max);
		return n;
	}
	n = max;
	return getgrouplist(u->name, u->gid, gids, &n) < 0 ? 1 : n;
}

int users_lookup(const struct uc_config *cfg, const char *name, struct uc_user *u,
		 struct uc_error *err)
{
	memset(u, 0, sizeof(*u));
	if (!cfg->passwd_file) {
		struct passwd *pw = getpwnam(name);
		if (!pw)
			return uc_fail(err, UC_NOTFOUND, "unknown user '%s'", name);
		return copy_pw(pw, u) < 0 ? uc_fail(err, UC_INTERNAL, "out of memory") : 0;
	}
	struct uc_userlist all;
	int r = users_all(cfg, &all, err);
	for (size_t i = 0; r == 0 && i < all.n; i++)
		if (strcmp(all.v[i].name, name) == 0) {
			*u = all.v[i];
			memset(&all.v[i], 0, sizeof(all.v[i]));
			userlist_release(&all);
			return 0;
		}
	userlist_release(&all);
	return r < 0 ? r
		     : uc_fail(err, UC_NOTFOUND, "unknown user '%s' (%s)", name, cfg->passwd_file);
}

int users_lookup_many(const struct uc_config *cfg, char *const *names, size_t n,
		      struct uc_user *out, struct uc_error *err)
{
	memset(out, 0, n * sizeof(*out));
	if (!cfg->passwd_file || n < 2) {
		for (size_t i = 0; i < n; i++) {
			int r = users_lookup(cfg, names[i], &out[i], err);
			if (r < 0) {
				for (size_t k = 0; k < i; k++)
					user_release(&out[k]);
				return r;
			}
		}
		return 0;
	}
	struct uc_userlist all;
	int r = users_all(cfg, &all, err);
	for (size_t i = 0; r == 0 && i < n; i++) {
		size_t k = 0;
		while (k < all.n && (!all.v[k].name || strcmp(all.v[k].name, names[i])))
			k++;
		if (k == all.n) {
			bool dup = false; /* a name given twice: the same user again */
			for (size_t j = 0; j < i && !dup; j++)
				if (out[j].name && !strcmp(out[j].name, names[i])) {
					struct passwd pw = {.pw_name = out[j].name,
							    .pw_gecos = out[j].gecos,
							    .pw_dir = out[j].home,
							    .pw_shell = out[j].shell,
							    .pw_uid = out[j].uid,
							    .pw_gid = out[j].gid};
					dup = true;
					if (copy_pw(&pw, &out[i]) < 0)
						r = uc_fail(err, UC_INTERNAL, "out of memory");
				}
			if (!dup)
				r = uc_fail(err, UC_NOTFOUND, "unknown user '%s' (%s)", names[i],
					    cfg->passwd_file);
			continue;
		}
		out[i] = all.v[k];
		memset(&all.v[k], 0, sizeof(all.v[k]));
	}
	userlist_release(&all);
	if (r < 0)
		for (size_t i = 0; i < n; i++)
			user_release(&out[i]);
	return r;
}
