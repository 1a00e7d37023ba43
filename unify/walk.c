/* The walk: every tree through directory fds, never following a symlink,
 * never leaving the tree's filesystem, deciding for each regular file whether
 * it may be unified at all. */
#include "unify/internal.h"

#include "lib/cleanup.h"
#include "lib/path.h"
#include "lib/array.h"
#include "lib/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void unify_report(struct unify_run *u, uint32_t tree, const char *rel, const char *what)
{
	char path[PATH_MAX * 2];
	if (!u->o->report)
		return;
	snprintf(path, sizeof(path), "%s/%s", u->trees[tree].path, rel);
	u->o->report(u->o->report_arg, path, what);
}

static void decide(struct unify_run *u, uint32_t t, const char *rel, const char *why)
{
	if (u->o->verbose)
		unify_report(u, t, rel, why);
}

const char *unify_not_candidate(const struct unify_opts *o, const struct stat *st)
{
	if (!S_ISREG(st->st_mode))
		return "skipped: not a regular file";
	if (st->st_size == 0)
		return "skipped: empty (never an object)";
	if (st->st_uid != 0 && !(o->system_owners && st->st_uid < o->min_uid))
		return "skipped: not a candidate owner";
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return "skipped: writable by group or others";
	return NULL;
}

static int add_name(struct unify_run *u, uint32_t t, const char *rel, const struct stat *st)
{
	if (UC_GROW(&u->names, &u->capnames, u->nnames + 1) < 0)
		return -ENOMEM;
	struct uname *n = &u->names[u->nnames];
	if (!(n->rel = strdup(rel)))
		return -ENOMEM;
	n->tree = t;
	n->st = *st;
	u->nnames++;
	return 0;
}

/* A temp name of an interrupted run: an extra link to an inode that keeps
 * its real name (or is an object), so it can go. A link to a +i object can
 * only be removed with the flag off for the moment (we hold the lock). */
static bool leftover(struct unify_run *u, int dirfd, const char *name, const struct stat *st)
{
	if (strncmp(name, UNIFY_TMP_PREFIX, strlen(UNIFY_TMP_PREFIX)) != 0 ||
	    !S_ISREG(st->st_mode) || st->st_nlink < 2)
		return false;
	if (u->o->dry_run)
		return true;
	int r = unlinkat(dirfd, name, 0) == 0 ? 0 : -errno;
	if (r == -EPERM && u->store && store_is_object(u->store, st->st_dev, st->st_ino)) {
		int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		struct stat now;
		if (fd >= 0 && fstat(fd, &now) == 0 && now.st_ino == st->st_ino &&
		    fs_set_immutable(fd, false) == 0) {
			r = unlinkat(dirfd, name, 0) == 0 ? 0 : -errno;
			fs_set_immutable(fd, true);
		}
		if (fd >= 0)
			close(fd);
	}
	if (r == 0)
		atomic_fetch_add(&u->st->leftovers_removed, 1);
	return true;
}

static enum exclude_verdict verdict(struct unify_run *u, uint32_t t, const char *rel, bool is_dir,
				    enum exclude_verdict inherited)
{
	char abs[PATH_MAX + 2];
	snprintf(abs, sizeof(abs), "/%s", rel);
	enum exclude_verdict v =
	    u->o->excludes ? excludes_match(u->o->excludes, abs, is_dir) : EX_NONE;
	if (v == EX_NONE)
		v = inherited;
	if (v != EX_EXCLUDE && !is_dir && strset_contains(&u->trees[t].rpm_config, abs))
		v = EX_EXCLUDE;
	return v;
}

static int walk_dir(struct unify_run *u, uint32_t t, int dirfd, char *rel, size_t rlen,
		    enum exclude_verdict inherited, struct uc_error *err);

static int visit(struct unify_run *u, uint32_t t, int dirfd, const char *name, char *rel,
		 size_t rlen, enum exclude_verdict inherited, struct uc_error *err)
{
	struct stat st;
	int n = snprintf(rel + rlen, PATH_MAX - rlen, "%s%s", rlen ? "/" : "", name);
	if (n < 0 || (size_t)n >= PATH_MAX - rlen) {
		atomic_fetch_add(&u->st->errors, 1);
		return 0;
	}
	size_t len = rlen + (size_t)n;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0; /* vanished since readdir */
	if (S_ISDIR(st.st_mode)) {
		if (st.st_dev != u->trees[t].dev) {
			decide(u, t, rel, "skipped: other device (not crossed)");
			return 0;
		}
		enum exclude_verdict v = verdict(u, t, rel, true, inherited);
		if (v == EX_EXCLUDE &&
		    !(u->o->excludes && excludes_include_below(u->o->excludes, rel))) {
			decide(u, t, rel, "skipped: excluded");
			return 0;
		}
		int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return 0; /* swapped for something else since the stat: not ours to follow
				   */
		int r = walk_dir(u, t, fd, rel, len, v, err);
		close(fd);
		return r;
	}
	if (!S_ISREG(st.st_mode) || leftover(u, dirfd, name, &st))
		return 0;
	atomic_fetch_add(&u->st->files_seen, 1);
	if (verdict(u, t, rel, false, inherited) == EX_EXCLUDE) {
		decide(u, t, rel, "skipped: excluded");
		return 0;
	}
	const char *why = unify_not_candidate(u->o, &st);
	if (why) {
		decide(u, t, rel, why);
		return 0;
	}
	if (u->store && store_is_object(u->store, st.st_dev, st.st_ino)) {
		atomic_fetch_add(&u->st->already_unified, 1);
		decide(u, t, rel, "skipped: already unified");
		return 0;
	}
	atomic_fetch_add(&u->st->candidates, 1);
	return add_name(u, t, rel, &st) < 0 ? uc_fail(err, UC_INTERNAL, "out of memory") : 0;
}

static int walk_dir(struct unify_run *u, uint32_t t, int dirfd, char *rel, size_t rlen,
		    enum exclude_verdict inherited, struct uc_error *err)
{
	_cleanup_closedir_ DIR *d = path_opendir_at(dirfd, NULL);
	if (!d) {
		atomic_fetch_add(&u->st->errors, 1);
		uc_log(UC_LOG_WARN, "%s/%s: cannot read directory: %s", u->trees[t].path, rel,
		       strerror(errno));
		return 0;
	}
	struct dirent *de;
	int r = 0;
	while (r == 0 && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		r = visit(u, t, dirfd, de->d_name, rel, rlen, inherited, err);
		rel[rlen] = '\0';
	}
	return r;
}

int unify_walk_tree(struct unify_run *u, uint32_t t, struct uc_error *err)
{
	char rel[PATH_MAX] = "";
	int fd = openat(u->trees[t].fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return uc_fail_errno(err, errno, "tree %s", u->trees[t].path);
	int r = walk_dir(u, t, fd, rel, 0, EX_NONE, err);
	close(fd);
	return r;
}
