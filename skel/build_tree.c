/* tree/ and stubs/ of a new generation, one index entry at a time, in path
 * order: directories, links, devices, config files (private copies) and
 * shared files (a hardlink to the store object in tree/, a sparse stub
 * naming it in stubs/), each with the host's owner, mode, times and xattrs. */
#include "skel/build_int.h"

#include "lib/cleanup.h"
#include "lib/log.h"
#include "skel/wanted.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

/* The host file of e (or the previous tree's), opened inside its root, and
 * still the inode the walk saw: -ESTALE if it was replaced since. */
int skel_open_host_file(struct gen_build *b, const struct idx_ent *e)
{
	if (e->cls == W_WRAPPER && b->srcfd != b->prevtreefd)
		return skel_wrapper_open(&b->wrap); /* not the host's program */
	int fd =
	    path_open_in_root(b->srcfd, e->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0);
	struct stat st;
	if (fd < 0)
		return fd;
	bool ours = b->srcfd == b->prevtreefd; /* our own tree: other inode numbers */
	if (fstat(fd, &st) < 0 || (!ours && (st.st_ino != e->ino || st.st_dev != e->dev)) ||
	    !S_ISREG(st.st_mode)) {
		close(fd);
		return -ESTALE; /* replaced since the stat: taken at the next update */
	}
	return fd;
}

/* New objects whose last name was never linked (a file changed since its
 * stat is not taken): +i all the same. */
void skel_seal_fresh(struct gen_build *b)
{
	for (size_t i = 0; i < b->fresh.cap; i++) {
		if (!b->fresh.v[i] || b->fresh.val[i] == 0)
			continue;
		_cleanup_close_ int fd =
		    openat(b->store.objfd, b->fresh.v[i], O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fs_set_immutable(fd, true) < 0)
			b->st->immutable_unsupported++;
		b->fresh.val[i] = 0;
	}
}

/* ---- tree/ and stubs/ ----------------------------------------------------- */

/* The parent directory of path in tree/ and stubs/, opened without following
 * any symlink: a wanted path below a symlinked directory of the host (merged
 * /usr: /lib -> usr/lib) is reached through its real path, never through a
 * link of the tree — which could point anywhere on this machine. */
static int parents(struct gen_build *b, const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (b->ptree >= 0 && strcmp(dir, b->parent) == 0)
		return 0;
	if (b->ptree >= 0)
		close(b->ptree);
	if (b->pstub >= 0)
		close(b->pstub);
	b->ptree = b->pstub = -1;
	b->parent[0] = '\0';
	const char *r = dir[0] ? dir + 1 : ".";
	b->ptree = path_open_beneath(b->treefd, r, O_PATH | O_DIRECTORY, 0);
	b->pstub = path_open_beneath(b->stubfd, r, O_PATH | O_DIRECTORY, 0);
	if (b->ptree < 0 || b->pstub < 0)
		return b->ptree < 0 ? b->ptree : b->pstub;
	snprintf(b->parent, sizeof(b->parent), "%s", dir);
	return 0;
}

static int set_meta(int fd, const struct idx_ent *e, const struct xattr_set *xa, bool times)
{
	int r = fs_set_owner_mode(fd, e->uid, e->gid, e->mode);
	if (r == 0 && xa)
		r = xattrs_apply(fd, xa);
	struct timespec t[2] = {{e->mtime_ns / 1000000000, e->mtime_ns % 1000000000},
				{e->mtime_ns / 1000000000, e->mtime_ns % 1000000000}};
	if (r == 0 && times && futimens(fd, t) < 0)
		r = -errno;
	return r;
}

static int host_xattrs(struct gen_build *b, const char *path, struct xattr_set *xa)
{
	int fd = path_open_in_root(b->srcfd, path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, 0);
	memset(xa, 0, sizeof(*xa));
	if (fd < 0)
		return 0; /* a directory we may not read: its xattrs stay behind */
	int r = xattrs_read(fd, xa);
	close(fd);
	return r;
}

static int make_dir(struct gen_build *b, const struct idx_ent *e, const char *base, bool bare)
{
	struct xattr_set xa = {0};
	int r = bare ? 0 : host_xattrs(b, e->path, &xa); /* bare: a home parent, no ACL */
	int fds[2] = {-1, -1}, dirs[2] = {b->ptree, b->pstub};
	for (int i = 0; r == 0 && i < 2; i++) {
		if (mkdirat(dirs[i], base, e->mode & 0777) < 0) /* set_meta: mostly no fchmod */
			r = -errno;
		else if ((fds[i] = openat(dirs[i], base,
					  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
			r = -errno;
		else
			r = set_meta(fds[i], e, &xa, false);
	}
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	xattrs_release(&xa);
	b->st->dirs++;
	return r;
}

static int make_link(struct gen_build *b, const struct idx_ent *e, const char *base, char *target,
		     size_t size)
{
	ssize_t n = -1;
	_cleanup_close_ int fd = path_open_in_root(b->srcfd, e->path, O_PATH | O_NOFOLLOW, 0);
	if (fd >= 0)
		n = readlinkat(fd, "", target, size - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	/* stubs/ gets the same inode (linkat never follows a symlink without
	 * AT_SYMLINK_FOLLOW): one inode fewer to allocate per link, and the
	 * two trees cannot differ */
	if (symlinkat(target, b->ptree, base) < 0 ||
	    fchownat(b->ptree, base, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) < 0 ||
	    linkat(b->ptree, base, b->pstub, base, 0) < 0)
		return -errno;
	b->st->links++;
	return 0;
}

static int make_device(struct gen_build *b, const struct idx_ent *e, const char *base,
		       const struct stat *st)
{
	int dirs[2] = {b->ptree, b->pstub};
	for (int i = 0; i < 2; i++)
		if (mknodat(dirs[i], base, e->mode, st->st_rdev) < 0 ||
		    fchownat(dirs[i], base, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
	b->st->devices++;
	return 0;
}

/* A config file: a private copy in tree/, hardlinked into stubs/ (not +i). */
static int make_config(struct gen_build *b, const struct idx_ent *e, const char *base)
{
	_cleanup_close_ int in = skel_open_host_file(b, e);
	if (in < 0)
		return in;
	struct xattr_set xa;
	if (xattrs_read(in, &xa) < 0)
		return -errno;
	int out = openat(b->ptree, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			 e->mode & 0777);
	int r = out < 0 ? -errno : store_copy_data(in, out, e->size);
	if (r == 0)
		r = set_meta(out, e, &xa, true);
	if (out >= 0)
		close(out);
	xattrs_release(&xa);
	if (r == 0 && linkat(b->ptree, base, b->pstub, base, 0) < 0)
		r = -errno;
	b->st->bytes_read += e->size;
	b->st->config++;
	return r;
}

/* tree/'s name base for the object ofd (name in the store). A new object
 * is linked as it is and sealed after its last name; one already +i is
 * unset for the moment (under the store's lock) and set again. */
static int link_object(struct gen_build *b, int ofd, const char *name, const char *base)
{
	size_t left = 0;
	bool fresh = strset_get(&b->fresh, name, &left) && left > 0;
	bool sealed = false;
	if (!fresh && fs_get_immutable(ofd, &sealed) == 0 && sealed)
		fs_set_immutable(ofd, false);
	int r = linkat(ofd, "", b->ptree, base, AT_EMPTY_PATH) < 0 ? -errno : 0;
	if (fresh && strset_put(&b->fresh, name, --left) < 0)
		r = r < 0 ? r : -ENOMEM;
	if ((!fresh || left == 0) && fs_set_immutable(ofd, true) < 0)
		b->st->immutable_unsupported++;
	return r;
}

/* A shared file: tree/ gets a hardlink to its object; stubs/ a sparse stub
 * with the real size and metadata naming the object for overlayfs's
 * data-only layer: trusted.overlay.metacopy (empty) and .redirect
 * "/XX/<20 hex>" (24 bytes: with no other xattr it fits in a 256-byte ext4
 * inode, so a stub costs no data block). */
static int make_shared(struct gen_build *b, const struct idx_ent *e, const char *base)
{
	char name[OBJNAME_MAX], redirect[OBJNAME_MAX + 1];
	key_from_hex(e->key, e->suffix, name, sizeof(name));
	_cleanup_close_ int ofd = openat(b->store.objfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (ofd < 0)
		return -errno;
	int r = link_object(b, ofd, name, base);
	if (r < 0)
		return r;
	struct xattr_set xa;
	struct stat ost;
	if (xattrs_read(ofd, &xa) < 0 || fstat(ofd, &ost) < 0)
		return -errno;
	int s = openat(b->pstub, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		       e->mode & 0777);
	r = s < 0 ? -errno : 0;
	if (r == 0 && ftruncate(s, (off_t)e->size) < 0)
		r = -errno;
	if (r == 0)
		r = set_meta(s, e, &xa, true);
	snprintf(redirect, sizeof(redirect), "/%s", name);
	if (r == 0 && (fsetxattr(s, "trusted.overlay.metacopy", "", 0, 0) < 0 ||
		       fsetxattr(s, "trusted.overlay.redirect", redirect, strlen(redirect), 0) < 0))
		r = -errno;
	if (s >= 0)
		close(s);
	xattrs_release(&xa);
	b->st->shared++;
	return r;
}

int skel_make_entry(struct gen_build *b, size_t i, struct manifest_writer *mw, struct uc_error *err)
{
	struct idx_ent *e = &b->next.v[i];
	const struct wanted *w = NULL;
	char target[PATH_MAX] = "";
	struct stat st;
	for (size_t lo = 0, hi = b->ws.n; lo < hi && !w;) { /* ws is sorted by path */
		size_t mid = (lo + hi) / 2;
		int c = strcmp(b->ws.v[mid].path, e->path);
		if (c == 0)
			w = &b->ws.v[mid];
		else if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (strcmp(e->path, "/") == 0)
		return 0; /* the roots exist */
	int r = parents(b, e->path);
	if (r < 0) {
		/* wanted paths are real paths (wanted.c): a parent that is not a
		 * directory of the tree is a host changed since the walk */
		uc_log(UC_LOG_WARN, "%s: a parent is not a directory in the skeleton: not taken",
		       e->path);
		e->cls = W_NOT_TAKEN;
		return 0;
	}
	const char *base = strrchr(e->path, '/') + 1;
	char type = 'f';
	st.st_rdev = 0;
	switch (e->mode & S_IFMT) {
	case S_IFDIR:
		type = 'd';
		r = make_dir(b, e, base, w && w->home_parent);
		break;
	case S_IFLNK:
		type = 'l';
		r = make_link(b, e, base, target, sizeof(target));
		break;
	case S_IFCHR:
	case S_IFBLK: {
		type = S_ISCHR(e->mode) ? 'c' : 'b';
		_cleanup_close_ int fd =
		    path_open_in_root(b->srcfd, e->path, O_PATH | O_NOFOLLOW, 0);
		if (!w || !w->device_ok || fd < 0 || fstat(fd, &st) < 0) {
			b->st->devices_skipped++;
			e->cls = W_NOT_TAKEN;
			return 0;
		}
		r = make_device(b, e, base, &st);
		break;
	}
	case S_IFREG:
		r = e->cls == W_CONFIG ? make_config(b, e, base) : make_shared(b, e, base);
		b->st->files++;
		b->st->bytes += e->size;
		break;
	default:
		e->cls = W_NOT_TAKEN; /* sockets and fifos are not skeleton material */
		return 0;
	}
	if (r == -ESTALE) {
		e->cls = W_NOT_TAKEN; /* changed since its stat: taken at the next update */
		return 0;
	}
	if (r < 0)
		return uc_fail_errno(err, r, "skeleton: %s", e->path);
	b->st->paths++;
	struct manifest_rec rec = {e->path,
				   type,
				   e->mode & 07777,
				   e->uid,
				   e->gid,
				   e->size,
				   e->mtime_ns / 1000000000,
				   e->cls == W_OTHER	 ? '-'
				   : e->cls == W_WRAPPER ? W_SHARED
							 : e->cls,
				   e->cls == W_SHARED || e->cls == W_WRAPPER ? e->key : target,
				   w && w->pkg ? w->pkg : ""};
	return manifest_add(mw, &rec) < 0 ? uc_fail(err, UC_INTERNAL, "writing manifest.zst") : 0;
}
