/* Building a generation: the wanted set taken from sysroot into a new
 * gen-N.tmp (tree/, stubs/, manifest.zst, index), renamed to gen-N, then
 * `current` switched by rename(2). Nothing published is ever modified. */
#include "skel/skel.h"

#include "lib/cleanup.h"
#include "lib/log.h"
#include "lib/path.h"
#include "lib/store.h"
#include "skel/gens.h"
#include "skel/elfscan.h"
#include "skel/index.h"
#include "skel/manifest.h"
#include "skel/noop.h"
#include "skel/wanted.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

struct gen_build {
	const struct skel_opts *o;
	struct skel_stats *st;
	int rootfd, skelfd, genfd, treefd, stubfd;
	struct store store;
	struct skel_index prev, next;
	bool have_prev;		    /* a current generation exists */
	struct wanted_probe probe;  /* the no-op fast path of the walk */
	atomic_uchar *prev_hit;	    /* per prev entry: found unchanged by the probe */
	struct path_dircache sigdc; /* signature(): the last parent directory */
	int prevtreefd;		    /* the current generation's tree/ */
	bool *from_prev;	    /* per next entry: taken from the previous generation */
	int srcfd;		    /* where the entry being made is read: sysroot or prevtree */
	struct wanted_set ws;
	struct rpmcache rpm_prev; /* skel/rpm-files: the packages' files as last read */
	bool rpm_read;		  /* the rpmdb was read: rpm-files is written again */
	struct wanted_rpm wrpm;
	/* the parent directory last opened in tree/ and stubs/ (entries come
	 * sorted, so siblings share it) */
	char parent[PATH_MAX];
	int ptree, pstub;
	char **staged;	    /* per next-index entry: store/tmp name of its new object */
	struct strset keys; /* keys staged in this run (identical files: one copy) */
	size_t nstaged;
	struct strv prev_elf;	  /* the current generation's elfdeps additions */
	struct strv prev_recheck; /* ... the objects to look at again */
	bool prev_elf_missing;	  /* ... it misses libraries and has no recheck list */
};

static bool suid_allowed(const struct uc_config *cfg, const char *path)
{
	return strv_contains(&cfg->suid_allow, path);
}

/* The object name of a key kept as hex in an index. */
static void key_from_hex(const char *hex, unsigned suffix, char *name, size_t size)
{
	struct objkey key;
	objkey_from_hex(hex, &key);
	objkey_name(&key, suffix, name, size);
}

/* ---- what the host has: one stat per wanted path -------------------------- */

/* What the skeleton makes of a host path: its identity and the result
 * (class, mode after setuid stripping). Pure: the walking threads use it. */
static void make_sig(const struct uc_config *cfg, const char *path, char cls, bool device_ok,
		     const struct stat *st, struct idx_ent *e)
{
	memset(e, 0, sizeof(*e));
	e->path = (char *)path;
	index_fill_stat(e, st);
	e->cls = S_ISREG(st->st_mode) ? cls : W_OTHER;
	/* decided the same way every time: devices not named in devices=,
	 * sockets and fifos are not skeleton material */
	if (S_ISFIFO(st->st_mode) || S_ISSOCK(st->st_mode) ||
	    ((S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) && !device_ok))
		e->cls = W_NOT_TAKEN;
	if (S_ISREG(st->st_mode) && (st->st_mode & (S_ISUID | S_ISGID)) && cfg->strip_suid &&
	    !suid_allowed(cfg, path))
		e->mode &= ~(unsigned)(S_ISUID | S_ISGID);
}

static bool signature(struct gen_build *b, const struct wanted *w, struct idx_ent *e,
		      struct stat *st)
{
	if (w->have_st) {
		*st = w->st; /* the walk's lstat: no second lookup of the path */
	} else if (path_lstat_in_root(&b->sigdc, b->rootfd, w->path, st) < 0) {
		return false;
	}
	make_sig(b->o->cfg, w->path, w->cls, w->device_ok, st, e);
	if (S_ISREG(st->st_mode) && (st->st_mode & (S_ISUID | S_ISGID)))
		(*(e->mode & (S_ISUID | S_ISGID) ? &b->st->suid_kept : &b->st->suid_stripped))++;
	return true;
}

/* The no-op fast path: the walking threads ask, per path, whether the
 * current generation took it exactly so (read-only lookups: thread-safe). */
static bool same_as_prev(const void *ctx, const char *path, const struct stat *st, char cls)
{
	const struct gen_build *b = ctx;
	struct idx_ent e;
	make_sig(b->o->cfg, path, cls, false, st, &e);
	const struct idx_ent *pe = index_find(&b->prev, path);
	if (!pe || !index_same(pe, &e))
		return false;
	atomic_store_explicit(&b->prev_hit[pe - b->prev.v], 1, memory_order_relaxed);
	return true;
}

struct pick {
	struct idx_ent e;
	bool prev; /* as the previous generation has it */
};

struct picks {
	struct pick *v;
	size_t n, cap;
	struct strset paths;
};

static int pick_add(struct picks *p, const struct idx_ent *e, bool prev)
{
	int ins = strset_insert(&p->paths, e->path, 0, NULL);
	if (ins <= 0)
		return ins; /* picked already (or ENOMEM) */
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 1024;
		struct pick *v = realloc(p->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n] = (struct pick){*e, prev};
	if (!(p->v[p->n].e.path = strdup(e->path)))
		return -ENOMEM;
	p->n++;
	return 0;
}

static int cmp_pick(const void *a, const void *b)
{
	return strcmp(((const struct pick *)a)->e.path, ((const struct pick *)b)->e.path);
}

/* What the new generation holds: wanted paths from the host; with
 * update-list only the listed ones (the rest as the current generation has
 * it); with --dont-clean also what is no longer wanted, as it was. */
static int pick_all(struct gen_build *b, struct picks *p)
{
	const struct strv *only = b->o->only;
	int r = 0;
	for (size_t i = 0; r == 0 && i < b->ws.n; i++) {
		const struct wanted *w = &b->ws.v[i];
		const struct idx_ent *pe = index_find(&b->prev, w->path);
		if (only && !path_under_any(only, w->path) &&
		    !(path_above_any(only, w->path) && !pe)) {
			if (pe)
				r = pick_add(p, pe, true);
			continue;
		}
		struct idx_ent e;
		struct stat st;
		if (!signature(b, w, &e, &st)) {
			b->st->missing++;
			continue;
		}
		if (pe && pe->cls == 's' && index_same(pe, &e)) {
			snprintf(e.key, sizeof(e.key), "%s", pe->key);
			e.suffix = pe->suffix;
		}
		r = pick_add(p, &e, false);
	}
	for (size_t i = 0; r == 0 && i < b->prev.n; i++) {
		const struct idx_ent *pe = &b->prev.v[i];
		bool keep = only ? !path_under_any(only, pe->path) : b->o->dont_clean;
		if (keep)
			r = pick_add(p, pe, true); /* (no-op if already picked) */
	}
	return r;
}

/* The usual no-op update: every wanted path as the current generation took
 * it, nothing else there. Checked before anything is built or copied. */
static bool unchanged(struct gen_build *b)
{
	if (!b->have_prev || b->o->only || b->o->dont_clean || !b->prev_hit)
		return false;
	if (b->probe.differs)
		return false;
	for (size_t i = 0; i < b->ws.n; i++) {
		struct idx_ent e;
		struct stat st;
		if (!signature(b, &b->ws.v[i], &e, &st))
			continue;
		const struct idx_ent *pe = index_find(&b->prev, e.path);
		if (!pe || !index_same(pe, &e))
			return false;
		b->prev_hit[pe - b->prev.v] = 1;
	}
	/* every entry of the current generation seen again, each once (a
	 * path both walked and named directly counts once) */
	for (size_t i = 0; i < b->prev.n; i++)
		if (!b->prev_hit[i])
			return false;
	return true;
}

/* update -n -v: every path that differs from the current generation. */
static int note_diff(struct gen_build *b, const char *what, const char *path)
{
	if (!b->o->diffs || !b->have_prev)
		return 0;
	char *line = NULL;
	if (asprintf(&line, "%s %s", what, path) < 0)
		return -ENOMEM;
	return strv_push_owned(b->o->diffs, line);
}

static int collect(struct gen_build *b, bool *changed, struct uc_error *err)
{
	if (b->prev_hit) /* this set was built whole: no probe hits count */
		memset(b->prev_hit, 0, b->prev.n * sizeof(*b->prev_hit));
	if (unchanged(b)) {
		*changed = false;
		return 0;
	}
	b->st->suid_stripped = b->st->suid_kept = 0; /* counted again below */
	struct picks p = {0};
	*changed = !b->have_prev;
	int r = pick_all(b, &p);
	bool sorted = true; /* the usual case: wanted order, nothing kept */
	for (size_t i = 1; sorted && i < p.n; i++)
		sorted = strcmp(p.v[i - 1].e.path, p.v[i].e.path) < 0;
	if (r == 0 && !sorted)
		qsort(p.v, p.n, sizeof(*p.v), cmp_pick);
	b->from_prev = calloc(p.n + 1, sizeof(*b->from_prev));
	if (!b->from_prev)
		r = -ENOMEM;
	for (size_t i = 0; r == 0 && i < p.n; i++) {
		const struct idx_ent *pe = index_find(&b->prev, p.v[i].e.path);
		if (!pe || !index_same(pe, &p.v[i].e)) {
			*changed = true;
			r = note_diff(b, pe ? "changed" : "new", p.v[i].e.path);
		}
		b->from_prev[i] = p.v[i].prev;
		unsigned fmt = p.v[i].e.mode & S_IFMT;
		if (p.v[i].e.cls == W_NOT_TAKEN && (fmt == S_IFCHR || fmt == S_IFBLK))
			b->st->devices_skipped++;
		r = index_add(&b->next, &p.v[i].e);
	}
	for (size_t i = 0; i < p.n; i++)
		free(p.v[i].e.path);
	free(p.v);
	strset_release(&p.paths);
	for (size_t i = 0; r == 0 && b->o->diffs && i < b->prev.n; i++)
		if (!index_find(&b->next, b->prev.v[i].path))
			r = note_diff(b, "gone", b->prev.v[i].path);
	if (b->next.n != b->prev.n)
		*changed = true;
	return r < 0 ? uc_fail(err, UC_INTERNAL, "out of memory") : 0;
}

/* ---- objects -------------------------------------------------------------- */

static int open_host_file(struct gen_build *b, const struct idx_ent *e)
{
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

/* The object of one shared file: reused from the index without reading, or
 * hashed, looked up (bytes compared) and, when new, staged as a copy. */
static int object_for(struct gen_build *b, size_t i, struct uc_error *err)
{
	struct idx_ent *e = &b->next.v[i];
	char name[OBJNAME_MAX];
	struct objkey key;
	if (e->key[0]) {
		key_from_hex(e->key, e->suffix, name, sizeof(name));
		struct stat ost;
		if (fstatat(b->store.objfd, name, &ost, AT_SYMLINK_NOFOLLOW) == 0) {
			b->st->unchanged_unread++;
			b->st->objects_reused++;
			return 0;
		}
	}
	_cleanup_close_ int fd = open_host_file(b, e);
	if (fd < 0)
		return fd;
	struct stat st;
	struct xattr_set xa;
	if (fstat(fd, &st) < 0 || xattrs_read(fd, &xa) < 0)
		return -errno;
	st.st_mode = e->mode; /* setuid bits as the skeleton has them */
	int r = objkey_compute(fd, &st, &xa, false, &key);
	b->st->bytes_read += (uint64_t)st.st_size;
	struct obj_src src = {fd, &st, &xa, false, &key};
	struct store_obj obj = {.fd = -1};
	if (r == 0)
		r = store_lookup(&b->store, &src, &obj, err);
	b->st->bytes_read += r == 1 ? (uint64_t)st.st_size : 0; /* the byte compare */
	char hex[2 * OBJKEY_LEN + 1];
	objkey_hex(&key, hex);
	if (r == 1) {
		b->st->objects_reused++;
	} else if (r == 0 && !strset_contains(&b->keys, hex)) {
		char tmp[64];
		r = store_stage_copy(&b->store, fd, &st, &xa, tmp, sizeof(tmp), err);
		if (r == 0 && (!(b->staged[i] = strdup(tmp)) || strset_add(&b->keys, hex) < 0))
			r = -ENOMEM;
		b->nstaged += r == 0;
	}
	store_obj_close(&obj);
	xattrs_release(&xa);
	if (r >= 0) {
		objkey_hex(&key, e->key);
		e->suffix = obj.suffix;
	}
	return r < 0 ? r : 0;
}

/* After one syncfs: the staged copies move to their names. */
static int place_staged(struct gen_build *b, struct uc_error *err)
{
	if (b->nstaged && syncfs(b->store.fd) < 0)
		return uc_fail_errno(err, errno, "syncfs of the store");
	for (size_t i = 0; i < b->next.n; i++) {
		struct idx_ent *e = &b->next.v[i];
		if (!b->staged[i])
			continue;
		char name[OBJNAME_MAX];
		key_from_hex(e->key, e->suffix, name, sizeof(name));
		int r = store_place(&b->store, b->staged[i], name, err);
		if (r == -EEXIST)
			unlinkat(b->store.tmpfd, b->staged[i], 0); /* placed by an identical file */
		else if (r < 0)
			return r;
		b->st->objects_created += r == 0;
	}
	return 0;
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
	_cleanup_close_ int in = open_host_file(b, e);
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
	bool sealed = false;
	fs_get_immutable(ofd, &sealed);
	if (sealed)
		fs_set_immutable(ofd, false);
	int r = linkat(ofd, "", b->ptree, base, AT_EMPTY_PATH) < 0 ? -errno : 0;
	if (fs_set_immutable(ofd, true) < 0)
		b->st->immutable_unsupported++;
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

static int make_entry(struct gen_build *b, size_t i, struct manifest_writer *mw,
		      struct uc_error *err)
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
				   e->cls == W_OTHER ? '-' : e->cls,
				   e->cls == W_SHARED ? e->key : target,
				   w && w->pkg ? w->pkg : ""};
	return manifest_add(mw, &rec) < 0 ? uc_fail(err, UC_INTERNAL, "writing manifest.zst") : 0;
}

/* A progress line on a terminal: what phase, how far. */
static void progress(struct gen_build *b, const char *phase, size_t done, size_t total)
{
	if (!b->o->progress || (done % 512 != 0 && done != total))
		return;
	fprintf(stderr, "\rskel: %s %zu/%zu", phase, done, total);
	if (done == total)
		fputc('\n', stderr);
}

/* ---- the whole build ------------------------------------------------------ */

static int open_state(struct gen_build *b, struct uc_error *err)
{
	const struct uc_config *cfg = b->o->cfg;
	char path[PATH_MAX];
	b->rootfd = open(cfg->sysroot, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (b->rootfd < 0)
		return uc_fail_errno(err, errno, "sysroot %s", cfg->sysroot);
	path_join(path, sizeof(path), cfg->state_dir, "skel");
	if ((mkdir(cfg->state_dir, 0755) < 0 && errno != EEXIST) ||
	    (mkdir(path, 0755) < 0 && errno != EEXIST))
		return uc_fail_errno(err, errno, "%s", path);
	b->skelfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (b->skelfd < 0)
		return uc_fail_errno(err, errno, "%s", path);
	return 0;
}

/* The store is opened (its lock taken, its objects scanned) only when there
 * is something to build: a no-op update stays a stat walk. */
static int open_store(struct gen_build *b, struct uc_error *err)
{
	char path[PATH_MAX];
	path_join(path, sizeof(path), b->o->cfg->state_dir, "store");
	store_close(&b->store);
	return store_open(&b->store, path, STORE_CREATE | (b->o->wait_lock ? STORE_WAIT : 0), err);
}

static int load_previous(struct gen_build *b, struct uc_error *err)
{
	char gen[64];
	int r = skel_read_current(b->skelfd, gen, sizeof(gen));
	if (r == -ENOENT)
		return 0;
	rpmcache_read(&b->rpm_prev, b->skelfd);
	if (b->o->first)
		return uc_fail(err, UC_BADREQUEST, "a skeleton exists already (%s): use update",
			       gen);
	if (r < 0)
		return uc_fail_errno(err, r, "current generation");
	b->have_prev = true;
	int gfd = openat(b->skelfd, gen, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (gfd < 0)
		return uc_fail_errno(err, errno, "current generation %s", gen);
	struct stat ist;
	r = index_read(&b->prev, gfd, err);
	if (r == 0 && fstatat(gfd, "index", &ist, AT_SYMLINK_NOFOLLOW) < 0)
		r = uc_fail_errno(err, errno, "index");
	if (r < 0) {
		/* never wedge the skeleton on its own index: every path is then
		 * new to this update (files read again, objects found by their
		 * bytes) and the new generation gets a good index */
		uc_log(UC_LOG_WARN, "%s/index: %s: reading every file again (slower)", gen,
		       err->msg);
		index_release(&b->prev);
		*err = (struct uc_error){0};
		b->st->index_rebuilt = true;
		r = 0;
	}
	b->prev_elf_missing = elfscan_read_added(gfd, &b->prev_elf, &b->prev_recheck) == 1;
	b->prevtreefd = openat(gfd, "tree", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	close(gfd);
	if (r == 0 && b->prevtreefd < 0)
		r = uc_fail_errno(err, errno, "current generation %s/tree", gen);
	return r;
}

static int make_gen_dirs(struct gen_build *b, const char *tmp, struct uc_error *err)
{
	if (mkdirat(b->skelfd, tmp, 0755) < 0)
		return uc_fail_errno(err, errno, "generation %s", tmp);
	b->genfd = openat(b->skelfd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (b->genfd < 0 || mkdirat(b->genfd, "tree", 0755) < 0 ||
	    mkdirat(b->genfd, "stubs", 0755) < 0)
		return uc_fail_errno(err, errno, "generation %s", tmp);
	b->treefd = openat(b->genfd, "tree", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	b->stubfd = openat(b->genfd, "stubs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return b->treefd < 0 || b->stubfd < 0 ? uc_fail_errno(err, errno, "generation %s", tmp) : 0;
}

/* Objects first (read, hash, stage copies, one syncfs, place), then every
 * path in order, the manifest and the index; then the rename. */
static int build(struct gen_build *b, const char *gen, struct uc_error *err)
{
	char tmp[80];
	snprintf(tmp, sizeof(tmp), "%s.tmp", gen);
	int r = make_gen_dirs(b, tmp, err);
	b->staged = calloc(b->next.n + 1, sizeof(*b->staged));
	if (!b->from_prev)
		b->from_prev = calloc(b->next.n + 1, sizeof(*b->from_prev));
	if (r == 0 && (!b->staged || !b->from_prev))
		r = uc_fail(err, UC_INTERNAL, "out of memory");
	for (size_t i = 0; r == 0 && i < b->next.n; i++) {
		if (b->next.v[i].cls != W_SHARED)
			continue;
		b->srcfd = b->from_prev[i] ? b->prevtreefd : b->rootfd;
		progress(b, "objects", i, b->next.n);
		int e = object_for(b, i, err);
		if (e == -ESTALE || e == -ENOENT)
			b->next.v[i].cls = W_NOT_TAKEN; /* changed or gone since its stat */
		else if (e < 0)
			r = err->kind ? e
				      : uc_fail_errno(err, e, "skeleton: %s", b->next.v[i].path);
	}
	progress(b, "objects", b->next.n, b->next.n);
	if (r == 0)
		r = place_staged(b, err);
	struct manifest_writer *mw = NULL;
	if (r == 0)
		r = manifest_create(&mw, b->genfd, gen, err);
	for (size_t i = 0; r == 0 && i < b->next.n; i++) {
		b->srcfd = b->from_prev[i] ? b->prevtreefd : b->rootfd;
		progress(b, "paths", i, b->next.n);
		if (b->next.v[i].cls != W_NOT_TAKEN)
			r = make_entry(b, i, mw, err);
	}
	progress(b, "paths", b->next.n, b->next.n);
	if (r == 0) /* the linker cache, the ELF check */
		r = elfscan_finish(b->rootfd, b->treefd, b->stubfd, b->genfd, mw, &b->next, &b->ws,
				   b->st, err);
	if (r == 0)
		r = manifest_commit(mw, err);
	else
		manifest_abort(mw);
	if (r == 0)
		r = index_write(&b->next, b->genfd, err);
	if (r == 0)
		r = skel_cfg_missing_write(b->genfd, &b->ws.cfg_missing, err);

	/* tree/ and stubs/ durable before the generation is published */
	if (r == 0 && syncfs(b->genfd) < 0)
		r = uc_fail_errno(err, errno, "syncfs");
	if (r == 0 && renameat(b->skelfd, tmp, b->skelfd, gen) < 0)
		r = uc_fail_errno(err, errno, "publishing %s", gen);
	if (r == 0 && (r = skel_switch_current(b->skelfd, gen)) < 0)
		r = uc_fail_errno(err, r, "switching current to %s", gen);
	return r;
}

static void release(struct gen_build *b)
{
	int fds[] = {b->rootfd, b->skelfd, b->genfd, b->treefd,
		     b->stubfd, b->ptree,  b->pstub, b->prevtreefd};
	for (size_t i = 0; i < UC_ARRAY_SIZE(fds); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	for (size_t i = 0; b->staged && i < b->next.n; i++)
		free(b->staged[i]);
	free(b->staged);
	free(b->from_prev);
	strset_release(&b->keys);
	strv_clear(&b->prev_elf);
	strv_clear(&b->prev_recheck);
	index_release(&b->prev);
	index_release(&b->next);
	wanted_release(&b->ws);
	free(b->prev_hit);
	path_dircache_release(&b->sigdc);
	rpmcache_release(&b->rpm_prev);
	rpmcache_release(&b->wrpm.next);
	store_close(&b->store);
}

int skel_build(const struct skel_opts *o, struct skel_stats *st, struct uc_error *err)
{
	struct gen_build b = {.o = o,
			      .st = st,
			      .rootfd = -1,
			      .skelfd = -1,
			      .genfd = -1,
			      .treefd = -1,
			      .stubfd = -1,
			      .ptree = -1,
			      .pstub = -1,
			      .prevtreefd = -1};
	memset(st, 0, sizeof(*st));
	path_dircache_init(&b.sigdc);
	store_init_empty(&b.store, 0);
	unsigned next = 0;
	bool changed = false;
	int r = open_state(&b, err);
	if (r == 0)
		r = load_previous(&b, err);
	bool fast = r == 0 && b.have_prev && !o->only && !o->dont_clean;
	if (fast && !(b.prev_hit = calloc(b.prev.n + 1, sizeof(*b.prev_hit))))
		r = uc_fail(err, UC_INTERNAL, "out of memory");
	if (r == 0 && fast) {
		b.probe = (struct wanted_probe){.same = same_as_prev, .ctx = &b};
		b.probe.elf_added = b.prev_elf_missing ? NULL : &b.prev_elf;
		b.probe.elf_recheck = &b.prev_recheck;
		b.wrpm.prev = &b.rpm_prev;
		char cur[64];
		/* what the lean no-op (skel/noop.h) will check, taken before the
		 * set is built and compared after it */
		_cleanup_free_ char *snap =
		    skel_read_current(b.skelfd, cur, sizeof(cur)) == 0 && !b.prev_elf_missing &&
			    !st->index_rebuilt
			? noop_snapshot(o->cfg, o->conf, b.rootfd, &b.prev, cur)
			: NULL;
		r = wanted_build_rpm(&b.ws, o->cfg, o->conf, b.rootfd, &b.probe, &b.wrpm, err);
		if (r == 0 && unchanged(&b)) {
			wanted_report(&b.ws, st);
			if (snap)
				noop_record(b.skelfd, snap, o->cfg, o->conf, b.rootfd, &b.prev,
					    &b.ws, &b.wrpm.next, st);
			else
				noop_forget(b.skelfd);
			if (!snap)
				uc_debug(
				    UC_AREA_GENERAL, "skel/noop: not recorded (%s)",
				    b.prev_elf_missing
					? "the generation misses libraries and has no recheck list"
					: "an input it cannot prove");
			if (o->conf->rpms.n && !b.wrpm.reused && !o->dry_run)
				rpmcache_save(&b.wrpm.next,
					      b.skelfd); /* the rpmdb changed, not what it gives */
			st->nothing_to_do = true;
			skel_read_current(b.skelfd, st->generation, sizeof(st->generation));
			release(&b);
			return 0;
		}
		/* something changed: the set again, whole this time (the
		 * packages' files as this pass found them: the rpmdb once) */
		wanted_release(&b.ws);
		b.probe = (struct wanted_probe){0};
		b.rpm_read = b.rpm_read || (o->conf->rpms.n && !b.wrpm.reused);
		rpmcache_release(&b.rpm_prev);
		b.rpm_prev = b.wrpm.next;
		b.wrpm.next = (struct rpmcache){0};
	}
	b.wrpm.prev = &b.rpm_prev;
	if (r == 0)
		r = wanted_build_rpm(&b.ws, o->cfg, o->conf, b.rootfd, NULL, &b.wrpm, err);
	b.rpm_read = b.rpm_read || (r == 0 && o->conf->rpms.n && !b.wrpm.reused);
	st->blacklisted = b.ws.blacklisted;
	if (r == 0)
		wanted_report(&b.ws, st);
	if (r == 0)
		r = collect(&b, &changed, err);
	if (r == 0 && !changed) {
		st->nothing_to_do = true;
		skel_read_current(b.skelfd, st->generation, sizeof(st->generation));
	} else if (r == 0 && !o->dry_run) {
		noop_forget(b.skelfd); /* a new generation: the next no-op records again */
		r = open_store(&b, err);
		if (r == 0 && (r = skel_scan_gens(b.skelfd, &next)) < 0)
			r = uc_fail_errno(err, r, "skeleton generations");
		snprintf(st->generation, sizeof(st->generation), "gen-%06u", next);
		if (r == 0)
			r = build(&b, st->generation, err);
	}
	if (r == 0 && b.rpm_read && !o->dry_run)
		rpmcache_save(&b.wrpm.next, b.skelfd);
	if (r < 0 && next) {
		char tmp[80];
		snprintf(tmp, sizeof(tmp), "%s.tmp", st->generation);
		store_rm_tree(b.skelfd, tmp);
	}
	release(&b);
	return r;
}
