#include "mount/slots.h"

#include "lib/cleanup.h"
#include "lib/array.h"
#include "lib/path.h"
#include "lib/statepath.h"
#include "mount/nsfs.h"
#include "mount/users.h"

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

/* ---- the user's init ------------------------------------------------------ */

static ino_t ns_ino_of(pid_t pid, const char *kind)
{
	char p[64];
	struct stat st;
	snprintf(p, sizeof(p), "/proc/%d/ns/%s", (int)pid, kind);
	return stat(p, &st) == 0 ? st.st_ino : 0;
}

int cage_init_get(int nsdir, const char *user, struct cage_init *ci)
{
	*ci = (struct cage_init){0};
	_cleanup_close_ int ud = slots_user_dir(nsdir, user, false);
	_cleanup_close_ int fd =
	    ud < 0 ? -1 : openat(ud, "init", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char buf[256];
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (n <= 0)
		return -ENOENT;
	buf[n] = '\0';
	unsigned long long pid, pidns, ipcns;
	if (sscanf(buf, "pid=%llu pidns=%llu ipcns=%llu", &pid, &pidns, &ipcns) != 3)
		return -ENOENT;
	*ci = (struct cage_init){.pid = (pid_t)pid, .pidns = (ino_t)pidns, .ipcns = (ino_t)ipcns};
	/* a recycled pid is in another pid namespace: the handle keeps this
	 * one's inode from being reused. The IPC link too: a dead init that
	 * nobody has reaped yet still shows its pid namespace, not its IPC one */
	return ci->pidns && ns_ino_of(ci->pid, "pid") == ci->pidns &&
		       ns_ino_of(ci->pid, "ipc") == ci->ipcns
		   ? 0
		   : -ESRCH;
}

static int open_ns_handle(const struct uc_config *cfg, const char *user, const char *kind,
			  ino_t want)
{
	char h[PATH_MAX];
	struct stat st;
	if (statepath_ns_kind(cfg, user, kind, h, sizeof(h)) < 0)
		return -ENAMETOOLONG;
	_cleanup_close_ int fd = open(h, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	if (fstat(fd, &st) < 0 || st.st_ino != want)
		return -ESRCH;
	return steal_fd(&fd);
}

int cage_ns_open(const struct uc_config *cfg, const struct slot *s, int *pidfd, int *ipcfd)
{
	*pidfd = *ipcfd = -1;
	char dir[PATH_MAX];
	if (statepath_ns_dir(cfg, dir, sizeof(dir)) < 0)
		return -ENAMETOOLONG;
	_cleanup_close_ int nsdir = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct cage_init ci;
	int r = nsdir < 0 ? -errno : cage_init_get(nsdir, s->user, &ci);
	if (r == -ENOENT)
		r = -ESRCH;
	if (r == 0 && ci.pidns != s->pidns)
		r = -ESRCH; /* a slot of a pid namespace that is gone */
	if (r < 0)
		return r;
	*pidfd = open_ns_handle(cfg, s->user, "pid", ci.pidns);
	*ipcfd = *pidfd < 0 ? -1 : open_ns_handle(cfg, s->user, "ipc", ci.ipcns);
	if (*ipcfd < 0) {
		r = *pidfd < 0 ? *pidfd : *ipcfd;
		if (*pidfd >= 0)
			close(*pidfd);
		*pidfd = -1;
		return r;
	}
	return 0;
}

bool cage_ns_alive(const struct uc_config *cfg, const struct slot *s)
{
	int p, i;
	if (cage_ns_open(cfg, s, &p, &i) < 0)
		return false;
	close(p);
	close(i);
	return true;
}

/* ---- processes in a namespace --------------------------------------------- */

/* The mount namespace of every process (one /proc walk per verb). */
int procs_scan(struct procs *ps)
{
	ps->v = NULL;
	ps->n = 0;
	DIR *d = opendir("/proc");
	if (!d)
		return -errno;
	size_t cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		char p[64], link[64];
		snprintf(p, sizeof(p), "%.20s/ns/mnt", de->d_name);
		ssize_t n = readlinkat(dirfd(d), p, link, sizeof(link) - 1);
		unsigned long long ino;
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (sscanf(link, "mnt:[%llu]", &ino) != 1)
			continue;
		if (UC_GROW(&ps->v, &cap, ps->n + 1) < 0) {
			closedir(d);
			return -ENOMEM;
		}
		ps->v[ps->n++] = (struct nsproc){(pid_t)atoi(de->d_name), (ino_t)ino};
	}
	closedir(d);
	return 0;
}

unsigned procs_in(const struct procs *ps, ino_t ino)
{
	unsigned c = 0;
	for (size_t i = 0; ino && i < ps->n; i++)
		c += ps->v[i].ino == ino;
	return c;
}

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
		struct slot s = {0};
		snprintf(s.user, sizeof(s.user), "%s", user);
		if (!parse_info_name(de->d_name, &s.n) || read_info(dirfd(d), de->d_name, &s) < 0)
			continue;
		char h[NAME_MAX + 1];
		if (statepath_slot_name(s.user, s.n, h, sizeof(h)) < 0)
			continue; /* no handle of that name can exist */
		ino_t ino = 0;
		s.bound = nsfs_is_bound(nsdir, h, &ino);
		if (s.bound)
			s.ino = ino;
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

int cage_slots(const struct uc_config *cfg, const char *user, struct slotlist *out,
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

int cage_require_enabled(const struct uc_config *cfg, const struct uc_user *u, struct uc_error *err)
{
	struct cage_users cu = {0};
	int r = cage_users_load(cfg, &cu, err);
	if (r < 0)
		return r;
	enum user_verdict v = cage_user_verdict(cfg, &cu, u);
	cage_users_release(&cu);
	if (v == U_ENABLED)
		return 0;
	return uc_fail(err, UC_PERMISSION, "%s is not caged (%s)%s", u->name, cage_verdict_name(v),
		       v == U_DISABLED ? ": unicage enable USER first" : "");
}

int cage_newest(const struct uc_config *cfg, const char *user, struct slot *out,
		struct uc_error *err)
{
	/* no /proc walk: the processes are not needed to pick a slot (this is
	 * on the path of every exec) */
	char dir[PATH_MAX];
	int r = statepath_ns_dir(cfg, dir, sizeof(dir));
	if (r < 0)
		return path_fail(err, r, cfg->run_dir);
	int nsdir = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct procs none = {0};
	struct slotlist l = {0};
	r = nsdir < 0 ? -errno : slots_scan(nsdir, user, &none, &l);
	if (nsdir >= 0)
		close(nsdir);
	if (r < 0 && r != -ENOENT)
		return uc_fail_errno(err, -r, "%s", dir);
	const struct slot *best = NULL;
	for (size_t i = 0; i < l.n; i++)
		if (l.v[i].bound && (!best || l.v[i].n > best->n))
			best = &l.v[i];
	if (best)
		*out = *best;
	slotlist_release(&l);
	return best ? 0 : uc_fail(err, UC_NOTFOUND, "%s has no mounted cage", user);
}

static int read_cache(const char *path, enum uc_cage_mode *mode, char *why, size_t size)
{
	char buf[600] = "";
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (n <= 0)
		return -ENOENT;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	char *sp = strchr(buf, ' ');
	if (sp)
		*sp++ = '\0';
	if (strcmp(buf, "overlay") && strcmp(buf, "bind"))
		return -EINVAL;
	*mode = strcmp(buf, "overlay") ? UC_CAGE_BIND : UC_CAGE_OVERLAY;
	snprintf(why, size, "%s", sp ? sp : "");
	return 0;
}

int cage_mode_known(const struct uc_config *cfg, enum uc_cage_mode *mode, char *why, size_t size)
{
	if (cfg->cage_mode != UC_CAGE_AUTO) {
		*mode = (enum uc_cage_mode)cfg->cage_mode;
		snprintf(why, size, "cage_mode = %s in unicage.conf", uc_cage_mode_names[*mode]);
		return 0;
	}
	char cache[PATH_MAX];
	if (statepath_cage_mode(cfg, cache, sizeof(cache)) < 0)
		return -ENAMETOOLONG;
	return read_cache(cache, mode, why, size);
}
