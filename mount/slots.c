#include "mount/slots.h"

#include "lib/cleanup.h"
#include "lib/array.h"
#include "lib/path.h"
#include "lib/statepath.h"
#include "mount/nsfs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Records live in nsdir/.slots/<user>/: <n>.info and the user's lock, so
 * that one user's slots are found without reading everyone's. */
#define SLOTS ".slots"

int slots_user_dir(int nsdir, const char *user, bool create)
{
	char p[NAME_MAX + 16];
	if (strlen(user) > NAME_MAX || path_fmt(p, sizeof(p), SLOTS "/%s", user) < 0)
		return -ENAMETOOLONG;
	if (create && ((mkdirat(nsdir, SLOTS, 0700) < 0 && errno != EEXIST) ||
		       (mkdirat(nsdir, p, 0700) < 0 && errno != EEXIST)))
		return -errno;
	int fd = openat(nsdir, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int read_info(int ud, const char *name, struct slot *s)
{
	_cleanup_close_ int fd = openat(ud, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char buf[1024];
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (n <= 0)
		return -EINVAL;
	buf[n] = '\0';
	char *save = NULL;
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(l, '=');
		if (!eq)
			continue;
		*eq++ = '\0';
		if (!strcmp(l, "uid"))
			s->uid = (uid_t)strtoul(eq, NULL, 10);
		else if (!strcmp(l, "gen"))
			snprintf(s->gen, sizeof(s->gen), "%s", eq);
		else if (!strcmp(l, "mode"))
			s->mode = strcmp(eq, "bind") ? UC_CAGE_OVERLAY : UC_CAGE_BIND;
		else if (!strcmp(l, "ino"))
			s->ino = (ino_t)strtoull(eq, NULL, 10);
		else if (!strcmp(l, "pidns"))
			s->pidns = (ino_t)strtoull(eq, NULL, 10);
	}
	return 0;
}

/* "<n>.info" -> n. */
static bool parse_info_name(const char *name, unsigned *n)
{
	size_t len = strlen(name), i = 0;
	while (i < len && isdigit((unsigned char)name[i]))
		i++;
	if (i == 0 || i > 9 || strcmp(name + i, ".info"))
		return false;
	*n = (unsigned)strtoul(name, NULL, 10);
	return true;
}

static int slot_cmp(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;
	int c = strcmp(x->user, y->user);
	return c ? c : (x->n > y->n) - (x->n < y->n);
}

static int push_slot(struct slotlist *out, size_t *cap, const struct slot *s)
{
	if (UC_GROW(&out->v, cap, out->n + 1) < 0)
		return -ENOMEM;
	out->v[out->n++] = *s;
	return 0;
}

/* Slot n of user from its record (file name in ud), and its handle: bound
 * (its fd in *mnt, or closed when mnt is NULL) or not (*mnt -1). -EINVAL:
 * no record that reads, or no handle of that name can exist. */
static int slot_load(int nsdir, int ud, const char *user, const char *name, unsigned n,
		     struct slot *s, int *mnt)
{
	char h[NAME_MAX + 1];
	*s = (struct slot){.n = n};
	snprintf(s->user, sizeof(s->user), "%s", user);
	if (read_info(ud, name, s) < 0 || statepath_slot_name(user, n, h, sizeof(h)) < 0)
		return -EINVAL;
	ino_t ino = 0;
	int fd = nsfs_open_bound(nsdir, h, &ino);
	s->bound = fd >= 0;
	if (s->bound)
		s->ino = ino;
	if (mnt)
		*mnt = fd;
	else if (fd >= 0)
		close(fd);
	return 0;
}

static int scan_user(int nsdir, const char *user, const struct procs *ps, struct slotlist *out,
		     size_t *cap)
{
	_cleanup_close_ int ud = slots_user_dir(nsdir, user, false);
	if (ud < 0)
		return ud == -ENOENT ? 0 : ud;
	_cleanup_closedir_ DIR *d = path_opendir_at(ud, NULL);
	if (!d)
		return -errno;
	struct dirent *de;
	int r = 0;
	while (r == 0 && (de = readdir(d))) {
		struct slot s;
		unsigned n;
		if (!parse_info_name(de->d_name, &n) || slot_load(nsdir, ud, user, de->d_name, n, &s, NULL) < 0)
			continue;
		s.procs = procs_in(ps, s.ino);
		r = push_slot(out, cap, &s);
	}
	return r;
}

int slots_scan(int nsdir, const char *user, const struct procs *ps, struct slotlist *out)
{
	out->v = NULL;
	out->n = 0;
	size_t cap = 0;
	int r = 0;
	if (user) {
		r = scan_user(nsdir, user, ps, out, &cap);
	} else {
		_cleanup_closedir_ DIR *d = path_opendir_at(nsdir, SLOTS);
		if (!d)
			return errno == ENOENT ? 0 : -errno;
		struct dirent *de;
		while (r == 0 && (de = readdir(d)))
			if (de->d_name[0] != '.')
				r = scan_user(nsdir, de->d_name, ps, out, &cap);
	}
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), slot_cmp);
	return r;
}

void slotlist_release(struct slotlist *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int slots_list(const struct uc_config *cfg, const char *user, struct slotlist *out,
	       struct uc_error *err)
{
	out->v = NULL;
	out->n = 0;
	char dir[PATH_MAX];
	int r = statepath_ns_dir(cfg, dir, sizeof(dir));
	if (r < 0)
		return path_fail(err, r, cfg->run_dir);
	_cleanup_close_ int nsdir = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (nsdir < 0)
		return errno == ENOENT ? 0 : uc_fail_errno(err, errno, "%s", dir);
	struct procs ps;
	r = procs_scan(&ps);
	if (r == 0)
		r = slots_scan(nsdir, user, &ps, out);
	free(ps.v);
	return r < 0 ? uc_fail_errno(err, -r, "%s", dir) : 0;
}

/* The highest slot number below limit among the records of directory ud,
 * or 0. Read with getdents64 into a buffer of this frame: no DIR (a dup,
 * four fcntl/fstat/lseek calls and 32 KiB of heap on the way of every
 * exec). */
static unsigned highest_below(int ud, unsigned limit)
{
	char buf[2048] __attribute__((aligned(8)));
	unsigned best = 0, n;
	ssize_t got;
	if (limit != ~0U && lseek(ud, 0, SEEK_SET) < 0)
		return 0;
	while ((got = getdents64(ud, buf, sizeof(buf))) > 0)
		for (ssize_t off = 0; off < got;) {
			const struct dirent64 *de = (const struct dirent64 *)(buf + off);
			off += de->d_reclen;
			if (parse_info_name(de->d_name, &n) && n < limit && n > best)
				best = n;
		}
	return best;
}

/* The bound slot numbered highest among ud's records: candidates from the
 * top down, the first whose handle is bound wins (on the way into a cage
 * that is the first one looked at, however many slots are draining). */
static int newest_bound(int nsdir, int ud, const char *user, struct slot *out, int *mnt)
{
	for (unsigned n = highest_below(ud, ~0U); n > 0; n = highest_below(ud, n)) {
		char name[32];
		snprintf(name, sizeof(name), "%u.info", n);
		if (slot_load(nsdir, ud, user, name, n, out, mnt) == 0 && out->bound)
			return 0;
	}
	return -ENOENT;
}

int slots_newest_at(int nsdir, const char *user, struct slot *out, int *mnt, int *ud)
{
	*mnt = *ud = -1;
	int fd = slots_user_dir(nsdir, user, false);
	if (fd < 0)
		return fd;
	int r = newest_bound(nsdir, fd, user, out, mnt);
	if (r < 0)
		close(fd);
	else
		*ud = fd;
	return r;
}

int slots_newest(const struct uc_config *cfg, const char *user, struct slot *out,
		 struct uc_error *err)
{
	char dir[PATH_MAX];
	int r = statepath_ns_dir(cfg, dir, sizeof(dir));
	if (r < 0)
		return path_fail(err, r, cfg->run_dir);
	_cleanup_close_ int nsdir = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int mnt = -1, ud = -1;
	r = nsdir < 0 ? -errno : slots_newest_at(nsdir, user, out, &mnt, &ud);
	if (r == -ENOENT)
		return uc_fail(err, UC_NOTFOUND, "%s has no mounted cage", user);
	if (r < 0)
		return uc_fail_errno(err, -r, "%s", dir);
	close(mnt);
	close(ud);
	return 0;
}
