#include "lib/path.h"

#include "lib/cleanup.h"
#include "lib/array.h"
#include "lib/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static bool force_fallback;
/* -1 unknown, 0 missing (ENOSYS), 1 works */
static int have_openat2 = -1;

void path_force_fallback(bool on)
{
	force_fallback = on;
}

static bool component_ok(const char *c, size_t n)
{
	return n > 0 && !(n == 1 && c[0] == '.') && !(n == 2 && c[0] == '.' && c[1] == '.');
}

static bool components_clean(const char *p)
{
	while (*p) {
		size_t n = strcspn(p, "/");
		if (!component_ok(p, n))
			return false;
		p += n;
		if (*p == '/') {
			p++;
			if (*p == '\0')
				return false; /* trailing slash */
		}
	}
	return true;
}

bool path_is_clean_absolute(const char *p)
{
	if (!p || p[0] != '/')
		return false;
	if (p[1] == '\0')
		return true;
	return components_clean(p + 1);
}

bool path_is_clean_relative(const char *p)
{
	return p && p[0] != '\0' && p[0] != '/' && components_clean(p);
}

bool path_has_prefix(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);
	while (n > 1 && prefix[n - 1] == '/')
		n--;
	if (n == 1 && prefix[0] == '/')
		return path[0] == '/';
	if (strncmp(path, prefix, n) != 0)
		return false;
	return path[n] == '\0' || path[n] == '/';
}

bool path_under_any(const struct strv *set, const char *path)
{
	for (size_t i = 0; i < set->n; i++)
		if (path_has_prefix(path, set->v[i]))
			return true;
	return false;
}

bool path_above_any(const struct strv *set, const char *path)
{
	for (size_t i = 0; i < set->n; i++)
		if (path_has_prefix(set->v[i], path))
			return true;
	return false;
}

int path_join(char *buf, size_t size, const char *a, const char *b)
{
	size_t la = strlen(a);
	while (la > 0 && a[la - 1] == '/')
		la--;
	while (*b == '/')
		b++;
	int n = snprintf(buf, size, "%.*s/%s", (int)la, a, b);
	if (n < 0 || (size_t)n >= size) {
		if (size)
			buf[0] = '\0'; /* never a cut path, even for a caller that does not check */
		return -ENAMETOOLONG;
	}
	if (b[0] == '\0' && n > 1)
		buf[n - 1] = '\0'; /* "a" + "" = "a", "" + "" = "/" */
	return 0;
}

int path_vfmt(char *buf, size_t size, const char *fmt, va_list ap)
{
	int n = vsnprintf(buf, size, fmt, ap);
	if (n >= 0 && (size_t)n < size)
		return 0;
	if (size)
		buf[0] = '\0';
	return -ENAMETOOLONG;
}

int path_fmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = path_vfmt(buf, size, fmt, ap);
	va_end(ap);
	return r;
}

int path_fail(struct uc_error *err, int r, const char *start)
{
	uc_fail_errno(err, -r, "%.200s...", start);
	return r;
}

static int try_openat2(int dirfd, const char *path, int flags, mode_t mode, unsigned long resolve)
{
	struct open_how how = {
	    .flags = (unsigned long)flags | O_CLOEXEC,
	    .mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
	    .resolve = resolve,
	};
	if (force_fallback || have_openat2 == 0)
		return -ENOSYS;
	for (;;) {
		long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
		if (fd >= 0) {
			have_openat2 = 1;
			return (int)fd;
		}
		/* EAGAIN: a concurrent rename raced the lookup; the kernel asks to retry. */
		if (errno == EAGAIN)
			continue;
		if (errno == ENOSYS || (errno == EPERM && have_openat2 < 0)) {
			/* ENOSYS: old kernel. EPERM on first use: a seccomp filter that
			 * blocks openat2; both mean "use the walk". */
			have_openat2 = 0;
			return -ENOSYS;
		}
		return -errno;
	}
}

/* A stack of directory fds: the walk's current position, so ".." goes back to
 * the directory actually walked through. */
struct walk {
	int *fds;
	size_t n, cap;
	int rootfd;
};

static int walk_top(const struct walk *w)
{
	return w->n ? w->fds[w->n - 1] : w->rootfd;
}

static int walk_push(struct walk *w, int fd)
{
	if (UC_GROW(&w->fds, &w->cap, w->n + 1) < 0) {
		close(fd);
		return -ENOMEM;
	}
	w->fds[w->n++] = fd;
	return 0;
}

static void walk_pop(struct walk *w)
{
	if (w->n)
		close(w->fds[--w->n]);
}

static void walk_release(struct walk *w)
{
	while (w->n)
		walk_pop(w);
	free(w->fds);
}

/* Replace the unconsumed path with target + "/" + rest. */
static int splice_link(char *buf, size_t size, const char *target, const char *rest)
{
	char tmp[PATH_MAX * 2];
	int n = snprintf(tmp, sizeof(tmp), "%s/%s", target, rest);
	if (n < 0 || (size_t)n >= sizeof(tmp) || (size_t)n >= size)
		return -ENAMETOOLONG;
	memcpy(buf, tmp, (size_t)n + 1);
	return 0;
}

/* The next component of *p into comp (slashes skipped), *p moved past it;
 * *last: nothing follows. 1, 0 at the end of the path, -ENAMETOOLONG. */
static int next_component(char **p, char comp[NAME_MAX + 1], bool *last)
{
	char *s = *p;
	while (*s == '/')
		s++;
	if (*s == '\0') {
		*p = s;
		return 0;
	}
	size_t n = strcspn(s, "/");
	if (n > NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(comp, s, n);
	comp[n] = '\0';
	s += n;
	while (*s == '/')
		s++;
	*last = *s == '\0';
	*p = s;
	return 1;
}

/* The fallback: resolve one component at a time with O_NOFOLLOW. In "in_root"
 * mode symlinks are read and resolved against the walk (absolute ones from
 * rootfd) and ".." stops at rootfd; otherwise any symlink is ELOOP and ".." is
 * EXDEV, as RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS would answer. */
static int walk_open(int rootfd, const char *path, int flags, mode_t mode, bool in_root)
{
	char buf[PATH_MAX * 2];
	struct walk w = {.rootfd = rootfd};
	int hops = 0, r;

	if (!in_root && path[0] == '/')
		return -EXDEV;
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	char *p = buf;
	for (;;) {
		char comp[NAME_MAX + 1];
		bool last;
		int c = next_component(&p, comp, &last);
		if (c == 0) {
			r = openat(walk_top(&w), ".", flags | O_CLOEXEC, mode);
			r = r < 0 ? -errno : r;
			break;
		}
		if (c < 0) {
			r = c;
			break;
		}
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			if (!in_root) {
				r = -EXDEV;
				break;
			}
			walk_pop(&w);
			continue;
		}
		bool follow = in_root && (!last || !(flags & O_NOFOLLOW));
		if (follow) {
			char target[PATH_MAX];
			ssize_t len = readlinkat(walk_top(&w), comp, target, sizeof(target) - 1);
			if (len >= 0) {
				target[len] = '\0';
				if (++hops > 40) {
					r = -ELOOP;
					break;
				}
				if (target[0] == '/')
					while (w.n)
						walk_pop(&w);
				r = splice_link(buf, sizeof(buf), target, p);
				if (r < 0)
					break;
				p = buf;
				continue;
			}
		}
		if (last) {
			r = openat(walk_top(&w), comp, flags | O_NOFOLLOW | O_CLOEXEC, mode);
			r = r < 0 ? -errno : r;
			break;
		}
		int fd = openat(walk_top(&w), comp, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			struct stat st;
			r = -errno;
			if (fstatat(walk_top(&w), comp, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISLNK(st.st_mode))
				r = -ELOOP;
			break;
		}
		r = walk_push(&w, fd);
		if (r < 0)
			break;
	}
	walk_release(&w);
	return r;
}

/* cur (a real path, "" for the root) + "/" + comp, or back one component */
static int real_push(char *cur, size_t size, const char *comp)
{
	size_t n = strlen(cur);
	int w = snprintf(cur + n, size - n, "/%s", comp);
	return w < 0 || (size_t)w >= size - n ? -ENAMETOOLONG : 0;
}

static void real_pop(char *cur)
{
	char *sl = strrchr(cur, '/');
	if (sl)
		*sl = '\0';
}

/* One symlink met at cur/comp: recorded, its target spliced before rest. */
static int resolve_link(struct walk *w, char *cur, size_t size, const char *comp, char *buf,
			size_t bufsize, const char *rest, struct strv *links)
{
	char target[PATH_MAX];
	ssize_t len = readlinkat(walk_top(w), comp, target, sizeof(target) - 1);
	if (len < 0)
		return -errno;
	target[len] = '\0';
	if (links) {
		size_t n = strlen(cur);
		int r = real_push(cur, size, comp);
		if (r == 0 && !strv_contains(links, cur))
			r = strv_push(links, cur);
		cur[n] = '\0';
		if (r < 0)
			return r;
	}
	if (target[0] == '/') {
		while (w->n)
			walk_pop(w);
		cur[0] = '\0';
	}
	return splice_link(buf, bufsize, target, rest);
}

int path_resolve_in_root(int rootfd, const char *path, bool follow_last, char *real, size_t size,
			 struct strv *links)
{
	char buf[PATH_MAX * 2], cur[PATH_MAX] = "";
	struct walk w = {.rootfd = rootfd};
	int hops = 0, r = 0;
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf; r == 0;) {
		char comp[NAME_MAX + 1];
		bool last;
		int c = next_component(&p, comp, &last);
		if (c <= 0) {
			r = c;
			break;
		}
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			walk_pop(&w);
			real_pop(cur);
			continue;
		}
		struct stat st;
		if (fstatat(walk_top(&w), comp, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = errno == ENOENT && last ? real_push(cur, sizeof(cur), comp) : -errno;
			break;
		}
		if (S_ISLNK(st.st_mode) && (!last || follow_last)) {
			r = ++hops > 40 ? -ELOOP
					: resolve_link(&w, cur, sizeof(cur), comp, buf, sizeof(buf),
						       p, links);
			p = buf;
			continue;
		}
		r = real_push(cur, sizeof(cur), comp);
		if (r < 0 || last)
			break;
		if (!S_ISDIR(st.st_mode)) {
			r = -ENOTDIR;
			break;
		}
		int fd = openat(walk_top(&w), comp, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
		r = fd < 0 ? -errno : walk_push(&w, fd);
	}
	walk_release(&w);
	if (r == 0 && snprintf(real, size, "%s", cur[0] ? cur : "/") >= (int)size)
		r = -ENAMETOOLONG;
	return r;
}

void path_dircache_init(struct path_dircache *c)
{
	for (size_t i = 0; i < PATH_DIRCACHE_N; i++) {
		c->e[i].dir = NULL;
		c->e[i].fd = -1;
	}
	c->next = 0;
}

void path_dircache_release(struct path_dircache *c)
{
	for (size_t i = 0; i < PATH_DIRCACHE_N; i++) {
		if (c->e[i].fd >= 0)
			close(c->e[i].fd);
		free(c->e[i].dir);
	}
	path_dircache_init(c);
}

/* The fd of directory dir (len bytes of path), opened if it is not kept. */
static int dircache_fd(struct path_dircache *c, int rootfd, const char *dir, size_t len)
{
	for (size_t i = 0; i < PATH_DIRCACHE_N; i++)
		if (c->e[i].dir && strncmp(c->e[i].dir, dir, len) == 0 && c->e[i].dir[len] == '\0')
			return c->e[i].fd;
	unsigned k = c->next++ % PATH_DIRCACHE_N;
	if (c->e[k].fd >= 0)
		close(c->e[k].fd);
	free(c->e[k].dir);
	c->e[k].dir = strndup(dir, len);
	if (!c->e[k].dir)
		return c->e[k].fd = -ENOMEM;
	c->e[k].fd = path_open_in_root(rootfd, len ? c->e[k].dir : "/", O_PATH | O_DIRECTORY, 0);
	return c->e[k].fd;
}

int path_lstat_in_root(struct path_dircache *c, int rootfd, const char *path, struct stat *st)
{
	const char *sl = strrchr(path, '/');
	if (!sl)
		return -EINVAL;
	if (strcmp(path, "/") == 0)
		return fstat(rootfd, st) < 0 ? -errno : 0;
	int fd = dircache_fd(c, rootfd, path, (size_t)(sl - path));
	if (fd < 0)
		return fd;
	return fstatat(fd, sl + 1, st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

int path_openat_in_root(struct path_dircache *c, int rootfd, const char *path, int flags)
{
	const char *sl = strrchr(path, '/');
	if (!sl || !sl[1])
		return -EINVAL;
	int fd = dircache_fd(c, rootfd, path, (size_t)(sl - path));
	if (fd < 0)
		return fd;
	int r = openat(fd, sl + 1, flags | O_NOFOLLOW | O_CLOEXEC);
	return r < 0 ? -errno : r;
}

int path_open_in_root(int rootfd, const char *path, int flags, mode_t mode)
{
	int r = try_openat2(rootfd, path, flags, mode, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
	if (r != -ENOSYS)
		return r;
	uc_debug(UC_AREA_PATH, "openat2 unavailable, walking %s", path);
	return walk_open(rootfd, path, flags, mode, true);
}

int path_open_beneath(int dirfd, const char *relpath, int flags, mode_t mode)
{
	int r = try_openat2(dirfd, relpath, flags, mode,
			    RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	if (r != -ENOSYS)
		return r;
	uc_debug(UC_AREA_PATH, "openat2 unavailable, walking %s", relpath);
	return walk_open(dirfd, relpath, flags, mode, false);
}

DIR *path_opendir_at(int dirfd, const char *name)
{
	_cleanup_close_ int fd =
	    name ? openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
		 : fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d)
		return NULL;
	steal_fd(&fd); /* the stream's now */
	if (!name)
		rewinddir(d);
	return d;
}

int path_dir_names(int dirfd, struct strv *out)
{
	_cleanup_closedir_ DIR *d = path_opendir_at(dirfd, NULL);
	if (!d)
		return -errno;
	struct dirent *de;
	int r = 0;
	while (r == 0 && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			r = strv_push(out, de->d_name);
	return r;
}

int path_beside_self(char *buf, size_t size, const char *rel)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -errno;
	exe[n] = '\0';
	char *sl = strrchr(exe, '/');
	if (!sl)
		return -ENOENT;
	*sl = '\0';
	return path_join(buf, size, exe, rel);
}

#ifndef UNICAGE_LIBEXECDIR
#define UNICAGE_LIBEXECDIR "/usr/libexec/unicage"
#endif

int path_libexec(char *buf, size_t size, const char *name)
{
	if (path_beside_self(buf, size, name) == 0 && access(buf, X_OK) == 0)
		return 0;
	return path_join(buf, size, UNICAGE_LIBEXECDIR, name);
}
