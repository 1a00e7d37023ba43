/* unicage unify TREE...: trees grouped by filesystem, one store each, then
 * walk and engine. */
#include "unify/internal.h"

#include "lib/cleanup.h"
#include "lib/log.h"
#include "lib/path.h"
#include "lib/sys.h"
#include "rpmscan/rpmscan.h"

#include <errno.h>
#include <fcntl.h>
#include <libmount.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int collect_config(const struct rs_file *f, void *arg)
{
	struct strset *set = arg;
	if ((f->flags & RS_F_CONFIG) && strset_add(set, f->path) < 0)
		return -ENOMEM;
	return 0;
}

/* --rpmdb: the tree's own %config files, read from its own rpmdb (nothing
 * inside the tree is run). A tree without an rpmdb has none. */
static int load_rpm_config(struct unify_run *u, struct utree *t, struct uc_error *err)
{
	struct rpmscan_opts o = {.sysroot = t->path, .all = true};
	struct uc_error e;
	int r = rpmscan_run(&o, collect_config, &t->rpm_config, &e);
	if (r < 0 && e.kind == UC_NOTFOUND) {
		uc_log(UC_LOG_INFO, "%s: no rpmdb, no %%config files to exclude", t->path);
		return 0;
	}
	if (r < 0)
		return uc_fail(err, e.kind ? e.kind : UC_INTERNAL, "--rpmdb: %s",
			       e.kind ? e.msg : t->path);
	uc_log(UC_LOG_INFO, "%s: %zu %%config files excluded (rpmdb)", t->path, t->rpm_config.n);
	return 0;
}

static int open_trees(struct unify_run *u, struct uc_error *err)
{
	const struct strv *trees = u->o->trees;
	u->trees = calloc(trees->n, sizeof(*u->trees));
	if (!u->trees)
		return uc_fail(err, UC_INTERNAL, "out of memory");
	for (size_t i = 0; i < trees->n; i++) {
		struct utree *t = &u->trees[i];
		struct stat st;
		t->fd = -1;
		u->ntrees++;
		if (!(t->path = strdup(trees->v[i])))
			return uc_fail(err, UC_INTERNAL, "out of memory");
		/* The tree root itself may be reached through a link the admin
		 * typed; nothing below it is followed. */
		t->fd = open(t->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (t->fd < 0 || fstat(t->fd, &st) < 0)
			return uc_fail_errno(err, errno, "tree %s", t->path);
		t->dev = st.st_dev;
		if (u->o->use_rpmdb) {
			int r = load_rpm_config(u, t, err);
			if (r < 0)
				return r;
		}
		atomic_fetch_add(&u->st->trees, 1);
	}
	return 0;
}

static void close_trees(struct unify_run *u)
{
	for (size_t i = 0; i < u->ntrees; i++) {
		if (u->trees[i].fd >= 0)
			close(u->trees[i].fd);
		free(u->trees[i].path);
		strset_release(&u->trees[i].rpm_config);
	}
	free(u->trees);
}

/* The filesystem path is (or would be, once created) on: that of its
 * nearest existing ancestor. */
static bool would_be_on(const char *path, dev_t dev)
{
	char p[PATH_MAX];
	struct stat st;
	snprintf(p, sizeof(p), "%s", path);
	for (;;) {
		if (stat(p, &st) == 0)
			return st.st_dev == dev;
		char *slash = strrchr(p, '/');
		if (!slash || slash == p)
			return stat("/", &st) == 0 && st.st_dev == dev;
		*slash = '\0';
	}
}

static int mkdir_parents(const char *path)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s", path);
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	return 0;
}

/* Where the store of filesystem dev is: --store; else the configured store
 * when it is on that filesystem; else .unicage-store at its root. */
static int store_path_for(struct unify_run *u, const struct utree *t, char *buf, size_t size,
			  struct uc_error *err)
{
	if (u->o->store) {
		snprintf(buf, size, "%s", u->o->store);
		return 0;
	}
	const char *cs = u->o->config_store;
	if (cs && would_be_on(cs, t->dev)) {
		snprintf(buf, size, "%s", cs);
		return 0;
	}
	char *mnt = mnt_get_mountpoint(t->path);
	if (!mnt)
		return uc_fail(err, UC_INTERNAL, "cannot find the mount point of %s", t->path);
	int r = path_join(buf, size, mnt, ".unicage-store");
	free(mnt);
	return r < 0 ? uc_fail_errno(err, r, "store path") : 0;
}

/* Unify the trees on the filesystem of tree `first` (and mark them done). */
static int unify_fs(struct unify_run *u, size_t first, bool *done, struct uc_error *err)
{
	char spath[PATH_MAX];
	int r = store_path_for(u, &u->trees[first], spath, sizeof(spath), err);
	if (r < 0)
		return r;
	struct store store;
	unsigned flags = u->o->dry_run ? STORE_READONLY : STORE_CREATE;
	if (u->o->wait_lock)
		flags |= STORE_WAIT;
	if (!u->o->dry_run && (r = mkdir_parents(spath)) < 0)
		return uc_fail_errno(err, r, "store %s", spath);
	r = store_open(&store, spath, flags, err);
	if (r < 0 && u->o->dry_run && err->kind == UC_NOTFOUND) {
		/* a dry run before the first real one: nothing is unified yet */
		store_init_empty(&store, u->trees[first].dev);
		uc_error_clear(err);
		r = 0;
	}
	if (r < 0)
		return r;
	if (store.dev != u->trees[first].dev) {
		store_close(&store);
		return uc_fail(err, UC_BADREQUEST,
			       "store %s is not on the filesystem of %s: hardlinks cannot cross",
			       spath, u->trees[first].path);
	}
	u->store = &store;
	uc_log(UC_LOG_INFO, "store %s", spath);
	for (size_t i = first; r == 0 && i < u->ntrees; i++) {
		if (done[i] || u->trees[i].dev != u->trees[first].dev)
			continue;
		done[i] = true;
		r = unify_walk_tree(u, (uint32_t)i, err);
	}
	if (r == 0)
		r = unify_names(u, err);
	for (size_t i = 0; i < u->nnames; i++)
		free(u->names[i].rel);
	u->nnames = 0;
	u->store = NULL;
	store_close(&store);
	return r;
}

int unify_run(const struct unify_opts *o, struct unify_stats *stats, struct uc_error *err)
{
	struct unify_run u = {.o = o, .st = stats};
	uc_raise_fd_limit();
	int r = open_trees(&u, err);
	bool *done = calloc(u.ntrees ? u.ntrees : 1, sizeof(*done));
	if (r == 0 && !done)
		r = uc_fail(err, UC_INTERNAL, "out of memory");
	for (size_t i = 0; r == 0 && i < u.ntrees; i++) {
		if (done[i])
			continue;
		/* --store: trees elsewhere are reported, never linked across */
		if (o->store && !would_be_on(o->store, u.trees[i].dev)) {
			uc_log(UC_LOG_WARN, "%s: not on the filesystem of store %s: skipped",
			       u.trees[i].path, o->store);
			atomic_fetch_add(&stats->errors, 1);
			done[i] = true;
			continue;
		}
		r = unify_fs(&u, i, done, err);
	}
	free(done);
	free(u.names);
	close_trees(&u);
	return r;
}

/* --split: a private, writable copy with the same content, owner, mode,
 * xattrs (ACLs, capabilities) and times, renamed over the unified name. The
 * object is never written: only its name here is replaced. Renaming over a
 * +i inode needs the flag off for that moment, under the store's lock. */
static int make_copy(int pfd, const char *tmp, int src, const struct stat *st)
{
	struct xattr_set xa;
	int r = xattrs_read(src, &xa);
	if (r < 0)
		return r;
	int out = openat(pfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0) {
		xattrs_release(&xa);
		return -errno;
	}
	struct timespec times[2] = {st->st_atim, st->st_mtim};
	r = store_copy_data(src, out, (uint64_t)st->st_size);
	/* chown first: it clears setuid bits and capabilities, set after it */
	if (r == 0 && fchown(out, st->st_uid, st->st_gid) < 0)
		r = -errno;
	if (r == 0 && fchmod(out, st->st_mode & 07777) < 0)
		r = -errno;
	if (r == 0)
		r = xattrs_apply(out, &xa);
	if (r == 0 && futimens(out, times) < 0)
		r = -errno;
	if (r == 0 && fsync(out) < 0)
		r = -errno;
	close(out);
	xattrs_release(&xa);
	if (r < 0)
		unlinkat(pfd, tmp, 0);
	return r;
}

int unify_split(const struct unify_opts *o, const char *path, struct uc_error *err)
{
	char dir[PATH_MAX], tmp[64];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	const char *base = slash ? slash + 1 : dir;
	_cleanup_close_ int pfd = open(slash ? (slash == dir ? "/" : (*slash = '\0', dir)) : ".",
				       O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (!slash)
		base = path;
	if (pfd < 0)
		return uc_fail_errno(err, errno, "%s", path);
	_cleanup_close_ int fd = openat(pfd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return uc_fail_errno(err, errno, "%s", path);
	if (!S_ISREG(st.st_mode))
		return uc_fail(err, UC_BADREQUEST, "%s is not a regular file", path);
	bool immutable = false;
	fs_get_immutable(fd, &immutable);
	if (st.st_nlink == 1 && !immutable)
		return 0; /* private already */
	snprintf(tmp, sizeof(tmp), UNIFY_TMP_PREFIX "%ld.split", (long)getpid());
	int r = make_copy(pfd, tmp, fd, &st);
	if (r < 0)
		return uc_fail_errno(err, r, "private copy of %s", path);
	/* the lock of the store the object belongs to, then the rename */
	struct store store;
	store_init_empty(&store, st.st_dev);
	if (immutable) {
		char spath[PATH_MAX];
		struct unify_run u = {.o = o};
		struct utree t = {.path = (char *)path, .dev = st.st_dev};
		struct uc_error e;
		if (store_path_for(&u, &t, spath, sizeof(spath), &e) == 0) {
			store_close(&store);
			if (store_open(&store, spath, STORE_WAIT, &e) < 0)
				store_init_empty(
				    &store, st.st_dev); /* not there: the flag is what counts */
		}
	}
	if (immutable)
		fs_set_immutable(fd, false);
	r = renameat(pfd, tmp, pfd, base) < 0 ? -errno : 0;
	if (immutable)
		fs_set_immutable(fd, true);
	store_close(&store);
	if (r < 0) {
		unlinkat(pfd, tmp, 0);
		return uc_fail_errno(err, r, "rename over %s", path);
	}
	return 0;
}
