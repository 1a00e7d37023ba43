/* unicage tmpwatch (proxy/tmpwatch.h). */
#include "proxy/tmpwatch.h"

#include "lib/cleanup.h"
#include "lib/log.h"
#include "lib/path.h"
#include "lib/sys.h"
#include "lib/users.h"
#include "mount/cagemp.h"
#include "proxy/asuser.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_DEPTH 128
#define MAX_GROUPS 256

struct walk {
	const char *user;
	time_t cutoff;
	dev_t dev; /* of the directory the walk started in */
	tmpwatch_report_fn report;
	void *ctx;
	struct tmpwatch_stats *st;
};

static bool old(const struct walk *w, const struct stat *st)
{
	return st->st_atime < w->cutoff && st->st_mtime < w->cutoff;
}

static void removed(struct walk *w, const char *path, const struct stat *st)
{
	if (S_ISDIR(st->st_mode))
		w->st->dirs++;
	else
		w->st->files++;
	w->st->bytes += S_ISREG(st->st_mode) ? (uint64_t)st->st_size : 0;
	if (w->report)
		w->report(w->ctx, w->user, path);
}

static void clean_dir(struct walk *w, int dfd, const char *path, unsigned depth);

/* A subdirectory: opened from its parent without following a link, the
 * one that was listed, on the same filesystem; cleaned, then removed if it
 * was old and is empty now. */
static void clean_subdir(struct walk *w, int dfd, const char *name, const struct stat *st,
			 const char *path, unsigned depth)
{
	if (st->st_dev != w->dev || depth >= MAX_DEPTH)
		return;
	_cleanup_close_ int sub =
	    openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC);
	if (sub < 0 && errno == EPERM) /* O_NOATIME on a file not ours */
		sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat now;
	if (sub < 0 || fstat(sub, &now) < 0 || now.st_dev != st->st_dev || now.st_ino != st->st_ino)
		return; /* swapped since it was listed: left for the next run */
	uc_test_pause("UNICAGE_TEST_TMPWATCH_PAUSE");
	clean_dir(w, sub, path, depth + 1);
	if (old(w, st) && unlinkat(dfd, name, AT_REMOVEDIR) == 0)
		removed(w, path, st);
}

static void clean_entry(struct walk *w, int dfd, const char *name, const char *dirpath,
			unsigned depth)
{
	struct stat st;
	char path[PATH_MAX];
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    snprintf(path, sizeof(path), "%s/%s", dirpath, name) >= (int)sizeof(path))
		return;
	if (S_ISDIR(st.st_mode)) {
		clean_subdir(w, dfd, name, &st, path, depth);
		return;
	}
	if (S_ISSOCK(st.st_mode) || !old(w, &st))
		return;
	/* whatever the name is now (a link put there since is removed as a
	 * link; a directory refuses), it is in this directory */
	if (unlinkat(dfd, name, 0) == 0)
		removed(w, path, &st);
}

static void clean_dir(struct walk *w, int dfd, const char *path, unsigned depth)
{
	int fd = dup(dfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			clean_entry(w, dirfd(d), de->d_name, path, depth);
	closedir(d);
}

/* ~/.unicage/<rel> below the home, no link followed (path_open_beneath),
 * the user's own directory (with her fsuid already). */
static int open_user_dir(int homefd, uid_t uid, const char *rel)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), ".unicage/%s", rel);
	int fd = path_open_beneath(homefd, buf, O_RDONLY | O_DIRECTORY, 0);
	struct stat st;
	if (fd >= 0 && (fstat(fd, &st) < 0 || st.st_uid != uid)) {
		close(fd);
		return -EPERM;
	}
	return fd;
}

static void clean_one(struct walk *w, int homefd, uid_t uid, const char *rel, const char *shown)
{
	_cleanup_close_ int fd = open_user_dir(homefd, uid, rel);
	struct stat st;
	if (fd < 0) {
		if (fd != -ENOENT)
			uc_log(UC_LOG_WARN, "tmpwatch: %s: ~/.unicage/%s: %s: skipped", w->user,
			       rel, strerror(-fd));
		return;
	}
	if (fstat(fd, &st) < 0)
		return;
	w->dev = st.st_dev;
	clean_dir(w, fd, shown, 0);
}

/* The @ directories of cage.mp that tmpwatch_dirs names. */
static int check_dirs(const struct uc_config *cfg, struct uc_error *err)
{
	struct cage_mp mp = {0};
	int r = cfg->tmpwatch_dirs.n ? cagemp_load(&mp, cfg->config_dir, err) : 0;
	for (size_t i = 0; r == 0 && i < cfg->tmpwatch_dirs.n; i++) {
		bool ok = false;
		for (size_t k = 0; k < mp.n && !ok; k++)
			ok = mp.v[k].kind == MP_PERUSER &&
			     !strcmp(mp.v[k].path, cfg->tmpwatch_dirs.v[i]);
		if (!ok)
			r = uc_fail(err, UC_BADREQUEST,
				    "tmpwatch_dirs: %s is not a per-user (@) directory of cage.mp",
				    cfg->tmpwatch_dirs.v[i]);
	}
	cagemp_release(&mp);
	return r;
}

static void clean_as(const struct uc_config *cfg, int homefd, const struct uc_user *u,
		     struct walk *w)
{
	w->user = u->name;
	clean_one(w, homefd, u->uid, "tmp", "/tmp");
	for (size_t i = 0; i < cfg->tmpwatch_dirs.n; i++)
		clean_one(w, homefd, u->uid, cfg->tmpwatch_dirs.v[i] + 1, cfg->tmpwatch_dirs.v[i]);
}

/* Her cleaning in a child with her full credentials (proxy/asuser.h:
 * setfsuid alone kept root's groups, and a file of a group root is in
 * could go). The child's counts come back through a pipe; what it
 * reports it prints itself (the parent's buffer is flushed first). */
static void clean_user(const struct uc_config *cfg, int sysroot, const struct uc_user *u,
		       struct walk *w)
{
	_cleanup_close_ int home =
	    path_open_in_root(sysroot, u->home, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
	struct stat st;
	if (home < 0 || fstatat(home, ".unicage", &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	gid_t groups[MAX_GROUPS];
	int ng = users_groups(cfg, u, groups, MAX_GROUPS);
	struct proxy_ids ids = {u->uid, u->gid, groups, ng < 0 ? 0 : ng};
	int p[2];
	if (ng < 0 || pipe2(p, O_CLOEXEC) < 0)
		return;
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		struct tmpwatch_stats mine = {0};
		w->st = &mine;
		if (proxy_become(&ids) == 0) {
			mine.users = 1;
			clean_as(cfg, home, u, w);
		}
		fflush(NULL);
		_exit(write(p[1], &mine, sizeof(mine)) == (ssize_t)sizeof(mine) ? 0 : 1);
	}
	close(p[1]);
	struct tmpwatch_stats got;
	if (pid > 0 && read(p[0], &got, sizeof(got)) == (ssize_t)sizeof(got)) {
		w->st->users += got.users;
		w->st->files += got.files;
		w->st->dirs += got.dirs;
		w->st->bytes += got.bytes;
	}
	close(p[0]);
	int ws;
	while (pid > 0 && waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
}

int tmpwatch_run(const struct uc_config *cfg, unsigned hours, tmpwatch_report_fn report, void *ctx,
		 struct tmpwatch_stats *st, struct uc_error *err)
{
	*st = (struct tmpwatch_stats){0};
	int r = check_dirs(cfg, err);
	if (r < 0)
		return r;
	struct uc_userlist users = {0};
	if ((r = users_all(cfg, &users, err)) < 0)
		return r;
	_cleanup_close_ int sysroot = open(cfg->sysroot, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (sysroot < 0) {
		userlist_release(&users);
		return uc_fail_errno(err, errno, "sysroot %s", cfg->sysroot);
	}
	struct walk w = {
	    .cutoff = time(NULL) - (time_t)hours * 3600, .report = report, .ctx = ctx, .st = st};
	for (size_t i = 0; i < users.n; i++)
		if (users.v[i].uid >= cfg->min_uid && users.v[i].home && users.v[i].home[0] == '/')
			clean_user(cfg, sysroot, &users.v[i], &w);
	userlist_release(&users);
	return 0;
}
