/* tree/ and stubs/ of a new generation, one index entry at a time, in path
 * order: directories, links, devices, config files (private copies) and
 * shared files (a hardlink to the store object in tree/, a sparse stub
 * naming it in stubs/), each with the host's owner, mode, times and xattrs.
 * tree/ (skel_make_entry) and stubs/ (skel_make_stub: directories and
 * stubs) are made by two threads; what stubs/ shares with tree/ (links,
 * devices, config files) is linked in after both (skel_link_stub). */
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

/* The host file of e (or the previous tree's: srcfd), opened inside its
 * root, and still the inode the walk saw: -ESTALE if it was replaced since.
 * st gets its fstat. */
int skel_open_host_file(struct gen_build *b, int srcfd, const struct idx_ent *e, struct stat *st)
{
	bool ours = srcfd == b->prevtreefd; /* our own tree: other inode numbers */
	int fd = e->cls == W_WRAPPER && !ours
		     ? skel_wrapper_open(&b->wrap) /* not the host's program */
		     : path_open_in_root(srcfd, e->path,
					 O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0);
	if (fd < 0)
		return fd;
	if (fstat(fd, st) < 0 ||
	    (!ours && e->cls != W_WRAPPER && (st->st_ino != e->ino || st->st_dev != e->dev)) ||
	    !S_ISREG(st->st_mode)) {
		close(fd);
		return -ESTALE; /* replaced since the stat: taken at the next update */
	}
	return fd;
}

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

void skel_pdir_init(struct skel_pdir *c, int rootfd)
{
	c->rootfd = rootfd;
	c->fd = -1;
	c->path[0] = '\0';
}

void skel_pdir_release(struct skel_pdir *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* The parent directory of path in c's tree (tree/ or stubs/), opened without
 * following any symlink: a wanted path below a symlinked directory of the
 * host (merged /usr: /lib -> usr/lib) is reached through its real path,
 * never through a link of the tree — which could point anywhere on this
 * machine. Entries come sorted, so siblings share it. */
static int pdir_of(struct skel_pdir *c, const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (c->fd >= 0 && strcmp(dir, c->path) == 0)
		return c->fd;
	skel_pdir_release(c);
	c->path[0] = '\0';
	c->fd = path_open_beneath(c->rootfd, dir[0] ? dir + 1 : ".", O_PATH | O_DIRECTORY, 0);
	if (c->fd < 0)
		return c->fd;
	snprintf(c->path, sizeof(c->path), "%s", dir);
	return c->fd;
}

/* Where entry i is read from: the sysroot, or the previous generation's
 * tree (update-list, --dont-clean). */
static int src_of(const struct gen_build *b, size_t i)
{
	return b->from_prev[i] ? b->prevtreefd : b->rootfd;
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

static int host_xattrs(int srcfd, const char *path, struct xattr_set *xa)
{
	int fd = path_open_in_root(srcfd, path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, 0);
	memset(xa, 0, sizeof(*xa));
	if (fd < 0)
		return 0; /* a directory we may not read: its xattrs stay behind */
	int r = xattrs_read(fd, xa);
	close(fd);
	return r;
}

/* Directory e in the tree of dirfd (tree/ or stubs/), with the host's owner,
 * mode and xattrs (bare: a home parent, none). */
static int make_dir(int dirfd, int srcfd, const struct idx_ent *e, const char *base, bool bare)
{
	struct xattr_set xa = {0};
	int r = bare ? 0 : host_xattrs(srcfd, e->path, &xa);
	int fd = -1;
	if (r < 0)
		return r;
	if (mkdirat(dirfd, base, e->mode & 0777) < 0) /* set_meta: mostly no fchmod */
		r = -errno;
	else if ((fd = openat(dirfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		r = -errno;
	else
		r = set_meta(fd, e, &xa, false);
	if (fd >= 0)
		close(fd);
	xattrs_release(&xa);
	return r;
}

static int make_link(struct gen_build *b, int srcfd, const struct idx_ent *e, int dirfd,
		     const char *base, char *target, size_t size)
{
	ssize_t n = -1;
	_cleanup_close_ int fd = path_open_in_root(srcfd, e->path, O_PATH | O_NOFOLLOW, 0);
	if (fd >= 0)
		n = readlinkat(fd, "", target, size - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	if (symlinkat(target, dirfd, base) < 0 ||
	    fchownat(dirfd, base, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	b->st->links++;
	return 0;
}

static int make_device(struct gen_build *b, const struct idx_ent *e, int dirfd, const char *base,
		       const struct stat *st)
{
	if (mknodat(dirfd, base, e->mode, st->st_rdev) < 0 ||
	    fchownat(dirfd, base, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	b->st->devices++;
	return 0;
}

/* A config file: a private copy in tree/ (not +i; hardlinked into stubs/
 * by skel_link_stub). */
static int make_config(struct gen_build *b, int srcfd, const struct idx_ent *e, int dirfd,
		       const char *base)
{
	struct stat ist;
	_cleanup_close_ int in = skel_open_host_file(b, srcfd, e, &ist);
	if (in < 0)
		return in;
	struct xattr_set xa;
	if (xattrs_read(in, &xa) < 0)
		return -errno;
	int out = openat(dirfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			 e->mode & 0777);
	int r = out < 0 ? -errno : store_copy_data(in, out, e->size);
	if (r == 0)
		r = set_meta(out, e, &xa, true);
	if (out >= 0)
		close(out);
	xattrs_release(&xa);
	b->st->bytes_read += e->size;
	b->st->config++;
	return r;
}

/* tree/'s name base for an object already in the store: one that is +i is
 * unset for the moment (under the store's lock) and set again. */
static int link_stored(struct gen_build *b, const char *name, int dirfd, const char *base)
{
	_cleanup_close_ int ofd = openat(b->store.objfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (ofd < 0)
		return -errno;
	bool sealed = false;
	if (fs_get_immutable(ofd, &sealed) == 0 && sealed)
		fs_set_immutable(ofd, false);
	int r = linkat(ofd, "", dirfd, base, AT_EMPTY_PATH) < 0 ? -errno : 0;
	if (fs_set_immutable(ofd, true) < 0)
		b->st->immutable_unsupported++;
	return r;
}

/* A shared file in tree/: a hardlink to its object. A new one (staged in
 * this run, by this entry or one with the same bytes) is linked by its
 * store/tmp name: the stubs/ thread places it meanwhile (after its
 * syncfs), and a name missing there has just moved to objects/ (rename
 * is atomic: the inode is at one name or the other). It gets +i once tree/
 * is done (skel_seal_fresh). */
static int make_shared(struct gen_build *b, size_t i, int dirfd, const char *base)
{
	const struct idx_ent *e = &b->next.v[i];
	char name[OBJNAME_MAX];
	key_from_hex(e->key, e->suffix, name, sizeof(name));
	const char *tmp = b->staged[i]	  ? b->staged[i]
			  : b->same_as[i] ? b->staged[b->same_as[i] - 1]
					  : NULL;
	b->st->shared++;
	if (!tmp)
		return link_stored(b, name, dirfd, base);
	if (linkat(b->store.tmpfd, tmp, dirfd, base, 0) == 0)
		return 0;
	if (errno != ENOENT)
		return -errno;
	return linkat(b->store.objfd, name, dirfd, base, 0) < 0 ? -errno : 0;
}

/* A shared file's stub in stubs/: sparse, with the real size and metadata,
 * naming the object for overlayfs's data-only layer: trusted.overlay.metacopy
 * (empty) and .redirect "/XX/<20 hex>" (24 bytes: with no other xattr it
 * fits in a 256-byte ext4 inode, so a stub costs no data block). The
 * object's own xattrs are those its file had when this run read it (xa);
 * else the object was in the store already and is asked. */
static int make_stub(struct gen_build *b, const struct idx_ent *e, const struct build_xa *bx,
		     int dirfd, const char *base)
{
	char name[OBJNAME_MAX], redirect[OBJNAME_MAX + 1];
	key_from_hex(e->key, e->suffix, name, sizeof(name));
	struct xattr_set own = {0};
	if (!bx->have) {
		_cleanup_close_ int ofd =
		    openat(b->store.objfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (ofd < 0 || xattrs_read(ofd, &own) < 0)
			return -errno;
	}
	int s = openat(dirfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		       e->mode & 0777);
	int r = s < 0 ? -errno : 0;
	if (r == 0 && ftruncate(s, (off_t)e->size) < 0)
		r = -errno;
	if (r == 0)
		r = set_meta(s, e, bx->have ? &bx->set : &own, true);
	snprintf(redirect, sizeof(redirect), "/%s", name);
	if (r == 0 && (fsetxattr(s, "trusted.overlay.metacopy", "", 0, 0) < 0 ||
		       fsetxattr(s, "trusted.overlay.redirect", redirect, strlen(redirect), 0) < 0))
		r = -errno;
	if (s >= 0)
		close(s);
	xattrs_release(&own);
	return r;
}

/* The wanted entry of path (ws is sorted by path), or NULL. */
static const struct wanted *wanted_of(const struct gen_build *b, const char *path)
{
	for (size_t lo = 0, hi = b->ws.n; lo < hi;) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(b->ws.v[mid].path, path);
		if (c == 0)
			return &b->ws.v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

char skel_stub_kind(const struct gen_build *b, size_t i)
{
	const struct idx_ent *e = &b->next.v[i];
	if (e->cls == W_NOT_TAKEN || strcmp(e->path, "/") == 0)
		return 0;
	if (S_ISDIR(e->mode)) {
		const struct wanted *w = wanted_of(b, e->path);
		return w && w->home_parent ? 'h' : 'd';
	}
	return S_ISREG(e->mode) && (e->cls == W_SHARED || e->cls == W_WRAPPER) ? 'f' : 0;
}

/* What makes two stubs the same file: the object they name (its key
 * covers the bytes, type, mode, owner and xattrs) and the metadata a stub
 * has of its own (size, times). Mode and owner are written out too: a key
 * kept from an earlier run's index was computed then, not from this
 * entry. */
static void stub_identity(const struct idx_ent *e, char *buf, size_t size)
{
	snprintf(buf, size, "%s.%u %o %u %u %lld %llu", e->key, e->suffix, (unsigned)e->mode,
		 (unsigned)e->uid, (unsigned)e->gid, (long long)e->mtime_ns,
		 (unsigned long long)e->size);
}

/* Entry i's stub as a hardlink of entry f's (made before it, same
 * identity): 0, or -errno (then a stub of its own is made). */
static int link_same_stub(struct gen_build *b, size_t f, int dirfd, const char *base)
{
	const char *path = b->next.v[f].path;
	int pfd = pdir_of(&b->pfirst, path); /* aliases come in runs: kept open */
	if (pfd < 0)
		return pfd;
	return linkat(pfd, strrchr(path, '/') + 1, dirfd, base, 0) < 0 ? -errno : 0;
}

/* A shared file's stub: files with the same bytes and metadata (zoneinfo's
 * aliases, say) share one stub inode, as in tree/ they share the object
 * (vunify's hardlinks: one inode fewer per such file; a write in a cage
 * copies up that path alone). */
static int make_or_link_stub(struct gen_build *b, size_t i, int dirfd, const char *base)
{
	const struct idx_ent *e = &b->next.v[i];
	char id[2 * OBJKEY_LEN + 96];
	size_t f;
	stub_identity(e, id, sizeof(id));
	int r = strset_insert(&b->stub_first, id, i, &f);
	if (r < 0)
		return r;
	if (r == 0 && link_same_stub(b, f, dirfd, base) == 0)
		return 0;
	/* the first of its identity, or its link failed: a stub of its own,
	 * the one later entries link to (EMLINK cannot come first: a stub has
	 * no more names than its object has in tree/, which the store keeps
	 * under the link limit of this filesystem) */
	if ((r = make_stub(b, e, &b->xa[i], dirfd, base)) == 0)
		r = strset_put(&b->stub_first, id, i) < 0 ? -ENOMEM : 0;
	return r;
}

int skel_make_stub(struct gen_build *b, struct skel_pdir *c, size_t i, char kind)
{
	const struct idx_ent *e = &b->next.v[i];
	int dirfd = pdir_of(c, e->path);
	if (dirfd < 0)
		return 0; /* as in tree/: the entry is not taken (skel_make_entry) */
	const char *base = strrchr(e->path, '/') + 1;
	if (kind == 'f')
		return make_or_link_stub(b, i, dirfd, base);
	return make_dir(dirfd, src_of(b, i), e, base, kind == 'h');
}

int skel_link_stub(struct gen_build *b, struct skel_pdir *t, struct skel_pdir *s, size_t i)
{
	const struct idx_ent *e = &b->next.v[i];
	unsigned fmt = e->mode & S_IFMT;
	if (e->cls == W_NOT_TAKEN || !(fmt == S_IFLNK || fmt == S_IFCHR || fmt == S_IFBLK ||
				       (fmt == S_IFREG && e->cls == W_CONFIG)))
		return 0;
	int tfd = pdir_of(t, e->path);
	if (tfd < 0)
		return tfd;
	/* the parent in stubs/ after the one in tree/: pdir_of's last fd is
	 * kept open for the next sibling */
	int sfd = pdir_of(s, e->path);
	if (sfd < 0)
		return sfd;
	const char *base = strrchr(e->path, '/') + 1;
	if (fmt == S_IFCHR || fmt == S_IFBLK) {
		struct stat st;
		if (fstatat(tfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    mknodat(sfd, base, e->mode, st.st_rdev) < 0 ||
		    fchownat(sfd, base, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
		return 0;
	}
	/* symlinks: stubs/ gets the same inode (linkat never follows a
	 * symlink without AT_SYMLINK_FOLLOW): one inode fewer to allocate per
	 * link, and the two trees cannot differ; config files: the private
	 * copy (never +i) */
	return linkat(tfd, base, sfd, base, 0) < 0 ? -errno : 0;
}

int skel_make_entry(struct gen_build *b, size_t i, struct manifest_writer *mw, struct uc_error *err)
{
	struct idx_ent *e = &b->next.v[i];
	const struct wanted *w = wanted_of(b, e->path);
	char target[PATH_MAX] = "";
	struct stat st;
	if (strcmp(e->path, "/") == 0)
		return 0; /* the roots exist */
	int dirfd = pdir_of(&b->ptree, e->path);
	if (dirfd < 0) {
		/* wanted paths are real paths (wanted.c): a parent that is not a
		 * directory of the tree is a host changed since the walk */
		uc_log(UC_LOG_WARN, "%s: a parent is not a directory in the skeleton: not taken",
		       e->path);
		e->cls = W_NOT_TAKEN;
		return 0;
	}
	const char *base = strrchr(e->path, '/') + 1;
	int srcfd = src_of(b, i);
	char type = 'f';
	int r;
	switch (e->mode & S_IFMT) {
	case S_IFDIR:
		type = 'd';
		r = make_dir(dirfd, srcfd, e, base, w && w->home_parent);
		b->st->dirs++;
		break;
	case S_IFLNK:
		type = 'l';
		r = make_link(b, srcfd, e, dirfd, base, target, sizeof(target));
		break;
	case S_IFCHR:
	case S_IFBLK: {
		type = S_ISCHR(e->mode) ? 'c' : 'b';
		_cleanup_close_ int fd = path_open_in_root(srcfd, e->path, O_PATH | O_NOFOLLOW, 0);
		if (!w || !w->device_ok || fd < 0 || fstat(fd, &st) < 0) {
			b->st->devices_skipped++;
			e->cls = W_NOT_TAKEN;
			return 0;
		}
		r = make_device(b, e, dirfd, base, &st);
		break;
	}
	case S_IFREG:
		r = e->cls == W_CONFIG ? make_config(b, srcfd, e, dirfd, base)
				       : make_shared(b, i, dirfd, base);
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
