#include "lib/store.h"

#include "lib/cleanup.h"
#include "lib/lock.h"
#include "lib/log.h"
#include "lib/path.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <unistd.h>

int fs_get_immutable(int fd, bool *on)
{
	int flags = 0;
	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0)
		return -errno;
	*on = flags & FS_IMMUTABLE_FL;
	return 0;
}

int fs_set_immutable(int fd, bool on)
{
	int flags = 0;
	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0)
		return -errno;
	int want = on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
	if (want == flags)
		return 0;
	return ioctl(fd, FS_IOC_SETFLAGS, &want) < 0 ? -errno : 0;
}

int fs_set_owner_mode(int fd, uid_t uid, gid_t gid, mode_t mode)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	bool chown_ = st.st_uid != uid || st.st_gid != gid;
	if (chown_ && fchown(fd, uid, gid) < 0)
		return -errno;
	if ((chown_ || (st.st_mode & 07777) != (mode & 07777)) && fchmod(fd, mode & 07777) < 0)
		return -errno;
	return 0;
}

bool obj_meta_equal(const struct stat *a, const struct xattr_set *xa, const struct stat *b,
		    const struct xattr_set *xb, bool with_mtime)
{
	if (a->st_mode != b->st_mode || a->st_uid != b->st_uid || a->st_gid != b->st_gid ||
	    a->st_size != b->st_size)
		return false;
	if (with_mtime &&
	    (a->st_mtim.tv_sec != b->st_mtim.tv_sec || a->st_mtim.tv_nsec != b->st_mtim.tv_nsec))
		return false;
	return xattrs_equal(xa, xb);
}

static int mkdir_0700(int dirfd, const char *name)
{
	if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int open_dir(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int take_lock(struct store *s, unsigned flags, struct uc_error *err)
{
	char what[PATH_MAX + 16];
	snprintf(what, sizeof(what), "store %s", s->path);
	unsigned lf =
	    (flags & STORE_WAIT ? UC_LOCK_WAIT : 0) | (flags & STORE_READONLY ? UC_LOCK_SHARED : 0);
	s->lockfd = uc_lock_take(s->fd, "lock", what, lf, err);
	if (s->lockfd == -ENOENT && (flags & STORE_READONLY))
		return 0; /* never written to: nobody to wait for */
	return s->lockfd < 0 ? s->lockfd : 0;
}

/* Leftover temp names of an interrupted run: each is an extra link to an
 * inode that has its real name elsewhere (or to nothing yet), so they go. */
static void clean_tmp(struct store *s)
{
	_cleanup_closedir_ DIR *d = path_opendir_at(s->tmpfd, NULL);
	struct dirent *de;
	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.')
			unlinkat(s->tmpfd, de->d_name, 0);
}

static int foreach_in(int objfd, const char *sub, store_object_fn fn, void *arg)
{
	_cleanup_closedir_ DIR *d = path_opendir_at(objfd, sub);
	if (!d)
		return -errno;
	struct dirent *de;
	int r = 0;
	while (r == 0 && (de = readdir(d)))
		if (de->d_name[0] != '.')
			r = fn(dirfd(d), sub, de->d_name, arg);
	return r;
}

int store_foreach_object(int objfd, store_object_fn fn, void *arg)
{
	_cleanup_closedir_ DIR *d = path_opendir_at(objfd, NULL);
	if (!d)
		return -errno;
	struct dirent *de;
	int r = 0;
	while (r == 0 && (de = readdir(d)))
		if (strlen(de->d_name) == 2 && de->d_name[0] != '.') /* never ".." */
			r = foreach_in(objfd, de->d_name, fn, arg);
	return r;
}

static int note_object(int subfd, const char *sub, const char *name, void *arg)
{
	struct store *s = arg;
	struct stat st;
	if (fstatat(subfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
		return 0;
	if (!inoset_get(&s->objects, st.st_dev, st.st_ino, NULL) ||
	    !inoset_get(&s->sizes, 0, (uint64_t)st.st_size, NULL))
		return -ENOMEM;
	return 0;
}

static int scan_objects(struct store *s, struct uc_error *err)
{
	int r = store_foreach_object(s->objfd, note_object, s);
	return r < 0 ? uc_fail_errno(err, r, "store %s/objects", s->path) : 0;
}

static nlink_t link_limit(int fd)
{
#ifdef UNICAGE_TEST_HOOKS /* the test build only: EMLINK rollover */
	const char *knob = getenv("UNICAGE_TEST_LINK_MAX");
	if (knob && *knob)
		return (nlink_t)strtoul(knob, NULL, 10);
#endif
	long n = fpathconf(fd, _PC_LINK_MAX);
	return n > 0 ? (nlink_t)n : 65000;
}

static int open_layout(struct store *s, bool create, struct uc_error *err)
{
	/* the store is made private to root: objects are hardlinks of files
	 * users may not read elsewhere */
	const char *p = s->path;
	if (create && mkdir(p, 0700) < 0 && errno != EEXIST)
		return uc_fail_errno(err, errno, "store %s", p);
	s->fd = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s->fd < 0)
		return uc_fail_errno(err, errno, "store %s", p);
	struct stat st;
	if (fstat(s->fd, &st) < 0)
		return uc_fail_errno(err, errno, "store %s", p);
	if (st.st_uid != 0 && geteuid() == 0)
		return uc_fail(err, UC_PERMISSION, "store %s is not owned by root", p);
	s->dev = st.st_dev;
	int r;
	if (create &&
	    ((r = mkdir_0700(s->fd, "objects")) < 0 || (r = mkdir_0700(s->fd, "tmp")) < 0))
		return uc_fail_errno(err, r, "store %s", p);
	if ((s->objfd = open_dir(s->fd, "objects")) < 0 || (s->tmpfd = open_dir(s->fd, "tmp")) < 0)
		return uc_fail_errno(err, s->objfd < 0 ? s->objfd : s->tmpfd,
				     "store %s: not a store", p);
	s->link_max = link_limit(s->objfd);
	return 0;
}

void store_init_empty(struct store *s, dev_t dev)
{
	memset(s, 0, sizeof(*s));
	s->pid = getpid();
	s->fd = s->objfd = s->tmpfd = s->lockfd = -1;
	s->dev = dev;
	s->link_max = 65000;
	pthread_mutex_init(&s->mu, NULL);
}

int store_open(struct store *s, const char *path, unsigned flags, struct uc_error *err)
{
	store_init_empty(s, 0);
	if (!(s->path = strdup(path)))
		return uc_fail(err, UC_INTERNAL, "out of memory");
	int r = open_layout(s, (flags & STORE_CREATE) && !(flags & STORE_READONLY), err);
	if (r == 0)
		r = take_lock(s, flags, err);
	if (r == 0) {
		if (!(flags & STORE_READONLY))
			clean_tmp(s);
		r = scan_objects(s, err);
	}
	if (r < 0)
		store_close(s);
	return r;
}

void store_close(struct store *s)
{
	int *fds[] = {&s->fd, &s->objfd, &s->tmpfd, &s->lockfd};
	for (size_t i = 0; i < UC_ARRAY_SIZE(fds); i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
	inoset_release(&s->objects);
	inoset_release(&s->sizes);
	pthread_mutex_destroy(&s->mu);
	free(s->path);
	s->path = NULL;
}

bool store_is_object(struct store *s, dev_t dev, ino_t ino)
{
	pthread_mutex_lock(&s->mu);
	bool r = inoset_find(&s->objects, dev, ino) != NULL;
	pthread_mutex_unlock(&s->mu);
	return r;
}

bool store_has_size(struct store *s, uint64_t size)
{
	pthread_mutex_lock(&s->mu);
	bool r = inoset_find(&s->sizes, 0, size) != NULL;
	pthread_mutex_unlock(&s->mu);
	return r;
}

static void remember(struct store *s, const struct stat *st)
{
	pthread_mutex_lock(&s->mu);
	inoset_get(&s->objects, st->st_dev, st->st_ino, NULL);
	inoset_get(&s->sizes, 0, (uint64_t)st->st_size, NULL);
	pthread_mutex_unlock(&s->mu);
}

bool store_obj_full(struct store *s, const struct store_obj *obj)
{
	struct stat st;
	nlink_t n = fstat(obj->fd, &st) == 0 ? st.st_nlink : obj->st.st_nlink;
	return n + 1 > s->link_max;
}

void store_obj_close(struct store_obj *obj)
{
	if (obj->fd >= 0)
		close(obj->fd);
	obj->fd = -1;
}

/* Is the object at fd the same object as src? 1 yes, 0 no. */
static int same_object(int fd, const struct stat *st, const struct obj_src *src)
{
	struct xattr_set xa;
	if (xattrs_read(fd, &xa) < 0)
		return -EIO;
	bool meta = obj_meta_equal(st, &xa, src->st, src->xa, src->with_mtime);
	xattrs_release(&xa);
	if (!meta)
		return 0;
	return file_contents_equal(fd, src->fd, (uint64_t)src->st->st_size);
}

/* The object at name differs from src: a name collision (another key with
 * the same first 22 hex digits) or a real conflict (the same full key). */
static int classify_mismatch(struct store *s, int fd, const struct stat *st,
			     const struct obj_src *src, const char *name, struct uc_error *err)
{
	struct xattr_set xa;
	struct objkey k;
	int r = xattrs_read(fd, &xa);
	if (r == 0) {
		r = objkey_compute(fd, st, &xa, src->with_mtime, &k);
		xattrs_release(&xa);
	}
	if (r < 0)
		return uc_fail_errno(err, r, "store object %s/objects/%s", s->path, name);
	if (memcmp(k.b, src->key->b, OBJKEY_LEN) == 0)
		return uc_fail(
		    err, UC_INTERNAL,
		    "store object %s/objects/%s has the key of a file whose bytes differ: "
		    "corrupt store or SHA-256 collision; nothing linked",
		    s->path, name);
	return 0;
}

int store_lookup(struct store *s, const struct obj_src *src, struct store_obj *obj,
		 struct uc_error *err)
{
	for (unsigned suffix = 0;; suffix++) {
		memset(obj, 0, sizeof(*obj));
		obj->fd = -1;
		obj->suffix = suffix;
		objkey_name(src->key, suffix, obj->name, sizeof(obj->name));
		if (s->objfd < 0)
			return 0; /* an empty store (store_init_empty) */
		int fd =
		    openat(s->objfd, obj->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT)
			return 0;
		if (fd < 0)
			return uc_fail_errno(err, errno, "store object %s/objects/%s", s->path,
					     obj->name);
		struct stat st;
		int r = fstat(fd, &st) < 0    ? -errno
			: S_ISREG(st.st_mode) ? same_object(fd, &st, src)
					      : 0;
		if (r < 0) {
			close(fd);
			return uc_fail_errno(err, r, "store object %s/objects/%s", s->path,
					     obj->name);
		}
		if (r == 0 && (r = classify_mismatch(s, fd, &st, src, obj->name, err)) < 0) {
			close(fd);
			return r;
		}
		obj->fd = fd;
		obj->st = st;
		if (r == 1 && st.st_nlink + 1 <= s->link_max)
			return 1;
		close(fd); /* full (rolled over before), or a name collision: next slot */
		obj->fd = -1;
	}
}

int store_publish_inode(struct store *s, const struct obj_src *src, struct store_obj *obj,
			struct uc_error *err)
{
	char tmp[64], sub[3] = {obj->name[0], obj->name[1], 0}, proc[64];
	snprintf(tmp, sizeof(tmp), "%ld.%u", (long)s->pid, atomic_fetch_add(&s->tmpseq, 1));
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", src->fd);
	if (linkat(src->fd, "", s->tmpfd, tmp, AT_EMPTY_PATH) < 0 &&
	    linkat(AT_FDCWD, proc, s->tmpfd, tmp, AT_SYMLINK_FOLLOW) < 0)
		return uc_fail_errno(err, errno, "link into store %s/tmp", s->path);
	int r = renameat2(s->tmpfd, tmp, s->objfd, obj->name, RENAME_NOREPLACE) < 0 ? -errno : 0;
	if (r == -ENOENT && (r = mkdir_0700(s->objfd, sub)) == 0 &&
	    renameat2(s->tmpfd, tmp, s->objfd, obj->name, RENAME_NOREPLACE) < 0)
		r = -errno; /* the XX directory was missing */
	if (r < 0) {
		unlinkat(s->tmpfd, tmp, 0);
		return r == -EEXIST
			   ? r
			   : uc_fail_errno(err, r, "publish %s/objects/%s", s->path, obj->name);
	}
	obj->fd = fcntl(src->fd, F_DUPFD_CLOEXEC, 0);
	if (obj->fd < 0 || fstat(obj->fd, &obj->st) < 0)
		return uc_fail_errno(err, errno, "publish %s/objects/%s", s->path, obj->name);
	obj->created = true;
	remember(s, &obj->st);
	return 0;
}

static int copy_by_read(int in, int out, uint64_t done, uint64_t size)
{
	char buf[1 << 16];
	while (done < size) {
		size_t want = size - done < sizeof(buf) ? (size_t)(size - done) : sizeof(buf);
		ssize_t n = pread(in, buf, want, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -ESTALE;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = pwrite(out, buf + off, (size_t)(n - off),
					   (off_t)(done + (uint64_t)off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return -errno;
			off += w;
		}
		done += (uint64_t)n;
	}
	return 0;
}

int store_copy_data(int in, int out, uint64_t size)
{
	uint64_t done = 0;
	while (done < size) {
		loff_t ioff = (loff_t)done, ooff = (loff_t)done;
		ssize_t n = copy_file_range(in, &ioff, out, &ooff, (size_t)(size - done), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 &&
		    (errno == EXDEV || errno == EOPNOTSUPP || errno == EINVAL || errno == ENOSYS))
			return copy_by_read(in, out, done, size);
		if (n <= 0)
			return n < 0 ? -errno : -ESTALE;
		done += (uint64_t)n;
	}
	return 0;
}

static int copy_content(int in, int out, uint64_t size)
{
	return store_copy_data(in, out, size);
}

int store_stage_copy(struct store *s, int srcfd, const struct stat *st, const struct xattr_set *xa,
		     char *tmpname, size_t size, struct uc_error *err)
{
	snprintf(tmpname, size, "%ld.%u", (long)s->pid, atomic_fetch_add(&s->tmpseq, 1));
	/* created with its permission bits (store/tmp is root's, 0700: nobody
	 * sees it before it is whole) so that mostly no fchmod is needed */
	int fd = openat(s->tmpfd, tmpname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			st->st_mode & 0777);
	if (fd < 0)
		return uc_fail_errno(err, errno, "store %s/tmp", s->path);
	struct timespec times[2] = {st->st_mtim, st->st_mtim};
	int r = copy_content(srcfd, fd, (uint64_t)st->st_size);
	/* owner and mode before xattrs: chown would clear setuid bits and caps */
	if (r == 0)
		r = fs_set_owner_mode(fd, st->st_uid, st->st_gid, st->st_mode);
	if (r == 0 && xa)
		r = xattrs_apply(fd, xa);
	if (r == 0 && futimens(fd, times) < 0)
		r = -errno;
	close(fd);
	if (r < 0) {
		unlinkat(s->tmpfd, tmpname, 0);
		return uc_fail_errno(err, r, "copy into store %s/tmp", s->path);
	}
	return 0;
}

int store_place(struct store *s, const char *tmpname, const char *name, struct uc_error *err)
{
	char sub[3] = {name[0], name[1], 0};
	int r = renameat2(s->tmpfd, tmpname, s->objfd, name, RENAME_NOREPLACE) < 0 ? -errno : 0;
	if (r == -ENOENT && (r = mkdir_0700(s->objfd, sub)) == 0 &&
	    renameat2(s->tmpfd, tmpname, s->objfd, name, RENAME_NOREPLACE) < 0)
		r = -errno;
	if (r < 0 && r != -EEXIST)
		return uc_fail_errno(err, r, "place %s/objects/%s", s->path, name);
	if (r == 0) {
		struct stat st;
		if (fstatat(s->objfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			remember(s, &st);
	}
	return r;
}

/* d_type is a hint: filesystems that do not fill it in (XFS with ftype=0,
 * common on EL7; ext4 without the filetype feature) say DT_UNKNOWN, and
 * then only a stat tells a directory. */
static bool entry_is_dir(int dfd, const struct dirent *de)
{
	if (de->d_type != DT_UNKNOWN)
		return de->d_type == DT_DIR;
	struct stat st;
	return fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

/* Unlink one non-directory; a +i object needs the flag off for the moment
 * (we hold the store's lock), and back on for its other names. */
static int rm_entry(int dfd, const char *name)
{
	if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EPERM)
		return -errno;
	int f = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (f < 0)
		return -errno;
	int r = fs_set_immutable(f, false);
	if (r == 0 && unlinkat(dfd, name, 0) < 0)
		r = -errno;
	struct stat st;
	if (fstat(f, &st) == 0 && st.st_nlink > 0)
		fs_set_immutable(f, true);
	close(f);
	return r;
}

/* Remove a directory tree of ours. Goes on past a failure so that as much
 * as possible goes, and returns the first one (-errno), 0 when all went. */
int store_rm_tree(int dfd, const char *name)
{
	DIR *d = path_opendir_at(dfd, name);
	if (!d && (errno == ENOTDIR || errno == ELOOP))
		return rm_entry(dfd, name); /* not a directory: just the name */
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	int first = 0, r;
	struct dirent *de;
	errno = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		r = entry_is_dir(dirfd(d), de) ? store_rm_tree(dirfd(d), de->d_name)
					       : rm_entry(dirfd(d), de->d_name);
		if (r < 0 && first == 0)
			first = r;
		errno = 0;
	}
	if (errno && first == 0)
		first = -errno;
	closedir(d);
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT && first == 0)
		first = -errno;
	return first;
}

int store_rm_path(const char *path)
{
	char parent[PATH_MAX];
	if (snprintf(parent, sizeof(parent), "%s", path) >= (int)sizeof(parent))
		return -ENAMETOOLONG;
	char *sl = strrchr(parent, '/');
	if (!sl)
		return -EINVAL;
	*sl = '\0';
	int pfd = open(*parent ? parent : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return errno == ENOENT ? 0 : -errno;
	int r = store_rm_tree(pfd, sl + 1);
	close(pfd);
	return r;
}
