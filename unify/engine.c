/* The engine: group candidate inodes by everything stat(2) tells about their
 * identity, prove duplicates by comparing bytes (never a hash alone), make one
 * inode of each class the object (or find it in the store), and relink every
 * other name to it with link-to-temp + rename(2), so no name is ever missing.
 * Groups are independent: worker threads take them one at a time (hashing,
 * comparing and relinking all wait on the disk more than on the CPU). */
#include "unify/internal.h"

#include "lib/cleanup.h"
#include "lib/log.h"
#include "lib/path.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct uinode {
	size_t first, count; /* its names in u->names (sorted by dev, ino) */
	struct stat st;
};

struct member {
	struct uinode *ino;
	int fd; /* -1 once it joined a class (see classify) */
	struct xattr_set xa;
	int cls;
	bool joined; /* in a class, fd closed */
};

struct engine {
	struct unify_run *u;
	struct uinode *inodes;
	size_t ninodes;
	size_t *groups; /* start index into inodes of group i; groups[ngroups] = end */
	size_t ngroups;
	atomic_size_t next, done;
	bool with_mtime;
};

static int cmp_ino(const void *a, const void *b)
{
	const struct uname *x = a, *y = b;
	if (x->st.st_dev != y->st.st_dev)
		return x->st.st_dev < y->st.st_dev ? -1 : 1;
	if (x->st.st_ino != y->st.st_ino)
		return x->st.st_ino < y->st.st_ino ? -1 : 1;
	return 0;
}

static int cmp_identity(const void *a, const void *b, void *arg)
{
	bool with_mtime = *(const bool *)arg;
	const struct stat *x = &((const struct uinode *)a)->st,
			  *y = &((const struct uinode *)b)->st;
#define CMP(f)                                                                                     \
	if (x->f != y->f)                                                                          \
		return x->f < y->f ? -1 : 1;
	CMP(st_size)
	CMP(st_mode)
	CMP(st_uid)
	CMP(st_gid)
	if (with_mtime) {
		CMP(st_mtim.tv_sec)
		CMP(st_mtim.tv_nsec)
	}
	CMP(st_dev)
	CMP(st_ino)
#undef CMP
	return 0;
}

static bool same_identity(const struct stat *x, const struct stat *y, bool with_mtime)
{
	return x->st_size == y->st_size && x->st_mode == y->st_mode && x->st_uid == y->st_uid &&
	       x->st_gid == y->st_gid &&
	       (!with_mtime || (x->st_mtim.tv_sec == y->st_mtim.tv_sec &&
				x->st_mtim.tv_nsec == y->st_mtim.tv_nsec));
}

/* Is the name still the file the walk saw? */
static bool unchanged(const struct stat *now, const struct stat *then)
{
	return now->st_dev == then->st_dev && now->st_ino == then->st_ino &&
	       now->st_size == then->st_size && now->st_mode == then->st_mode &&
	       now->st_mtim.tv_sec == then->st_mtim.tv_sec &&
	       now->st_mtim.tv_nsec == then->st_mtim.tv_nsec &&
	       now->st_ctim.tv_sec == then->st_ctim.tv_sec &&
	       now->st_ctim.tv_nsec == then->st_ctim.tv_nsec;
}

static const char *base_of(const char *rel)
{
	const char *s = strrchr(rel, '/');
	return s ? s + 1 : rel;
}

/* The parent directory of a name, opened below the tree root without
 * following any symlink: a directory swapped for a link during the run
 * makes this fail instead of leading out of the tree. */
static int open_parent(struct unify_run *u, const struct uname *n)
{
	const char *slash = strrchr(n->rel, '/');
	if (!slash)
		return fcntl(u->trees[n->tree].fd, F_DUPFD_CLOEXEC, 0);
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - n->rel), n->rel);
	return path_open_beneath(u->trees[n->tree].fd, dir, O_PATH | O_DIRECTORY, 0);
}

static void fail_name(struct unify_run *u, const struct uname *n, const char *what, int e)
{
	atomic_fetch_add(&u->st->errors, 1);
	uc_log(UC_LOG_WARN, "%s/%s: %s: %s", u->trees[n->tree].path, n->rel, what,
	       strerror(e < 0 ? -e : e));
}

static int open_member(struct unify_run *u, struct member *m)
{
	const struct uname *n = &u->names[m->ino->first];
	_cleanup_close_ int pfd = open_parent(u, n);
	struct stat st;
	m->fd = -1;
	if (pfd < 0)
		return pfd;
	int fd =
	    openat(pfd, base_of(n->rel), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !unchanged(&st, &m->ino->st)) {
		close(fd);
		return -ESTALE;
	}
	int r = xattrs_read(fd, &m->xa);
	if (r < 0) {
		close(fd);
		return r;
	}
	m->fd = fd;
	return 0;
}

static void close_member(struct member *m)
{
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
	xattrs_release(&m->xa);
}

static void report_inode(struct unify_run *u, const struct uinode *ino, const char *what)
{
	for (size_t j = 0; j < ino->count; j++) {
		const struct uname *n = &u->names[ino->first + j];
		unify_report(u, n->tree, n->rel, what);
	}
}

static void seal(struct unify_run *u, struct store_obj *obj)
{
	if (u->o->dry_run || obj->fd < 0)
		return;
	if (fs_set_immutable(obj->fd, true) == 0)
		atomic_fetch_add(&u->st->immutable_set, 1);
	else
		atomic_fetch_add(&u->st->immutable_unsupported, 1);
}

/* Linking to a +i inode, and renaming one, needs the flag off for the moment:
 * the run holds the store's exclusive lock, and seal() puts it back on every
 * path out of handle_class(). */
static void unseal(struct store_obj *obj)
{
	bool on = false;
	if (fs_get_immutable(obj->fd, &on) == 0 && on)
		fs_set_immutable(obj->fd, false);
}

static int link_fd(int fd, int dirfd, const char *name)
{
	char proc[64];
	if (linkat(fd, "", dirfd, name, AT_EMPTY_PATH) == 0)
		return 0;
	if (errno != ENOENT && errno != EPERM)
		return -errno;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return linkat(AT_FDCWD, proc, dirfd, name, AT_SYMLINK_FOLLOW) < 0 ? -errno : 0;
}

/* The link limit is reached: m's own inode becomes a second object for the
 * same key (the next free suffix); its names already point to it. */
static int roll_over(struct unify_run *u, struct store_obj *obj, struct member *m,
		     const struct objkey *key)
{
	struct uc_error err;
	if (m->fd < 0 && open_member(u, m) < 0) {
		atomic_fetch_add(&u->st->skipped_changed, 1);
		return -ESTALE;
	}
	struct obj_src src = {m->fd, &m->ino->st, &m->xa, !u->o->ignore_mtime, key};
	seal(u, obj);
	store_obj_close(obj);
	for (;;) {
		int r = store_lookup(u->store, &src, obj, &err);
		if (r == 1) { /* another run's rollover object with room: continue there */
			unseal(obj);
			return 1;
		}
		if (r == 0)
			r = store_publish_inode(u->store, &src, obj, &err);
		if (r == 0) {
			atomic_fetch_add(&u->st->objects_created, 1);
			return 0;
		}
		if (r != -EEXIST) {
			uc_log(UC_LOG_WARN, "%s", err.msg);
			atomic_fetch_add(&u->st->errors, 1);
			return r;
		}
	}
}

/* Replace every name of m's inode by a link to obj. */
static void relink_member(struct unify_run *u, struct store_obj *obj, struct member *m,
			  const struct objkey *key)
{
	const struct uinode *ino = m->ino;
	_cleanup_free_ int *pfds = calloc(ino->count, sizeof(*pfds));
	size_t opened = 0, replaced = 0;
	bool ok = pfds != NULL;
	/* every name first: still the inode that was compared? */
	for (; ok && opened < ino->count; opened++) {
		const struct uname *n = &u->names[ino->first + opened];
		struct stat st;
		pfds[opened] = open_parent(u, n);
		ok = pfds[opened] >= 0 &&
		     fstatat(pfds[opened], base_of(n->rel), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		     unchanged(&st, &n->st);
	}
	if (!ok) {
		atomic_fetch_add(&u->st->skipped_changed, 1);
		report_inode(u, ino, "skipped: changed during the run");
	}
	for (size_t j = 0; ok && j < ino->count; j++) {
		const struct uname *n = &u->names[ino->first + j];
		if (store_obj_full(u->store, obj)) {
			int r = roll_over(u, obj, m, key);
			if (r == 0)
				break; /* m is the new object: its names are where they belong */
			if (r < 0)
				break;
		}
		char tmp[64];
		snprintf(tmp, sizeof(tmp), UNIFY_TMP_PREFIX "%ld.%u", (long)u->store->pid,
			 atomic_fetch_add(&u->tmpseq, 1));
		int r, rolled = 1;
		/* EMLINK although the count said there was room (another writer,
		 * another limit): roll over, then link to wherever that leads */
		while ((r = link_fd(obj->fd, pfds[j], tmp)) == -EMLINK &&
		       (rolled = roll_over(u, obj, m, key)) == 1)
			;
		if (rolled <= 0)
			break; /* m became the object, or the rollover failed */
		if (r < 0) {
			fail_name(u, n, "link", r);
			continue;
		}
		if (renameat(pfds[j], tmp, pfds[j], base_of(n->rel)) < 0) {
			fail_name(u, n, "rename", errno);
			unlinkat(pfds[j], tmp, 0);
			continue;
		}
		atomic_fetch_add(&u->st->names_relinked, 1);
		replaced++;
		if (u->o->verbose)
			unify_report(u, n->tree, n->rel, obj->name);
	}
	for (size_t j = 0; j < opened; j++)
		if (pfds[j] >= 0)
			close(pfds[j]);
	/* every link of the inode was one of our names, and each now points
	 * to the object: the inode is gone */
	if (ok && replaced == ino->count && ino->count == ino->st.st_nlink) {
		atomic_fetch_add(&u->st->inodes_freed, 1);
		atomic_fetch_add(&u->st->bytes_freed, (unsigned long long)ino->st.st_blocks * 512);
	}
}

static void dry_run_class(struct unify_run *u, struct store_obj *obj, struct member **m, size_t k,
			  bool found)
{
	char what[128];
	snprintf(what, sizeof(what), "would %s object %s", found ? "link to" : "link to new",
		 obj->name);
	for (size_t i = found ? 0 : 1; i < k; i++)
		report_inode(u, m[i]->ino, what);
	if (!found) {
		snprintf(what, sizeof(what), "would become object %s", obj->name);
		report_inode(u, m[0]->ino, what);
	}
}

/* A class: inodes of one group proven identical in metadata and content,
 * and, once prepared, the object its names are to be linked to. */
struct cls {
	struct member **list;
	size_t k;
	struct store_obj obj;
	bool ready; /* obj is the object to link to */
	struct objkey key;
};

/* A group in flight: its members and classes. */
struct gwork {
	struct member *m;
	size_t n;
	struct cls *c;
	size_t nc;
};

/* Phase 1 of a class: its key, and its object found in the store or made of
 * its representative's inode (whose data the run's syncfs made durable). */
static void class_prepare(struct unify_run *u, struct cls *c)
{
	struct member *rep = c->list[0];
	uint64_t size = (uint64_t)rep->ino->st.st_size;
	c->obj.fd = -1;
	if (c->k < 2 && !store_has_size(u->store, size))
		return;
	int r = objkey_compute(rep->fd, &rep->ino->st, &rep->xa, !u->o->ignore_mtime, &c->key);
	atomic_fetch_add(&u->st->bytes_hashed, size);
	if (r < 0) {
		fail_name(u, &u->names[rep->ino->first], "hash", r);
		return;
	}
	struct obj_src src = {rep->fd, &rep->ino->st, &rep->xa, !u->o->ignore_mtime, &c->key};
	struct uc_error err;
	for (;;) {
		r = store_lookup(u->store, &src, &c->obj, &err);
		if (r != 0 || c->k < 2 || u->o->dry_run)
			break;
		r = store_publish_inode(u->store, &src, &c->obj, &err);
		if (r != -EEXIST)
			break; /* -EEXIST: a name taken meanwhile, look again */
	}
	if (r < 0) {
		uc_log(UC_LOG_WARN, "%s", err.msg);
		atomic_fetch_add(&u->st->errors, 1);
		store_obj_close(&c->obj);
		return;
	}
	bool found = c->obj.fd >= 0 && !c->obj.created;
	if (c->k < 2 && !found) {
		store_obj_close(&c->obj);
		return;
	}
	c->ready = true;
	if (c->obj.created) {
		atomic_fetch_add(&u->st->objects_created, 1);
		if (u->o->verbose)
			report_inode(u, rep->ino, "became object");
	}
}

/* Phase 2: every other name linked to the object. */
static void class_finish(struct unify_run *u, struct cls *c)
{
	if (!c->ready)
		return;
	if (u->o->dry_run) {
		dry_run_class(u, &c->obj, c->list, c->k, c->obj.fd >= 0);
		store_obj_close(&c->obj);
		return;
	}
	size_t start = 0;
	if (c->obj.created) {
		start = 1; /* the representative is the object */
	} else {
		atomic_fetch_add(&u->st->objects_reused, 1);
		unseal(&c->obj);
	}
	for (size_t i = start; i < c->k; i++)
		relink_member(u, &c->obj, c->list[i], &c->key);
	seal(u, &c->obj);
	store_obj_close(&c->obj);
}

/* Why a member joined no class: same content as another, different metadata? */
static void explain_alone(struct unify_run *u, struct member *all, size_t n, struct member *m)
{
	for (size_t i = 0; i < n; i++) {
		struct member *o = &all[i];
		if (o == m || o->fd < 0 || o->cls == m->cls)
			continue;
		if (file_contents_equal(o->fd, m->fd, (uint64_t)m->ino->st.st_size) == 1) {
			report_inode(u, m->ino,
				     "skipped: same content, different metadata (xattrs, ACL or "
				     "capabilities)");
			return;
		}
	}
}

/* Open the members and sort them into classes by comparing bytes with each
 * class's representative. */
static int classify(struct unify_run *u, struct gwork *w)
{
	struct member **reps = calloc(w->n, sizeof(*reps));
	if (!reps)
		return -ENOMEM;
	for (size_t i = 0; i < w->n; i++) {
		struct member *m = &w->m[i];
		int r = open_member(u, m);
		if (r == -ESTALE || r == -ENOENT || r == -ELOOP || r == -EXDEV) {
			atomic_fetch_add(&u->st->skipped_changed, 1);
			report_inode(u, m->ino, "skipped: changed during the run");
			continue;
		}
		if (r < 0) {
			fail_name(u, &u->names[m->ino->first], "open", r);
			continue;
		}
		for (size_t c = 0; c < w->nc && m->cls < 0; c++) {
			if (!xattrs_equal(&reps[c]->xa, &m->xa))
				continue;
			atomic_fetch_add(&u->st->bytes_compared,
					 (unsigned long long)m->ino->st.st_size);
			if (file_contents_equal(reps[c]->fd, m->fd, (uint64_t)m->ino->st.st_size) ==
			    1)
				m->cls = (int)c;
		}
		if (m->cls < 0) {
			m->cls = (int)w->nc;
			reps[w->nc++] = m;
		} else if (!u->o->verbose) {
			/* proven a duplicate: its fd is not needed any more (a group
			 * of ten thousand guests' copies must not hold ten thousand
			 * fds); it is opened again only if it must become an object */
			close_member(m);
			m->joined = true;
		}
		w->c[m->cls].k++;
	}
	free(reps);
	return 0;
}

static void group_prepare(struct engine *e, struct uinode *inodes, size_t n, struct gwork *w)
{
	struct unify_run *u = e->u;
	memset(w, 0, sizeof(*w));
	w->n = n;
	w->m = calloc(n, sizeof(*w->m));
	w->c = calloc(n, sizeof(*w->c));
	for (size_t i = 0; w->m && i < n; i++) {
		w->m[i].ino = &inodes[i];
		w->m[i].cls = -1;
		w->m[i].fd = -1;
	}
	if (!w->m || !w->c || classify(u, w) < 0) {
		atomic_fetch_add(&u->st->errors, 1);
		w->nc = 0;
		return;
	}
	for (size_t c = 0; c < w->nc; c++) {
		struct cls *cl = &w->c[c];
		cl->list = calloc(cl->k, sizeof(*cl->list));
		cl->obj.fd = -1;
		if (!cl->list) {
			atomic_fetch_add(&u->st->errors, 1);
			continue;
		}
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if ((w->m[i].fd >= 0 || w->m[i].joined) && w->m[i].cls == (int)c)
				cl->list[k++] = &w->m[i];
		if (k == 1 && u->o->verbose)
			explain_alone(u, w->m, n, cl->list[0]);
		class_prepare(u, cl);
	}
}

static void group_finish(struct engine *e, struct gwork *w)
{
	for (size_t c = 0; c < w->nc; c++) {
		if (w->c[c].list)
			class_finish(e->u, &w->c[c]);
		store_obj_close(&w->c[c].obj);
		free(w->c[c].list);
	}
	for (size_t i = 0; w->m && i < w->n; i++)
		close_member(&w->m[i]);
	free(w->m);
	free(w->c);
}

static void *worker(void *arg)
{
	struct engine *e = arg;
	for (;;) {
		size_t g = atomic_fetch_add(&e->next, 1);
		if (g >= e->ngroups)
			break;
		struct gwork w;
		group_prepare(e, &e->inodes[e->groups[g]], e->groups[g + 1] - e->groups[g], &w);
		group_finish(e, &w);
		atomic_fetch_add(&e->done, 1);
	}
	return NULL;
}

/* Inodes from names (sorted by dev, ino). */
static int build_inodes(struct engine *e)
{
	struct unify_run *u = e->u;
	if (u->nnames)
		qsort(u->names, u->nnames, sizeof(*u->names), cmp_ino);
	e->inodes = calloc(u->nnames ? u->nnames : 1, sizeof(*e->inodes));
	if (!e->inodes)
		return -ENOMEM;
	for (size_t i = 0; i < u->nnames; i++) {
		if (e->ninodes &&
		    cmp_ino(&u->names[i], &u->names[e->inodes[e->ninodes - 1].first]) == 0) {
			e->inodes[e->ninodes - 1].count++;
			continue;
		}
		e->inodes[e->ninodes++] = (struct uinode){i, 1, u->names[i].st};
	}
	return 0;
}

static int open_name(struct unify_run *u, const struct uname *n)
{
	_cleanup_close_ int pfd = open_parent(u, n);
	if (pfd < 0)
		return pfd;
	int fd =
	    openat(pfd, base_of(n->rel), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* -v: an inode alone in its group may still have the content of a same-size
 * file whose mode, owner or mtime differ; say so rather than "no duplicate".
 * (Inodes are sorted by size first: those are its neighbours.) */
static const char *why_alone(struct engine *e, size_t i)
{
	struct unify_run *u = e->u;
	const struct uinode *x = &e->inodes[i];
	_cleanup_close_ int fd = open_name(u, &u->names[x->first]);
	for (size_t d = 1; fd >= 0 && d <= 16; d++) {
		for (int side = -1; side <= 1; side += 2) {
			size_t j = side < 0 ? i - d : i + d;
			if ((side < 0 && d > i) || j >= e->ninodes ||
			    e->inodes[j].st.st_size != x->st.st_size)
				continue;
			_cleanup_close_ int o = open_name(u, &u->names[e->inodes[j].first]);
			if (o >= 0 && file_contents_equal(fd, o, (uint64_t)x->st.st_size) == 1)
				return "skipped: same content, different metadata (mode, owner or "
				       "mtime)";
		}
	}
	return "skipped: no duplicate";
}

/* Groups: runs of inodes with the same size, mode, owner (and mtime); only
 * those with two inodes or more, or a size some object in the store has. */
static int build_groups(struct engine *e)
{
	qsort_r(e->inodes, e->ninodes, sizeof(*e->inodes), cmp_identity, &e->with_mtime);
	e->groups = calloc(e->ninodes + 1, sizeof(*e->groups));
	if (!e->groups)
		return -ENOMEM;
	size_t kept = 0;
	for (size_t i = 0; i < e->ninodes;) {
		size_t j = i + 1;
		while (j < e->ninodes &&
		       same_identity(&e->inodes[i].st, &e->inodes[j].st, e->with_mtime))
			j++;
		bool useful =
		    j - i >= 2 || store_has_size(e->u->store, (uint64_t)e->inodes[i].st.st_size);
		if (useful) {
			/* compact: move the run to the kept area */
			memmove(&e->inodes[kept], &e->inodes[i], (j - i) * sizeof(*e->inodes));
			e->groups[e->ngroups++] = kept;
			kept += j - i;
		} else if (e->u->o->verbose) {
			report_inode(e->u, &e->inodes[i], why_alone(e, i));
		}
		i = j;
	}
	e->groups[e->ngroups] = kept;
	return 0;
}

static unsigned thread_count(const struct unify_opts *o)
{
	if (o->threads)
		return o->threads;
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	/* the work waits on the disk (reads, link, rename, unlink): more
	 * threads than cores keep it busy */
	n = n < 1 ? 1 : n * 4;
	return (unsigned)(n > 16 ? 16 : n);
}

static void progress(struct engine *e, pthread_t *th, unsigned nth)
{
	const struct uc_progress *p = &e->u->o->progress;
	while (uc_progress_wanted(p) && atomic_load(&e->done) < e->ngroups) {
		uc_progress(p, "unify", "groups", atomic_load(&e->done), e->ngroups, false);
		struct timespec ts = {0, 200 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	for (unsigned i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	uc_progress(p, "unify", "groups", e->ngroups, e->ngroups, true);
}

int unify_names(struct unify_run *u, struct uc_error *err)
{
	struct engine e = {.u = u, .with_mtime = !u->o->ignore_mtime};
	int r = build_inodes(&e);
	if (r == 0)
		r = build_groups(&e);
	if (r < 0) {
		free(e.inodes);
		free(e.groups);
		return uc_fail(err, UC_INTERNAL, "out of memory");
	}
	/* Objects are existing inodes, linked, never written: their data must be
	 * durable before other names depend on them. One syncfs here covers
	 * every file as the walk saw it; a file changed since then fails the
	 * unchanged() check and is left alone. */
	if (!u->o->dry_run && e.ngroups && syncfs(u->store->fd) < 0) {
		free(e.inodes);
		free(e.groups);
		return uc_fail_errno(err, errno, "syncfs of the store %s", u->store->path);
	}
	unsigned nth = thread_count(u->o);
	if (nth > e.ngroups)
		nth = e.ngroups ? (unsigned)e.ngroups : 1;
	pthread_t th[16];
	unsigned started = 0;
	for (; started < nth && started < 16; started++)
		if (pthread_create(&th[started], NULL, worker, &e) != 0)
			break;
	if (started == 0)
		worker(&e);
	progress(&e, th, started);
	free(e.inodes);
	free(e.groups);
	return 0;
}
