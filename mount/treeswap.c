#include "mount/treeswap.h"

#include "lib/cleanup.h"
#include "lib/lock.h"
#include "lib/log.h"
#include "lib/path.h"
#include "lib/statepath.h"
#include "lib/store.h"
#include "lib/strv.h"
#include "lib/users.h"
#include "mount/cage.h"
#include "mount/etc.h"
#include "mount/policy.h"
#include "skel/conf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define INTENT_MAGIC "unicage-import-intent 1"

/* Tests: UNICAGE_TEST_IMPORT_CRASH=K kills the import (SIGKILL, as a
 * crash) at the K-th point of its commit: 1 after the record is durable,
 * 2.. after each swap, then after the /etc and enabled state, then after
 * the old trees are removed. */
static int crash_n; /* counted from the start of import_commit */

static void crash_point(void)
{
#ifdef UNICAGE_TEST_HOOKS /* the test build only */
	const char *k = getenv("UNICAGE_TEST_IMPORT_CRASH");
	if (k && atoi(k) == ++crash_n)
		kill(getpid(), SIGKILL);
#endif
}

void import_tmp_name(char *buf, size_t size, const char *user, int pid)
{
	snprintf(buf, size, ".import-%s.%d", user, pid);
}

bool is_import_tmp(const char *name, const char *user)
{
	size_t ul = strlen(user);
	if (strncmp(name, ".import-", 8) || strncmp(name + 8, user, ul) || name[8 + ul] != '.')
		return false;
	/* the pid, nothing else: ".import-alice.x.1" is alice.x's, not alice's */
	const char *p = name + 9 + ul;
	return *p && strspn(p, "0123456789") == strlen(p);
}

/* ---- the intent record ------------------------------------------------------ */

/* state_dir/imports, made by the commit that needs it (create); readers
 * get -ENOENT (err untouched) when no import ever got that far, so that a
 * refused import leaves nothing behind */
static int imports_dir(const struct uc_config *cfg, bool create, struct uc_error *err)
{
	char p[PATH_MAX];
	int r = statepath_imports(cfg, p, sizeof(p));
	if (r < 0)
		return path_fail(err, r, cfg->state_dir);
	if (create && mkdir(p, 0700) < 0 && errno != EEXIST)
		return uc_fail_errno(err, errno, "%s", p);
	int fd = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && !create && errno == ENOENT)
		return -ENOENT;
	return fd < 0 ? uc_fail_errno(err, errno, "%s", p) : fd;
}

/* USER.intent: -ENAMETOOLONG when it, or its USER.intent.tmp, would not be
 * one file name (never cut to the record of another user). */
static int intent_name(char *buf, size_t size, const char *user)
{
	int r = path_fmt(buf, size, "%s.intent", user);
	if (r == 0 && strlen(buf) + 4 > NAME_MAX)
		r = -ENAMETOOLONG;
	return r;
}

/* Fields separated by NUL bytes: paths are kept whatever they hold. */
static int put_field(FILE *f, const char *s)
{
	return fwrite(s, 1, strlen(s) + 1, f) == strlen(s) + 1 ? 0 : -1;
}

static int intent_write(int dir, const struct import_commit *c, struct uc_error *err)
{
	char name[256], tmp[300];
	if (intent_name(name, sizeof(name), c->user) < 0)
		return uc_fail_errno(err, ENAMETOOLONG, "the import record of %.200s...", c->user);
	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	int fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f) {
		if (fd >= 0)
			close(fd);
		return uc_fail_errno(err, errno, "imports/%s", tmp);
	}
	char num[64];
	int r = put_field(f, INTENT_MAGIC) | put_field(f, c->user) |
		put_field(f, c->enabled ? "1" : "0");
	snprintf(num, sizeof(num), "%u", c->n);
	r |= put_field(f, num);
	for (unsigned i = 0; i < c->n; i++) {
		const struct import_tree *t = &c->t[i];
		r |= put_field(f, t->final) | put_field(f, t->src) | put_field(f, t->tmp);
		snprintf(num, sizeof(num), "%llu %llu", (unsigned long long)t->dev,
			 (unsigned long long)t->ino);
		r |= put_field(f, num);
	}
	/* durable before the first swap: recovery must find it */
	if (fflush(f) != 0 || fsync(fileno(f)) < 0)
		r = -1;
	int e = errno;
	if (fclose(f) != 0)
		r = -1;
	if (r == 0 && (renameat(dir, tmp, dir, name) < 0 || fsync(dir) < 0))
		r = -1, e = errno;
	if (r < 0) {
		unlinkat(dir, tmp, 0);
		return uc_fail_errno(err, e ? e : EIO, "imports/%s", name);
	}
	return 0;
}

/* The next NUL-terminated field of buf[*pos..len), or NULL. */
static const char *get_field(const char *buf, size_t len, size_t *pos)
{
	if (*pos >= len)
		return NULL;
	const char *s = buf + *pos;
	const char *end = memchr(s, '\0', len - *pos);
	if (!end)
		return NULL;
	*pos += (size_t)(end - s) + 1;
	return s;
}

/* 1 and *c filled, 0 when there is no record, or -errno (a record that
 * does not parse is an error naming it: it is never guessed at). */
static int intent_read(int dir, const char *cfg_state_dir, const char *user,
		       struct import_commit *c, struct uc_error *err)
{
	char name[256], buf[4 * IMPORT_TREES * PATH_MAX];
	if (intent_name(name, sizeof(name), user) < 0)
		return 0; /* none: no record of that name can be written */
	_cleanup_close_ int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : uc_fail_errno(err, errno, "imports/%s", name);
	ssize_t len = read(fd, buf, sizeof(buf));
	if (len < 0)
		return uc_fail_errno(err, errno, "imports/%s", name);
	memset(c, 0, sizeof(*c));
	size_t pos = 0;
	const char *magic = get_field(buf, (size_t)len, &pos),
		   *u = get_field(buf, (size_t)len, &pos), *en = get_field(buf, (size_t)len, &pos),
		   *n = get_field(buf, (size_t)len, &pos);
	bool ok = magic && !strcmp(magic, INTENT_MAGIC) && u && !strcmp(u, user) && en && n &&
		  sscanf(n, "%u", &c->n) == 1 && c->n <= IMPORT_TREES;
	snprintf(c->user, sizeof(c->user), "%s", user);
	c->enabled = ok && !strcmp(en, "1");
	for (unsigned i = 0; ok && i < c->n; i++) {
		struct import_tree *t = &c->t[i];
		const char *fi = get_field(buf, (size_t)len, &pos),
			   *sr = get_field(buf, (size_t)len, &pos),
			   *tm = get_field(buf, (size_t)len, &pos),
			   *id = get_field(buf, (size_t)len, &pos);
		unsigned long long dev, ino;
		ok = fi && sr && tm && id && *fi == '/' && *sr == '/' && *tm == '/' &&
		     sscanf(id, "%llu %llu", &dev, &ino) == 2;
		if (ok) {
			snprintf(t->final, sizeof(t->final), "%s", fi);
			snprintf(t->src, sizeof(t->src), "%s", sr);
			snprintf(t->tmp, sizeof(t->tmp), "%s", tm);
			t->dev = (dev_t)dev;
			t->ino = (ino_t)ino;
		}
	}
	if (!ok)
		return uc_fail(err, UC_INTERNAL,
			       "%s/imports/%s: not an import record this version can finish "
			       "(left as it is)",
			       cfg_state_dir, name);
	return 1;
}

/* ---- the swaps ---------------------------------------------------------------- */

/* A tree's two places as directory fds and names. The final place's
 * parent and the temporary directory's parent are the host's layout
 * (cages_dir/NN, config_dir/custom.etc, the homes' directory), opened by
 * path. The new tree itself is reached through the temporary directory,
 * opened without following a link and checked to be what this import made
 * (root's, 0700): where the homes' directory is writable by a user, the
 * user could otherwise have put a link there and had some other directory
 * of the host swapped in for the home. */
struct tree_at {
	int final_dir, src_dir;
	int src_err; /* errno when src_dir could not be opened (or is not ours) */
	char final_name[NAME_MAX + 1], src_name[NAME_MAX + 1];
};

static int open_parent_dir(const char *path, char *leaf)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s", path);
	char *sl = strrchr(p, '/');
	if (!sl || !sl[1] || strlen(sl + 1) > NAME_MAX)
		return -EINVAL;
	snprintf(leaf, NAME_MAX + 1, "%s", sl + 1);
	*sl = '\0';
	int fd = open(*p ? p : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static void tree_at_close(struct tree_at *a)
{
	if (a->final_dir >= 0)
		close(a->final_dir);
	if (a->src_dir >= 0)
		close(a->src_dir);
	a->final_dir = a->src_dir = -1;
}

/* 0 when the final place's directory is open; a->src_err says whether the
 * new tree's place is too (after a commit it may be gone: recovery). */
static int tree_at_open(const struct import_tree *t, struct tree_at *a)
{
	a->final_dir = a->src_dir = -1;
	a->src_err = 0;
	int r = a->final_dir = open_parent_dir(t->final, a->final_name);
	if (r < 0)
		return r;
	char tmp_name[NAME_MAX + 1];
	int e = a->src_dir = open_parent_dir(t->tmp, tmp_name);
	if (e >= 0 && strcmp(t->src, t->tmp)) {
		/* src is tmp/NAME: into tmp, which must be this import's own */
		const char *sl = strrchr(t->src, '/');
		int d =
		    openat(a->src_dir, tmp_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		struct stat st;
		e = d < 0					   ? -errno
		    : fstat(d, &st) < 0				   ? -errno
		    : st.st_uid != geteuid() || (st.st_mode & 077) ? -EPERM
								   : 0;
		close(a->src_dir);
		a->src_dir = d;
		if (e == 0)
			snprintf(a->src_name, sizeof(a->src_name), "%s", sl ? sl + 1 : "");
	} else if (e >= 0) {
		snprintf(a->src_name, sizeof(a->src_name), "%s", tmp_name);
		e = 0;
	}
	if (e < 0) {
		if (a->src_dir >= 0)
			close(a->src_dir);
		a->src_dir = -1;
		a->src_err = -e;
	}
	return 0;
}

static bool is_new_tree(const struct import_tree *t, int dir, const char *name)
{
	struct stat st;
	return fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode) &&
	       st.st_dev == t->dev && st.st_ino == t->ino;
}

/* One tree in place; nothing when it already is (recovery). */
static int swap_in(const struct import_tree *t, struct uc_error *err)
{
	struct tree_at a;
	int r = tree_at_open(t, &a);
	if (r < 0)
		return uc_fail_errno(err, -r, "%s", t->final);
	if (is_new_tree(t, a.final_dir, a.final_name)) {
		tree_at_close(&a);
		return 0;
	}
	if (a.src_err) {
		tree_at_close(&a);
		return uc_fail_errno(err, a.src_err, "%s", t->tmp);
	}
	struct stat st;
	bool have_final =
	    fstatat(a.final_dir, a.final_name, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT;
	if (!is_new_tree(t, a.src_dir, a.src_name))
		r = uc_fail(err, UC_INTERNAL, "%s: the new tree is neither there nor in place",
			    t->final);
	else if (renameat2(a.src_dir, a.src_name, a.final_dir, a.final_name,
			   have_final ? RENAME_EXCHANGE : RENAME_NOREPLACE) < 0 ||
		 fsync(a.final_dir) < 0 || fsync(a.src_dir) < 0)
		r = uc_fail_errno(err, errno, "%s", t->final);
	tree_at_close(&a);
	return r;
}

/* Remove a temporary directory (holding an old tree now) only if it is
 * still this import's own: beside a home, its user may have put another
 * directory in its place. */
static void rm_own_tmp(const char *path)
{
	char leaf[NAME_MAX + 1];
	int d = open_parent_dir(path, leaf);
	struct stat st;
	if (d >= 0 && fstatat(d, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode) &&
	    st.st_uid == geteuid() && !(st.st_mode & 077))
		store_rm_tree(d, leaf);
	if (d >= 0)
		close(d);
}

/* After the swaps: a fresh private /etc for the user, the archive's enabled
 * state; then the old trees and the record go. Each step can run again. */
static void finish(const struct uc_config *cfg, int dir, const struct import_commit *c)
{
	struct uc_user u;
	struct uc_error e = {0};
	if (users_lookup(cfg, c->user, &u, &e) == 0) {
		struct skel_conf conf = {0};
		if (etc_conf_load(cfg->config_dir, &conf, &e) == 0) {
			etc_generate(cfg, &conf, &u, NULL, &e);
			skel_conf_release(&conf);
		}
		if (c->enabled) {
			struct cage_users cu = {0};
			_cleanup_close_ int sd =
			    open(cfg->state_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
			_cleanup_close_ int lk =
			    sd < 0 ? -1
				   : uc_lock_take(sd, "users.lock", "the users' state",
						  UC_LOCK_WAIT, &e);
			if (lk >= 0 && policy_load(cfg, &cu, &e) == 0 &&
			    policy_user_set(cfg, &cu, &u, true, &e) == 0)
				policy_save(cfg, &cu, &e);
			policy_release(&cu);
		}
		user_release(&u);
	}
	crash_point();
	for (unsigned i = 0; i < c->n; i++)
		rm_own_tmp(c->t[i].tmp);
	crash_point();
	char name[256];
	if (intent_name(name, sizeof(name), c->user) == 0)
		unlinkat(dir, name, 0);
}

/* Undo the swaps of the first n trees (those whose final place holds the
 * new tree): 0, or -1 when one could not be undone. */
static int swap_back(const struct import_commit *c, unsigned n)
{
	int r = 0;
	for (unsigned i = 0; i < n; i++) {
		const struct import_tree *t = &c->t[i];
		struct tree_at a;
		if (tree_at_open(t, &a) < 0 || a.src_err) {
			tree_at_close(&a);
			r = -1;
			continue;
		}
		struct stat os;
		bool had_old = fstatat(a.src_dir, a.src_name, &os, AT_SYMLINK_NOFOLLOW) == 0;
		if (is_new_tree(t, a.final_dir, a.final_name) &&
		    renameat2(a.final_dir, a.final_name, a.src_dir, a.src_name,
			      had_old ? RENAME_EXCHANGE : RENAME_NOREPLACE) < 0)
			r = -1;
		tree_at_close(&a);
	}
	return r;
}

int import_commit(const struct uc_config *cfg, struct import_commit *c, struct uc_error *err)
{
	for (unsigned i = 0; i < c->n; i++) {
		struct tree_at a;
		struct stat st;
		int r = tree_at_open(&c->t[i], &a);
		if (r == 0 && a.src_err)
			r = -a.src_err;
		if (r == 0 && fstatat(a.src_dir, a.src_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			r = -errno;
		else if (r == 0 && !S_ISDIR(st.st_mode))
			r = -ENOTDIR;
		tree_at_close(&a);
		if (r < 0)
			return uc_fail_errno(err, -r, "%s", c->t[i].src);
		c->t[i].dev = st.st_dev;
		c->t[i].ino = st.st_ino;
	}
	_cleanup_close_ int dir = imports_dir(cfg, true, err);
	if (dir < 0)
		return dir;
	c->pending = false;
	crash_n = 0;
	int r = intent_write(dir, c, err);
	if (r < 0)
		return r;
	crash_point();
	unsigned done = 0;
	for (; r == 0 && done < c->n; done++) {
		r = swap_in(&c->t[done], err);
		if (r == 0)
			crash_point();
	}
	if (r < 0) {
		/* a swap failed (not a crash): the others are undone and the
		 * record dropped; if even that fails, it all stays for the next
		 * recovery, which rolls forward */
		if (swap_back(c, done) == 0) {
			char name[256];
			if (intent_name(name, sizeof(name), c->user) == 0)
				unlinkat(dir, name, 0);
		} else {
			c->pending = true;
		}
		return r;
	}
	finish(cfg, dir, c);
	return 0;
}

/* ---- recovery ----------------------------------------------------------------- */

/* Temporary directories of user's imports that never reached a commit, in
 * the places imports make them. */
static void sweep_tmp(const struct uc_config *cfg, const char *user)
{
	char dirs[3][PATH_MAX];
	unsigned nd = 0;
	struct uc_user u;
	struct uc_error e = {0};
	if (users_lookup(cfg, user, &u, &e) == 0) {
		char cdir[PATH_MAX];
		if (etc_cage_dir_path(cfg, &u, cdir, sizeof(cdir)) == 0) {
			char *sl = strrchr(cdir, '/');
			if (sl) {
				*sl = '\0';
				snprintf(dirs[nd++], PATH_MAX, "%s", cdir);
			}
		}
		char home[PATH_MAX];
		char *sl =
		    host_home_path(cfg, &u, home, sizeof(home)) < 0 ? NULL : strrchr(home, '/');
		if (sl && sl != home) {
			*sl = '\0';
			snprintf(dirs[nd++], PATH_MAX, "%s", home);
		}
		user_release(&u);
	}
	if (statepath_custom_etc(cfg, NULL, dirs[nd], PATH_MAX) == 0)
		nd++;
	for (unsigned i = 0; i < nd; i++) {
		_cleanup_close_ int d = open(dirs[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		_cleanup_closedir_ DIR *dp = d < 0 ? NULL : path_opendir_at(d, NULL);
		struct dirent *de;
		struct stat st;
		while (dp && (de = readdir(dp)))
			if (is_import_tmp(de->d_name, user) &&
			    fstatat(d, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISDIR(st.st_mode) && st.st_uid == geteuid() && !(st.st_mode & 077)) {
				/* only import's own (beside a home its user may
				 * have made one of that name) */
				uc_debug(UC_AREA_EXPORT, "import: removing %s/%s (never committed)",
					 dirs[i], de->d_name);
				store_rm_tree(d, de->d_name);
			}
	}
}

int import_recover_locked(const struct uc_config *cfg, const char *user, struct uc_error *err)
{
	_cleanup_close_ int dir = imports_dir(cfg, false, err);
	if (dir < 0 && dir != -ENOENT)
		return dir;
	struct import_commit c;
	int found = dir < 0 ? 0 : intent_read(dir, cfg->state_dir, user, &c, err);
	if (found < 0)
		return found;
	if (found) {
		uc_log(UC_LOG_WARN,
		       "finishing the import of %s that stopped while it was "
		       "putting the cage in place",
		       user);
		for (unsigned i = 0; i < c.n; i++) {
			int r = swap_in(&c.t[i], err);
			if (r < 0) {
				/* stuck (say, the new tree was removed by hand): say
				 * how to give the import up, the record stays */
				return uc_error_suffix(err, r,
						       "to give the import of %s up (each tree "
						       "stays as it is now) remove %s/imports/%s.intent",
						       user, cfg->state_dir, user);
			}
		}
		finish(cfg, dir, &c);
	}
	sweep_tmp(cfg, user);
	/* a record whose writing was cut short: never renamed, never acted on */
	char name[256], tmp[300];
	if (dir >= 0 && intent_name(name, sizeof(name), user) == 0 &&
	    path_fmt(tmp, sizeof(tmp), "%s.tmp", name) == 0)
		unlinkat(dir, tmp, 0);
	return found;
}

int import_recover(const struct uc_config *cfg, const char *user, struct uc_error *err)
{
	_cleanup_close_ int lk = cage_user_lock(cfg, user, err);
	return lk < 0 ? lk : import_recover_locked(cfg, user, err);
}

/* The users named by ".import-USER.PID" directories in cages_dir/NN/
 * (only those whose process is gone when dead_only). */
static void users_with_tmp(const struct uc_config *cfg, bool dead_only, struct strv *out)
{
	DIR *top = opendir(cfg->cages_dir);
	struct dirent *nn;
	while (top && (nn = readdir(top))) {
		if (nn->d_name[0] == '.')
			continue;
		char p[PATH_MAX];
		DIR *d = path_fmt(p, sizeof(p), "%s/%s", cfg->cages_dir, nn->d_name) < 0
			     ? NULL
			     : opendir(p);
		struct dirent *de;
		while (d && (de = readdir(d))) {
			const char *dot = strrchr(de->d_name, '.');
			if (strncmp(de->d_name, ".import-", 8) || !dot || dot <= de->d_name + 8)
				continue;
			char user[256];
			snprintf(user, sizeof(user), "%.*s", (int)(dot - de->d_name - 8),
				 de->d_name + 8);
			if (!is_import_tmp(de->d_name, user))
				continue;
			pid_t pid = (pid_t)atol(dot + 1);
			if (dead_only && (kill(pid, 0) == 0 || errno == EPERM))
				continue; /* an import running now */
			strv_push(out, user);
		}
		if (d)
			closedir(d);
	}
	if (top)
		closedir(top);
}

/* The users with a record in the imports directory dir. */
static void users_with_intent(int dir, struct strv *out)
{
	_cleanup_closedir_ DIR *dp = dir < 0 ? NULL : path_opendir_at(dir, NULL);
	struct dirent *de;
	while (dp && (de = readdir(dp))) {
		size_t l = strlen(de->d_name);
		if (l > 7 && !strcmp(de->d_name + l - 7, ".intent")) {
			char user[256];
			snprintf(user, sizeof(user), "%.*s", (int)(l - 7), de->d_name);
			strv_push(out, user);
		}
	}
}

int import_recover_all(const struct uc_config *cfg, struct uc_error *err)
{
	_cleanup_close_ int dir = imports_dir(cfg, false, err);
	if (dir < 0 && dir != -ENOENT)
		return dir;
	struct strv users = STRV_INIT;
	if (dir >= 0)
		users_with_intent(dir, &users);
	users_with_tmp(cfg, false, &users);
	int done = 0, r = 0;
	for (size_t i = 0; r >= 0 && i < users.n; i++)
		if ((r = import_recover(cfg, users.v[i], err)) > 0)
			done++;
	strv_clear(&users);
	return r < 0 ? r : done;
}

bool import_pending(const struct uc_config *cfg, const char *user)
{
	char p[PATH_MAX], name[256];
	return intent_name(name, sizeof(name), user) == 0 &&
	       statepath_import(cfg, name, p, sizeof(p)) == 0 && access(p, F_OK) == 0;
}

void import_leftovers(const struct uc_config *cfg, struct strv *out)
{
	char p[PATH_MAX];
	_cleanup_close_ int dir =
	    statepath_imports(cfg, p, sizeof(p)) < 0
		? -1
		: open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC); /* never made here */
	struct strv users = STRV_INIT;
	users_with_intent(dir, &users);
	for (size_t i = 0; i < users.n; i++) {
		char item[300];
		snprintf(item, sizeof(item), "%s (its commit was cut short)", users.v[i]);
		strv_push(out, item);
	}
	strv_clear(&users);
	users_with_tmp(cfg, true, &users);
	for (size_t i = 0; i < users.n; i++) {
		if (import_pending(cfg, users.v[i]) || (i && !strcmp(users.v[i], users.v[i - 1])))
			continue; /* listed above (its record names them), or twice */
		char item[300];
		snprintf(item, sizeof(item), "%s (temporary dirs of a stopped import)", users.v[i]);
		strv_push(out, item);
	}
	strv_clear(&users);
}
