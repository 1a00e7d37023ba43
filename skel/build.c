/* Building a generation: the wanted set taken from sysroot into a new
 * gen-N.tmp (tree/, stubs/, manifest.zst, index), renamed to gen-N, then
 * `current` switched by rename(2). Nothing published is ever modified. */
#include "skel/build_int.h"

#include "lib/cleanup.h"
#include "lib/array.h"
#include "lib/log.h"
#include "lib/path.h"
#include "lib/statepath.h"
#include "lib/sys.h"
#include "skel/gens.h"
#include "skel/current.h"
#include "skel/elfscan.h"
#include "skel/ldcache.h"
#include "skel/noop.h"
#include "skel/wanted.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool suid_allowed(const struct uc_config *cfg, const char *path)
{
	return strv_contains(&cfg->suid_allow, path);
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
	if (pe && pe->cls != e.cls && (pe->cls == W_CONFIG || pe->cls == W_SHARED)) {
		/* a package's word on the class (its %config) overrides the
		 * walk's: the package's entry decides, named (unchanged()) */
		e.cls = pe->cls;
		return index_same(pe, &e);
	}
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
	if (UC_GROW(&p->v, &p->cap, p->n + 1) < 0)
		return -ENOMEM;
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
		if (pe && (pe->cls == W_SHARED || pe->cls == W_WRAPPER) && index_same(pe, &e)) {
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
		return uc_debug(UC_AREA_GENERAL, "update: a walked path differs"), false;
	for (size_t i = 0; i < b->ws.n; i++) {
		struct idx_ent e;
		struct stat st;
		if (!signature(b, &b->ws.v[i], &e, &st))
			continue;
		const struct idx_ent *pe = index_find(&b->prev, e.path);
		if (!pe || !index_same(pe, &e))
			return uc_debug(UC_AREA_GENERAL, "update: %s differs", e.path), false;
		b->prev_hit[pe - b->prev.v] = 1;
	}
	/* every entry of the current generation seen again, each once (a
	 * path both walked and named directly counts once) */
	for (size_t i = 0; i < b->prev.n; i++)
		if (!b->prev_hit[i])
			return uc_debug(UC_AREA_GENERAL, "update: %s not seen", b->prev.v[i].path),
			       false;
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

/* The objects phase runs in a few threads: entry i is read, hashed and
 * staged by one of them; what they share (the keys staged, the counters)
 * is taken under b->mu. */
static void count_locked(struct gen_build *b, uint64_t *counter, uint64_t n)
{
	pthread_mutex_lock(&b->mu);
	*counter += n;
	pthread_mutex_unlock(&b->mu);
}

/* The object of key hex in this run: entry i claims it, unless another
 * entry did (then true, *owner = that entry). One claim per key, so that
 * two threads never stage the same bytes: tree/ links a staged copy before
 * it is placed (skel_make_entry). */
static int claim_key(struct gen_build *b, const char *hex, size_t i, size_t *owner)
{
	pthread_mutex_lock(&b->mu);
	int r = strset_insert(&b->keys, hex, i, owner);
	pthread_mutex_unlock(&b->mu);
	return r < 0 ? r : r == 0;
}

/* A new object's copy, staged for entry i (which claimed its key). */
static int stage_new(struct gen_build *b, size_t i, int fd, const struct stat *st,
		     const struct xattr_set *xa, struct uc_error *err)
{
	char tmp[64];
	int r = store_stage_copy(&b->store, fd, st, xa, tmp, sizeof(tmp), err);
	if (r < 0)
		return r;
	pthread_mutex_lock(&b->mu);
	if (!(b->staged[i] = strdup(tmp)))
		r = -ENOMEM;
	b->nstaged += r == 0;
	pthread_mutex_unlock(&b->mu);
	return r;
}

/* The object of one shared file: reused from the index without reading, or
 * hashed, looked up (bytes compared) and, when new, staged as a copy. The
 * file is read from srcfd (the sysroot, or the previous tree). */
static int object_for(struct gen_build *b, int srcfd, size_t i, struct uc_error *err)
{
	struct idx_ent *e = &b->next.v[i];
	char name[OBJNAME_MAX];
	struct objkey key;
	if (e->key[0]) {
		key_from_hex(e->key, e->suffix, name, sizeof(name));
		struct stat ost;
		if (fstatat(b->store.objfd, name, &ost, AT_SYMLINK_NOFOLLOW) == 0) {
			pthread_mutex_lock(&b->mu);
			b->st->unchanged_unread++;
			b->st->objects_reused++;
			pthread_mutex_unlock(&b->mu);
			return 0;
		}
	}
	struct stat st;
	_cleanup_close_ int fd = skel_open_host_file(b, srcfd, e, &st);
	if (fd < 0)
		return fd;
	/* kept for the stub (skel_make_stub), which may be made before the
	 * object is placed */
	struct xattr_set *xa = &b->xa[i].set;
	if (xattrs_read(fd, xa) < 0)
		return -errno;
	b->xa[i].have = true;
	st.st_mode = e->mode; /* setuid bits as the skeleton has them */
	if (e->cls == W_WRAPPER) {
		st.st_uid = e->uid; /* root's, whoever built it (skel/wrappers.c) */
		st.st_gid = e->gid;
	}
	int r = objkey_compute(fd, &st, xa, false, &key);
	count_locked(b, &b->st->bytes_read, (uint64_t)st.st_size);
	if (r == 0 && (r = elf_file_read(fd, &b->elf[i].f)) == 0)
		b->elf[i].have = true; /* while its pages are in memory */
	char hex[2 * OBJKEY_LEN + 1];
	objkey_hex(&key, hex);
	size_t owner;
	if (r == 0 && (r = claim_key(b, hex, i, &owner)) == 1) {
		/* the same bytes as another file of this run: its object (its
		 * suffix once the workers are done: same_object) */
		objkey_hex(&key, e->key);
		b->same_as[i] = owner + 1;
		return 0;
	}
	struct obj_src src = {fd, &st, xa, false, &key};
	struct store_obj obj = {.fd = -1};
	if (r == 0)
		r = store_lookup(&b->store, &src, &obj, err);
	if (r == 1) {
		pthread_mutex_lock(&b->mu);
		b->st->bytes_read += (uint64_t)st.st_size; /* the byte compare */
		b->st->objects_reused++;
		pthread_mutex_unlock(&b->mu);
	} else if (r == 0) {
		r = stage_new(b, i, fd, &st, xa, err);
	}
	store_obj_close(&obj);
	if (r >= 0) {
		objkey_hex(&key, e->key);
		e->suffix = obj.suffix;
	}
	return r < 0 ? r : 0;
}

/* After the syncfs of the staged copies (stubs_work: their bytes durable
 * before any of them has a name in objects/): they move to their names
 * (tree/ may have linked them already: the same inodes). Each key was
 * staged once (claim_key), so a name taken meanwhile is an error. */
static int place_staged(struct gen_build *b, struct uc_error *err)
{
	for (size_t i = 0; i < b->next.n; i++) {
		struct idx_ent *e = &b->next.v[i];
		if (!b->staged[i])
			continue;
		char name[OBJNAME_MAX];
		key_from_hex(e->key, e->suffix, name, sizeof(name));
		int r = store_place(&b->store, b->staged[i], name, err);
		if (r == -EEXIST)
			return uc_fail(err, UC_INTERNAL, "store: object %s appeared meanwhile",
				       name);
		if (r < 0)
			return r;
		if (strset_put(&b->fresh, name, 1) < 0)
			return uc_fail(err, UC_INTERNAL, "out of memory");
		b->st->objects_created++;
	}
	return 0;
}

/* Progress: every 512 entries, and at the end of each phase. */
static void progress(struct gen_build *b, const char *phase, size_t done, size_t total)
{
	if (done % 512 == 0 || done == total)
		uc_progress(&b->o->progress, "skel", phase, done, total, done == total);
}

/* ---- the whole build ------------------------------------------------------ */

static int open_state(struct gen_build *b, struct uc_error *err)
{
	const struct uc_config *cfg = b->o->cfg;
	char path[PATH_MAX];
	b->rootfd = open(cfg->sysroot, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (b->rootfd < 0)
		return uc_fail_errno(err, errno, "sysroot %s", cfg->sysroot);
	int r = statepath_skel(cfg, path, sizeof(path));
	if (r < 0)
		return path_fail(err, r, cfg->state_dir);
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
	int r = statepath_store(b->o->cfg, path, sizeof(path));
	if (r < 0)
		return path_fail(err, r, b->o->cfg->state_dir);
	store_close(&b->store);
	return store_open(&b->store, path, STORE_CREATE | (b->o->wait_lock ? STORE_WAIT : 0), err);
}

static int load_previous(struct gen_build *b, struct uc_error *err)
{
	char gen[64];
	int r = skel_current_read(b->skelfd, gen, sizeof(gen));
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
	skel_pdir_init(&b->ptree, b->treefd);
	skel_pdir_init(&b->pfirst, b->stubfd);
	return b->treefd < 0 || b->stubfd < 0 ? uc_fail_errno(err, errno, "generation %s", tmp) : 0;
}

/* The objects phase's workers take the next entry not taken yet, until
 * there is none or one of them failed. */
struct objects_run {
	struct gen_build *b;
	atomic_size_t next;
	atomic_bool failed;
};

struct objects_worker {
	struct objects_run *run;
	bool main; /* the main thread: it reports progress */
	int r;	   /* this worker's failure */
	struct uc_error err;
};

static void *objects_work(void *arg)
{
	struct objects_worker *w = arg;
	struct gen_build *b = w->run->b;
	for (;;) {
		size_t i = atomic_fetch_add(&w->run->next, 1);
		if (i >= b->next.n || atomic_load(&w->run->failed))
			break;
		if (w->main)
			progress(b, "objects", i, b->next.n);
		struct idx_ent *e = &b->next.v[i];
		if (e->cls != W_SHARED && e->cls != W_WRAPPER)
			continue;
		int r = object_for(b, b->from_prev[i] ? b->prevtreefd : b->rootfd, i, &w->err);
		if (r == -ESTALE || r == -ENOENT) {
			e->cls = W_NOT_TAKEN; /* changed or gone since its stat */
		} else if (r < 0) {
			w->r = w->err.kind ? r : uc_fail_errno(&w->err, r, "skeleton: %s", e->path);
			atomic_store(&w->run->failed, true);
			break;
		}
	}
	return NULL;
}

/* Every shared file's object: read, hashed, staged when new (in two
 * threads where there are two CPUs: hashing and the filesystem's
 * transactions of one file overlap another's). Placed by make_paths. */
static int make_objects(struct gen_build *b, struct uc_error *err)
{
	struct objects_run run = {.b = b};
	struct objects_worker w[2] = {{.run = &run, .main = true}, {.run = &run}};
	pthread_t th;
	bool two = sysconf(_SC_NPROCESSORS_ONLN) > 1 && b->next.n > 64 &&
		   pthread_create(&th, NULL, objects_work, &w[1]) == 0;
	objects_work(&w[0]);
	if (two)
		pthread_join(th, NULL);
	for (size_t k = 0; k < 2; k++)
		if (w[k].r < 0) {
			*err = w[k].err;
			return w[k].r;
		}
	/* a file with the bytes of another's: that one's object (its suffix is
	 * known now; if it was not taken after all, neither is this one) */
	for (size_t i = 0; i < b->next.n; i++) {
		struct idx_ent *e = &b->next.v[i], *o;
		if (!b->same_as[i])
			continue;
		o = &b->next.v[b->same_as[i] - 1];
		e->suffix = o->suffix;
		if (o->cls == W_NOT_TAKEN)
			e->cls = W_NOT_TAKEN;
	}
	progress(b, "objects", b->next.n, b->next.n);
	return 0;
}

/* The ELF header of a file of the new tree read with its object, if any
 * (elfscan_known). */
static const struct elf_file *known_elf(void *ctx, const char *path)
{
	const struct gen_build *b = ctx;
	size_t i;
	if (!strset_get(&b->next.by_path, path, &i) || !b->elf[i].have)
		return NULL;
	char cls = b->next.v[i].cls;
	return cls == W_SHARED || cls == W_WRAPPER ? &b->elf[i].f : NULL;
}

/* stubs/'s thread: its directories and stubs, in path order. */
struct stubs_run {
	struct gen_build *b;
	char *kind; /* skel_stub_kind of each entry */
	atomic_bool stop;
	atomic_bool tree_done; /* tree/ linked whole: the new objects may get +i */
	int r;
	size_t at;  /* the entry that failed */
	int placed; /* place_staged's result (err) */
	struct uc_error err;
};

/* The staged copies made durable (a thread of its own: the wait is the
 * disk's, stubs/ is made meanwhile); their names come after (place_staged). */
struct sync_run {
	int fd;
	int r; /* 0 or -errno */
	struct timespec t0;
};

static void *sync_work(void *arg)
{
	struct sync_run *y = arg;
	y->r = syncfs(y->fd) < 0 ? -errno : 0;
	uc_debug(UC_AREA_GENERAL, "build: staged objects durable at %ld ms", uc_ms_since(&y->t0));
	return NULL;
}

static void *stubs_work(void *arg)
{
	struct stubs_run *s = arg;
	struct gen_build *b = s->b;
	struct skel_pdir c;
	struct sync_run y = {.fd = b->store.fd, .t0 = b->t0};
	pthread_t th;
	bool thread = b->nstaged && pthread_create(&th, NULL, sync_work, &y) == 0;
	if (b->nstaged && !thread)
		sync_work(&y);
	skel_pdir_init(&c, b->stubfd);
	for (size_t i = 0; s->r == 0 && i < b->next.n && !atomic_load(&s->stop); i++)
		if (s->kind[i] && (s->r = skel_make_stub(b, &c, i, s->kind[i])) < 0)
			s->at = i;
	skel_pdir_release(&c);
	uc_debug(UC_AREA_GENERAL, "build: stubs/ done at %ld ms (CPU %ld ms)", uc_ms_since(&b->t0),
		 uc_cpu_ms() - b->cpu0);
	if (thread)
		pthread_join(th, NULL);
	if (y.r < 0)
		s->placed = uc_fail_errno(&s->err, -y.r, "syncfs of the store");
	/* then the new objects, durable first, to their names, and +i when
	 * tree/ is linked already (else after the join) */
	if (s->r == 0 && s->placed == 0 && !atomic_load(&s->stop))
		s->placed = place_staged(b, &s->err);
	if (s->placed == 0 && atomic_load(&s->tree_done))
		skel_seal_fresh(b);
	uc_debug(UC_AREA_GENERAL, "build: stubs/ thread done at %ld ms (CPU %ld ms)",
		 uc_ms_since(&b->t0), uc_cpu_ms() - b->cpu0);
	return NULL;
}

/* What stubs/ shares with tree/ (symlinks, devices, config files), once
 * both are made. */
static int link_stubs(struct gen_build *b, struct uc_error *err)
{
	struct skel_pdir t, s;
	skel_pdir_init(&t, b->treefd);
	skel_pdir_init(&s, b->stubfd);
	int r = 0;
	size_t i = 0;
	for (; r == 0 && i < b->next.n; i++)
		r = skel_link_stub(b, &t, &s, i);
	skel_pdir_release(&t);
	skel_pdir_release(&s);
	return r < 0 ? uc_fail_errno(err, r, "skeleton: %s (stubs/)", b->next.v[i - 1].path) : 0;
}

/* tree/ in path order with the manifest, its linker cache (ldconfig needs
 * tree/ only) and the ELF check (it reads tree/ only, and not the files
 * this build read already: known_elf), while a second thread makes stubs/
 * and then places the new objects (after one syncfs; tree/ links them by
 * their staged names meanwhile); what the two trees share is linked into
 * stubs/ after both. */
static int make_paths(struct gen_build *b, struct manifest_writer *mw, struct uc_error *err)
{
	struct stubs_run s = {.b = b, .kind = malloc(b->next.n + 1)};
	if (!s.kind)
		return uc_fail(err, UC_INTERNAL, "out of memory");
	for (size_t i = 0; i < b->next.n; i++)
		s.kind[i] = skel_stub_kind(b, i);
	pthread_t th;
	bool thread = pthread_create(&th, NULL, stubs_work, &s) == 0;
	if (!thread)
		stubs_work(&s); /* no second thread: one after the other */
	int r = 0;
	for (size_t i = 0; r == 0 && i < b->next.n; i++) {
		progress(b, "paths", i, b->next.n);
		if (b->next.v[i].cls != W_NOT_TAKEN)
			r = skel_make_entry(b, i, mw, err);
	}
	progress(b, "paths", b->next.n, b->next.n);
	atomic_store(&s.tree_done, r == 0);
	uc_debug(UC_AREA_GENERAL, "build: tree/ made at %ld ms (CPU %ld ms)", uc_ms_since(&b->t0),
		 uc_cpu_ms() - b->cpu0);
	_cleanup_free_ char *cache = NULL;
	size_t clen = 0;
	if (r == 0)
		r = ldcache_run(b->rootfd, b->treefd, &cache, &clen, err);
	if (r == 0)
		r = ldcache_place(b->treefd, b->stubfd, cache, clen, mw, b->st, err);
	struct elfscan_known k = {known_elf, b};
	if (r == 0) /* it reads tree/ and its cache only */
		r = elfscan_generation(b->treefd, b->genfd, &b->next, &k, &b->ws.elf_added,
				       &b->ws.elf_recheck, b->st, err);
	uc_debug(UC_AREA_GENERAL, "build: linker cache, ELF check at %ld ms (CPU %ld ms)",
		 uc_ms_since(&b->t0), uc_cpu_ms() - b->cpu0);
	atomic_store(&s.stop, r < 0);
	if (thread)
		pthread_join(th, NULL);
	uc_debug(UC_AREA_GENERAL, "build: stubs/ made at %ld ms (CPU %ld ms)", uc_ms_since(&b->t0),
		 uc_cpu_ms() - b->cpu0);
	skel_seal_fresh(b); /* even after a failure: no object stays without +i */
	if (r == 0 && s.r < 0)
		r = uc_fail_errno(err, s.r, "skeleton: %s (stubs/)", b->next.v[s.at].path);
	if (r == 0 && s.placed < 0) {
		*err = s.err;
		r = s.placed;
	}
	free(s.kind);
	if (r == 0)
		r = link_stubs(b, err);
	if (r == 0 && cache)
		r = ldcache_link_stub(b->treefd, b->stubfd, err);
	return r;
}

/* tmp made durable and renamed to gen, then current switched to it. */
static int publish(struct gen_build *b, const char *tmp, const char *gen, struct uc_error *err)
{
	if (syncfs(b->genfd) < 0)
		return uc_fail_errno(err, errno, "syncfs");
	if (renameat(b->skelfd, tmp, b->skelfd, gen) < 0)
		return uc_fail_errno(err, errno, "publishing %s", gen);
	int r = skel_current_switch(b->skelfd, gen);
	return r < 0 ? uc_fail_errno(err, r, "switching current to %s", gen) : 0;
}

/* The debug line of a phase: wall time since t0, and the CPU time of the
 * process (all its threads) since the build began. */
static void phase_done(const char *gen, const char *what, const struct timespec *t0, long cpu0)
{
	uc_debug(UC_AREA_GENERAL, "build %s: %s at %ld ms (CPU %ld ms)", gen, what, uc_ms_since(t0),
		 uc_cpu_ms() - cpu0);
}

/* Objects first, then every path in order, the manifest and the index;
 * then the rename. A failure leaves gen.tmp (removed by the caller). */
static int build(struct gen_build *b, const char *gen, struct uc_error *err)
{
	char tmp[80];
	snprintf(tmp, sizeof(tmp), "%s.tmp", gen);
	int r = make_gen_dirs(b, tmp, err);
	if (r < 0)
		return r;
	b->staged = calloc(b->next.n + 1, sizeof(*b->staged));
	b->elf = calloc(b->next.n + 1, sizeof(*b->elf));
	b->xa = calloc(b->next.n + 1, sizeof(*b->xa));
	b->same_as = calloc(b->next.n + 1, sizeof(*b->same_as));
	if (!b->from_prev)
		b->from_prev = calloc(b->next.n + 1, sizeof(*b->from_prev));
	if (!b->staged || !b->elf || !b->xa || !b->same_as || !b->from_prev)
		return uc_fail(err, UC_INTERNAL, "out of memory");
	struct manifest_writer *mw = NULL;
	struct timespec t0;
	uc_clock_now(&t0);
	long cpu0 = uc_cpu_ms();
	b->t0 = t0;
	b->cpu0 = cpu0;
	if ((r = make_objects(b, err)) < 0 || (r = manifest_create(&mw, b->genfd, gen, err)) < 0)
		return r;
	phase_done(gen, "objects", &t0, cpu0);
	if ((r = make_paths(b, mw, err)) < 0) {
		manifest_abort(mw);
		return r;
	}
	phase_done(gen, "paths, linker cache, ELF check", &t0, cpu0);
	if ((r = manifest_commit(mw, err)) < 0 || (r = index_write(&b->next, b->genfd, err)) < 0 ||
	    (r = skel_cfg_missing_write(b->genfd, &b->ws.cfg_missing, err)) < 0)
		return r;
	phase_done(gen, "manifest and index", &t0, cpu0);
	r = publish(b, tmp, gen, err); /* tree/ and stubs/ durable first */
	phase_done(gen, "published", &t0, cpu0);
	return r;
}

static void release(struct gen_build *b)
{
	int fds[] = {b->rootfd, b->skelfd, b->genfd, b->treefd, b->stubfd, b->prevtreefd};
	skel_pdir_release(&b->ptree);
	skel_pdir_release(&b->pfirst);
	for (size_t i = 0; i < UC_ARRAY_SIZE(fds); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	for (size_t i = 0; b->staged && i < b->next.n; i++)
		free(b->staged[i]);
	free(b->staged);
	for (size_t i = 0; b->elf && i < b->next.n; i++)
		elf_file_release(&b->elf[i].f);
	free(b->elf);
	for (size_t i = 0; b->xa && i < b->next.n; i++)
		xattrs_release(&b->xa[i].set);
	free(b->xa);
	free(b->from_prev);
	free(b->same_as);
	strset_release(&b->keys);
	strset_release(&b->fresh);
	strset_release(&b->stub_first);
	strv_clear(&b->prev_elf);
	strv_clear(&b->prev_recheck);
	index_release(&b->prev);
	index_release(&b->next);
	wanted_release(&b->ws);
	free(b->prev_hit);
	path_dircache_release(&b->sigdc);
	rpmcache_release(&b->rpm_prev);
	rpmcache_release(&b->wrpm.next);
	skel_wrappers_release(&b->wrap);
	store_close(&b->store);
}

/* The no-op fast path: the walk only checks the wanted paths against the
 * current generation. 1: nothing changed (reported, the lean no-op's
 * record written), 0: something did (the set is made again, whole), or
 * -errno. */
static int try_noop(struct gen_build *b, struct uc_error *err)
{
	const struct skel_opts *o = b->o;
	struct skel_stats *st = b->st;
	if (!(b->prev_hit = calloc(b->prev.n + 1, sizeof(*b->prev_hit))))
		return uc_fail(err, UC_INTERNAL, "out of memory");
	b->probe = (struct wanted_probe){.same = same_as_prev, .ctx = b};
	b->probe.elf_added = b->prev_elf_missing ? NULL : &b->prev_elf;
	b->probe.elf_recheck = &b->prev_recheck;
	b->wrpm.prev = &b->rpm_prev;
	char cur[64];
	/* what the lean no-op (skel/noop.h) will check, taken before the set
	 * is built and compared after it */
	_cleanup_free_ char *snap = skel_current_read(b->skelfd, cur, sizeof(cur)) == 0 &&
					    !b->prev_elf_missing && !st->index_rebuilt
					? noop_snapshot(o->cfg, o->conf, b->rootfd, &b->prev, cur)
					: NULL;
	int r = wanted_build_rpm(&b->ws, o->cfg, o->conf, b->rootfd, &b->probe, &b->wrpm, &b->wrap,
				 err);
	if (r < 0)
		return r;
	if (!unchanged(b)) {
		/* the set again, whole this time (the packages' files as this
		 * pass found them: the rpmdb once) */
		wanted_release(&b->ws);
		b->probe = (struct wanted_probe){0};
		b->rpm_read = b->rpm_read || (o->conf->rpms.n && !b->wrpm.reused);
		rpmcache_release(&b->rpm_prev);
		b->rpm_prev = b->wrpm.next;
		b->wrpm.next = (struct rpmcache){0};
		return 0;
	}
	wanted_report(&b->ws, st);
	if (snap) {
		noop_record(b->skelfd, snap, o->cfg, o->conf, b->rootfd, &b->prev, &b->ws,
			    &b->wrpm.next, st);
	} else {
		noop_forget(b->skelfd);
		uc_debug(UC_AREA_GENERAL, "skel/noop: not recorded (%s)",
			 b->prev_elf_missing
			     ? "the generation misses libraries and has no recheck list"
			     : "an input it cannot prove");
	}
	if (o->conf->rpms.n && !b->wrpm.reused && !o->dry_run)
		rpmcache_save(&b->wrpm.next, b->skelfd); /* the rpmdb changed, not what it gives */
	st->nothing_to_do = true;
	skel_current_read(b->skelfd, st->generation, sizeof(st->generation));
	return 1;
}

/* The wanted set made whole, compared with the current generation, and a
 * new generation built when they differ (not with --dry-run). */
static int full_update(struct gen_build *b, unsigned *next, struct uc_error *err)
{
	const struct skel_opts *o = b->o;
	struct skel_stats *st = b->st;
	bool changed = false;
	b->wrpm.prev = &b->rpm_prev;
	struct timespec t0;
	uc_clock_now(&t0);
	int r = wanted_build_rpm(&b->ws, o->cfg, o->conf, b->rootfd, NULL, &b->wrpm, &b->wrap, err);
	uc_debug(UC_AREA_GENERAL, "update: the wanted set in %ld ms", uc_ms_since(&t0));
	if (r < 0)
		return r;
	b->rpm_read = b->rpm_read || (o->conf->rpms.n && !b->wrpm.reused);
	st->blacklisted = b->ws.blacklisted;
	wanted_report(&b->ws, st);
	if ((r = collect(b, &changed, err)) < 0)
		return r;
	if (!changed) {
		st->nothing_to_do = true;
		skel_current_read(b->skelfd, st->generation, sizeof(st->generation));
	} else if (!o->dry_run) {
		noop_forget(b->skelfd); /* a new generation: the next no-op records again */
		if ((r = open_store(b, err)) < 0)
			return r;
		if ((r = skel_scan_gens(b->skelfd, next)) < 0)
			return uc_fail_errno(err, r, "skeleton generations");
		snprintf(st->generation, sizeof(st->generation), SKEL_GEN_FMT, *next);
		if ((r = build(b, st->generation, err)) < 0)
			return r;
	}
	if (b->rpm_read && !o->dry_run)
		rpmcache_save(&b->wrpm.next, b->skelfd);
	return 0;
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
			      .prevtreefd = -1,
			      .mu = PTHREAD_MUTEX_INITIALIZER};
	memset(st, 0, sizeof(*st));
	skel_pdir_init(&b.ptree, -1);
	skel_pdir_init(&b.pfirst, -1);
	path_dircache_init(&b.sigdc);
	store_init_empty(&b.store, 0);
	unsigned next = 0;
	int r = open_state(&b, err);
	if (r == 0)
		r = skel_wrappers_plan(&b.wrap, o->cfg, err);
	if (r == 0)
		r = load_previous(&b, err);
	if (r == 0 && b.have_prev && !o->only && !o->dont_clean)
		r = try_noop(&b, err);
	if (r == 0)
		r = full_update(&b, &next, err);
	if (r < 0 && next) { /* a generation begun: what it made goes */
		char tmp[80];
		snprintf(tmp, sizeof(tmp), "%s.tmp", st->generation);
		store_rm_tree(b.skelfd, tmp);
	}
	release(&b);
	return r < 0 ? r : 0;
}
