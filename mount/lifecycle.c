#include "mount/lifecycle.h"

#include "lib/cleanup.h"
#include "lib/path.h"
#include "lib/statepath.h"
#include "lib/store.h"
#include "mount/cage.h"
#include "mount/etc.h"
#include "mount/nsfs.h"
#include "mount/policy.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool lifecycle_name_ok(const char *name)
{
	return policy_name_ok(name);
}

static int bad_name(struct uc_error *err, const char *name)
{
	return uc_fail(err, UC_BADREQUEST, "'%s' is not a user name a cage can have", name);
}

/* Whether cages_dir entry `nn` is a two-digit prefix directory. */
static bool is_prefix(const char *nn)
{
	return nn[0] >= '0' && nn[0] <= '9' && nn[1] >= '0' && nn[1] <= '9' && !nn[2];
}

int lifecycle_find(const struct uc_config *cfg, const char *name, struct strv *paths,
		   struct uc_error *err)
{
	DIR *top = opendir(cfg->cages_dir);
	if (!top)
		return errno == ENOENT ? 0 : uc_fail_errno(err, errno, "%s", cfg->cages_dir);
	struct dirent *de;
	int r = 0;
	while (r == 0 && (de = readdir(top))) {
		struct stat st;
		char p[PATH_MAX];
		if (!is_prefix(de->d_name))
			continue;
		if ((r = path_fmt(p, sizeof(p), "%s/%s/%s", cfg->cages_dir, de->d_name, name)) <
		    0) {
			r = path_fail(err, r, cfg->cages_dir);
			break;
		}
		if (fstatat(dirfd(top), p + strlen(cfg->cages_dir) + 1, &st, AT_SYMLINK_NOFOLLOW) ==
			0 &&
		    S_ISDIR(st.st_mode))
			r = strv_push(paths, p) < 0 ? uc_fail(err, UC_INTERNAL, "out of memory")
						    : 0;
	}
	closedir(top);
	return r;
}

/* The uid recorded in dir/owner: 0 and *uid, or -ENOENT (none: a cage
 * from before the record existed) or -EINVAL. */
static int read_owner(const char *dir, uid_t *uid)
{
	char p[PATH_MAX], buf[32] = "";
	if (path_fmt(p, sizeof(p), "%s/owner", dir) < 0)
		return -ENAMETOOLONG;
	_cleanup_close_ int fd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	char *end;
	unsigned long v = n > 0 ? strtoul(buf, &end, 10) : 0;
	if (n <= 0 || end == buf || (*end && *end != '\n') || v > (uid_t)-2)
		return -EINVAL;
	*uid = (uid_t)v;
	return 0;
}

/* The prefix number of cages_dir/NN/name ("NN" parsed), or -1. */
static int prefix_of(const struct uc_config *cfg, const char *path)
{
	size_t len = strlen(cfg->cages_dir);
	if (strncmp(path, cfg->cages_dir, len) || path[len] != '/')
		return -1;
	const char *nn = path + len + 1;
	return nn[0] >= '0' && nn[0] <= '9' && nn[1] >= '0' && nn[1] <= '9' && nn[2] == '/'
		   ? (nn[0] - '0') * 10 + (nn[1] - '0')
		   : -1;
}

/* Whether the cage at path was made for u: its prefix is u's and its owner
 * record (when there is one) is u's uid. */
static bool cage_is_users(const struct uc_config *cfg, const char *path, const struct uc_user *u)
{
	uid_t owner;
	if (prefix_of(cfg, path) != (int)(u->uid % 100))
		return false;
	int r = read_owner(path, &owner);
	return r == -ENOENT || (r == 0 && owner == u->uid);
}

/* Remove a cage directory whole (nothing of it is +i; the store's rules
 * still apply to a stray object link). 0, or the error when it is still
 * there. */
static int remove_tree(const char *path, struct uc_error *err)
{
	int r = store_rm_path(path);
	return r < 0 ? uc_fail_errno(err, r, "%s could not be removed whole", path) : 0;
}

/* The user's slots: killed and released. */
static int kill_slots(const struct uc_config *cfg, const char *name, struct uc_error *err)
{
	unsigned busy = 0;
	char ns[PATH_MAX];
	/* no cage was ever mounted (a userdel on a fresh host): nothing to
	 * stop, and run_dir is not made for it */
	int r = statepath_ns_dir(cfg, ns, sizeof(ns));
	if (r < 0)
		return path_fail(err, r, cfg->run_dir);
	if (access(ns, F_OK) < 0 && errno == ENOENT)
		return 0;
	r = cage_umount(cfg, name, true, &busy, err);
	if (r == 0 && busy)
		r = uc_fail(err, UC_INTERNAL, "%s: %u slot(s) still running after SIGKILL", name,
			    busy);
	return r;
}

static int users_state_edit(const struct uc_config *cfg, const char *old, const char *nu,
			    struct uc_error *err)
{
	struct cage_users cu;
	int r = policy_load(cfg, &cu, err);
	if (r < 0)
		return r;
	bool changed = nu ? policy_rename(&cu, old, nu) : policy_forget(&cu, old);
	if (changed)
		r = policy_save(cfg, &cu, err);
	policy_release(&cu);
	return r;
}

/* config_dir/custom.etc/ of the old and the new name, into oc and nc. */
static int custom_etc_paths(const struct uc_config *cfg, const char *old, const char *nu,
			    char oc[PATH_MAX], char nc[PATH_MAX], struct uc_error *err)
{
	int r = statepath_custom_etc(cfg, old, oc, PATH_MAX);
	if (r < 0 || (r = statepath_custom_etc(cfg, nu, nc, PATH_MAX)) < 0)
		return path_fail(err, r, cfg->config_dir);
	return 0;
}

static bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

/* /etc of u generated again when there is a skeleton (no skeleton: the
 * first mount makes it). */
static int etc_again(const struct uc_config *cfg, const struct skel_conf *conf,
		     const struct uc_user *u, bool *done, struct uc_error *err)
{
	struct uc_error e = {0};
	*done = false;
	int r = etc_generate(cfg, conf, u, NULL, &e);
	if (r < 0 && e.kind == UC_NOTFOUND)
		return 0;
	if (r < 0) {
		*err = e;
		return r;
	}
	*done = true;
	return 0;
}

int lifecycle_created(const struct uc_config *cfg, const struct skel_conf *conf,
		      const struct uc_user *u, bool *etc, struct uc_error *err)
{
	struct strv found = STRV_INIT;
	char dir[PATH_MAX];
	*etc = false;
	if (!lifecycle_name_ok(u->name))
		return bad_name(err, u->name);
	if (etc_cage_dir_path(cfg, u, dir, sizeof(dir)) < 0)
		return uc_fail(err, UC_BADREQUEST, "%s: no cage directory path", u->name);
	int r = lifecycle_find(cfg, u->name, &found, err);
	/* a former account's cage under this name: never the new one's */
	bool stale = false;
	for (size_t i = 0; r == 0 && i < found.n; i++)
		stale |= !cage_is_users(cfg, found.v[i], u);
	if (r == 0 && stale)
		r = kill_slots(cfg, u->name, err);
	for (size_t i = 0; r == 0 && i < found.n; i++)
		if (!cage_is_users(cfg, found.v[i], u))
			r = remove_tree(found.v[i], err);
	strv_clear(&found);
	if (r == 0)
		r = etc_cage_dir_make(cfg, u, dir, sizeof(dir));
	if (r < 0)
		return err->kind ? r : uc_fail_errno(err, r, "cage directory of %s", u->name);
	return etc_again(cfg, conf, u, etc, err);
}

/* The old cage of a rename: the one made for nu's uid. Any other cage of
 * the old name was another uid's: the rename is refused (the new account
 * never gets a stranger's files). */
static int pick_old(const struct uc_config *cfg, const char *old, const struct uc_user *nu,
		    char *src, size_t size, struct uc_error *err)
{
	struct strv found = STRV_INIT;
	struct uc_user probe = *nu;
	int r = lifecycle_find(cfg, old, &found, err);
	*src = '\0';
	probe.name = (char *)old;
	for (size_t i = 0; r == 0 && i < found.n; i++) {
		if (cage_is_users(cfg, found.v[i], &probe))
			snprintf(src, size, "%s", found.v[i]);
		else
			r = uc_fail(err, UC_BADREQUEST,
				    "%s was not made for %s's uid %u: not a rename (user-deleted "
				    "%s removes it)",
				    found.v[i], nu->name, (unsigned)nu->uid, old);
	}
	strv_clear(&found);
	return r;
}

/* What else would stop a rename, checked before anything changes: the new
 * name's own cage or custom.etc. */
static int rename_checks(const struct uc_config *cfg, const char *old, const struct uc_user *nu,
			 const char *dst, struct uc_error *err)
{
	char oc[PATH_MAX], nc[PATH_MAX];
	if (exists(dst))
		return uc_fail(err, UC_BADREQUEST, "%s already has a cage (%s): not replaced",
			       nu->name, dst);
	if (custom_etc_paths(cfg, old, nu->name, oc, nc, err) < 0)
		return -ENAMETOOLONG;
	if (exists(oc) && exists(nc))
		return uc_fail(err, UC_BADREQUEST, "%s already exists: %s not moved over it", nc,
			       oc);
	return 0;
}

/* Move what carries the old name, the cage directory last: a run again
 * after a crash sees the old cage still there and finishes (each step is
 * skipped when done). */
static int rename_move(const struct uc_config *cfg, const char *old, const struct uc_user *nu,
		       const char *src, char *dst, size_t size, struct uc_error *err)
{
	char oc[PATH_MAX], nc[PATH_MAX], parent[PATH_MAX];
	if (custom_etc_paths(cfg, old, nu->name, oc, nc, err) < 0)
		return -ENAMETOOLONG;
	if (exists(oc) && renameat2(AT_FDCWD, oc, AT_FDCWD, nc, RENAME_NOREPLACE) < 0)
		return uc_fail_errno(err, errno, "moving %s to %s", oc, nc);
	int r = users_state_edit(cfg, old, nu->name, err);
	if (r < 0 || !*src)
		return r;
	if ((r = statepath_cage_prefix(cfg, nu->uid, parent, sizeof(parent))) < 0)
		return path_fail(err, r, cfg->cages_dir);
	if (mkdir(parent, 0755) < 0 && errno != EEXIST)
		return uc_fail_errno(err, errno, "%s", parent);
	if (renameat2(AT_FDCWD, src, AT_FDCWD, dst, RENAME_NOREPLACE) < 0)
		return uc_fail_errno(err, errno, "moving %s to %s", src, dst);
	if ((r = etc_cage_dir_make(cfg, nu, dst, size)) < 0)
		return uc_fail_errno(err, r, "cage directory of %s", nu->name);
	return 0;
}

int lifecycle_renamed(const struct uc_config *cfg, const struct skel_conf *conf, const char *old,
		      const struct uc_user *nu, struct uc_error *err)
{
	char src[PATH_MAX], dst[PATH_MAX];
	bool same = strcmp(old, nu->name) == 0, etc;
	if (!lifecycle_name_ok(old))
		return bad_name(err, old);
	if (!lifecycle_name_ok(nu->name))
		return bad_name(err, nu->name);
	if (etc_cage_dir_path(cfg, nu, dst, sizeof(dst)) < 0)
		return uc_fail(err, UC_BADREQUEST, "%s: no cage directory path", nu->name);
	struct uc_user ou;
	if (!same && users_lookup(cfg, old, &ou, NULL) == 0) {
		user_release(&ou);
		return uc_fail(err, UC_BADREQUEST,
			       "%s is still an account: rename the account first, then "
			       "user-renamed %s %s",
			       old, old, nu->name);
	}
	int r = same ? 0 : pick_old(cfg, old, nu, src, sizeof(src), err);
	/* done already (the cage moved, the last step): only /etc again */
	bool done = same || (r == 0 && !*src && exists(dst));
	if (r == 0 && !done)
		r = rename_checks(cfg, old, nu, dst, err);
	/* the old slots have the old name, home and /etc: killed */
	if (r == 0)
		r = kill_slots(cfg, old, err);
	if (r == 0 && !done)
		r = rename_move(cfg, old, nu, src, dst, sizeof(dst), err);
	if (r == 0 && exists(dst))
		r = etc_again(cfg, conf, nu, &etc, err);
	return r;
}

int lifecycle_deleted(const struct uc_config *cfg, const char *name, bool *found,
		      struct uc_error *err)
{
	struct strv dirs = STRV_INIT;
	char custom[PATH_MAX];
	struct slotlist l = {0};
	*found = false;
	if (!lifecycle_name_ok(name))
		return bad_name(err, name);
	int r = slots_list(cfg, name, &l, err);
	*found = r == 0 && l.n > 0;
	slotlist_release(&l);
	if (r == 0)
		r = kill_slots(cfg, name, err);
	if (r == 0)
		r = lifecycle_find(cfg, name, &dirs, err);
	for (size_t i = 0; r == 0 && i < dirs.n; i++)
		r = remove_tree(dirs.v[i], err);
	*found |= dirs.n > 0;
	strv_clear(&dirs);
	if (r == 0 && (r = statepath_custom_etc(cfg, name, custom, sizeof(custom))) < 0)
		return path_fail(err, r, cfg->config_dir);
	if (r == 0 && exists(custom)) {
		*found = true;
		r = remove_tree(custom, err);
	}
	if (r == 0)
		r = users_state_edit(cfg, name, NULL, err);
	return r;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct uc_user *)a)->name, ((const struct uc_user *)b)->name);
}

static const struct uc_user *account(const struct uc_userlist *all, const char *name)
{
	struct uc_user key = {.name = (char *)name};
	return bsearch(&key, all->v, all->n, sizeof(*all->v), by_name);
}

/* Orphans in one prefix directory. */
static int orphans_in(const struct uc_config *cfg, const struct uc_userlist *all, const char *nn,
		      struct strv *out)
{
	char dir[PATH_MAX];
	if (path_fmt(dir, sizeof(dir), "%s/%s", cfg->cages_dir, nn) < 0)
		return -ENAMETOOLONG;
	DIR *d = opendir(dir);
	struct dirent *de;
	int r = 0;
	while (r == 0 && d && (de = readdir(d))) {
		char p[PATH_MAX], rel[NAME_MAX + 8];
		struct stat st;
		/* . .. and the imports' .import-USER.PID; d_type is not trusted
		 * (DT_UNKNOWN on some filesystems) */
		if (de->d_name[0] == '.' ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode) || path_join(p, sizeof(p), dir, de->d_name) < 0)
			continue;
		const struct uc_user *u = account(all, de->d_name);
		snprintf(rel, sizeof(rel), "%s/%s", nn, de->d_name);
		if (!u || !cage_is_users(cfg, p, u))
			r = strv_push(out, rel) < 0 ? -ENOMEM : 0;
	}
	if (d)
		closedir(d);
	return r;
}

int lifecycle_orphans(const struct uc_config *cfg, struct strv *out, struct uc_error *err)
{
	struct uc_userlist all;
	int r = users_all(cfg, &all, err);
	if (r < 0)
		return r;
	qsort(all.v, all.n, sizeof(*all.v), by_name);
	DIR *top = opendir(cfg->cages_dir);
	if (!top && errno != ENOENT)
		r = uc_fail_errno(err, errno, "%s", cfg->cages_dir);
	struct dirent *de;
	while (r == 0 && top && (de = readdir(top)))
		if (is_prefix(de->d_name))
			r = orphans_in(cfg, &all, de->d_name, out);
	if (top)
		closedir(top);
	userlist_release(&all);
	if (r == -ENOMEM)
		return uc_fail(err, UC_INTERNAL, "out of memory");
	return r == -ENAMETOOLONG ? path_fail(err, r, cfg->cages_dir) : r;
}

/* Slots of names that are no account: killed and released. */
static int clean_slots(const struct uc_config *cfg, struct uc_error *err)
{
	struct slotlist l;
	int r = slots_list(cfg, NULL, &l, err);
	for (size_t i = 0; r == 0 && i < l.n; i++) {
		struct uc_user u;
		if (i > 0 && !strcmp(l.v[i].user, l.v[i - 1].user))
			continue;
		if (users_lookup(cfg, l.v[i].user, &u, NULL) == 0) {
			user_release(&u);
			continue;
		}
		r = kill_slots(cfg, l.v[i].user, err);
	}
	slotlist_release(&l);
	return r;
}

int lifecycle_clean(const struct uc_config *cfg, struct strv *removed, struct uc_error *err)
{
	int r = clean_slots(cfg, err);
	if (r == 0)
		r = lifecycle_orphans(cfg, removed, err);
	/* a reused name's live account keeps its slots (they use its own
	 * cage); a gone account's were killed above */
	for (size_t i = 0; r == 0 && i < removed->n; i++) {
		char p[PATH_MAX];
		if ((r = path_fmt(p, sizeof(p), "%s/%s", cfg->cages_dir, removed->v[i])) < 0)
			return path_fail(err, r, cfg->cages_dir);
		r = remove_tree(p, err);
	}
	if (r == 0)
		r = cage_sweep_all(cfg, err); /* pins of slots with no record */
	return r;
}

int lifecycle_remove_all(const struct uc_config *cfg, struct uc_error *err)
{
	struct cage_users cu;
	struct slotlist l = {0};
	char p[PATH_MAX];
	int r = policy_load(cfg, &cu, err);
	if (r == 0) {
		cu.mode = CAGE_DISABLE_ALL;
		strv_clear(&cu.enabled);
		r = policy_save(cfg, &cu, err);
		policy_release(&cu);
	}
	if (r == 0)
		r = slots_list(cfg, NULL, &l, err);
	for (size_t i = 0; r == 0 && i < l.n; i++)
		if (i == 0 || strcmp(l.v[i].user, l.v[i - 1].user))
			r = kill_slots(cfg, l.v[i].user, err);
	slotlist_release(&l);
	if (r < 0)
		return r;
	nsfs_shutdown(cfg);
	int (*const parts[])(const struct uc_config *, char *, size_t) = {statepath_skel,
									  statepath_store};
	for (size_t i = 0; r == 0 && i < UC_ARRAY_SIZE(parts); i++) {
		if ((r = parts[i](cfg, p, sizeof(p))) < 0)
			return path_fail(err, r, cfg->state_dir);
		r = remove_tree(p, err);
	}
	return r == 0 ? remove_tree(cfg->cages_dir, err) : r;
}
