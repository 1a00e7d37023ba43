#include "skel/wanted.h"

#include "lib/cleanup.h"
#include "lib/hashset.h"
#include "lib/path.h"
#include "lib/pwalk.h"
#include "rpmscan/rpmscan.h"
#include "skel/elfscan.h"
#include "skel/ldcache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct builder {
	struct wanted_set *ws;
	struct strset seen;
	const struct uc_config *cfg;
	const struct skel_conf *conf;
	int rootfd;
	struct wanted_probe *probe;
};

bool wanted_blacklisted(const struct strv *black, const char *path)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", path);
	for (size_t i = 0; i < black->n; i++) {
		/* the path itself and each parent directory */
		for (size_t len = strlen(buf); len > 0; len--) {
			if (buf[len] != '\0' && buf[len] != '/')
				continue;
			char c = buf[len];
			buf[len] = '\0';
			bool m = fnmatch(black->v[i], buf, FNM_PATHNAME | FNM_PERIOD) == 0;
			buf[len] = c;
			if (m)
				return true;
		}
	}
	return false;
}

static int add(struct builder *b, const char *path, char cls, const char *pkg, bool device_ok,
	       const struct stat *st)
{
	struct wanted_set *ws = b->ws;
	if (ldcache_is_generated(path))
		return 0; /* made for each generation */
	if (wanted_blacklisted(&b->conf->black, path)) {
		ws->blacklisted++;
		return 0;
	}
	size_t at;
	int ins = strset_insert(&b->seen, path, ws->n, &at);
	if (ins < 0)
		return ins;
	if (ins == 0) {
		/* seen before: an rpm's word on the class wins over a conf.d path */
		if (pkg) {
			ws->v[at].cls = cls;
			free(ws->v[at].pkg);
			ws->v[at].pkg = strdup(pkg);
		}
		return 0;
	}
	if (ws->n == ws->cap) {
		size_t cap = ws->cap ? ws->cap * 2 : 1024;
		struct wanted *v = realloc(ws->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		ws->v = v;
		ws->cap = cap;
	}
	struct wanted *w = &ws->v[ws->n++];
	w->path = strdup(path);
	w->cls = cls;
	w->device_ok = device_ok;
	w->pkg = pkg ? strdup(pkg) : NULL;
	w->have_st = st != NULL;
	if (st)
		w->st = *st;
	return w->path ? 0 : -ENOMEM;
}

static char policy_class(struct builder *b, const char *path)
{
	return rs_path_is_local(path, &b->cfg->local_paths) ? W_CONFIG : W_SHARED;
}

/* A directory of the host taken whole: walked through fds, no symlink
 * followed, on every core (lib/pwalk.c). Each thread collects (path, lstat)
 * records, added to the set afterwards in one thread; or, for a no-op
 * update's probe, checks each path against the current generation at once. */
struct wrec {
	char *path;
	struct stat st;
};

struct wthread {
	struct wrec *v;
	size_t n, cap;
	const struct strv *black, *local;
	struct wanted_probe *probe;
	size_t blacklisted;
};

static int rec_add(struct wthread *t, const char *path, const struct stat *st)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		struct wrec *v = realloc(t->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n] = (struct wrec){strdup(path), *st};
	return t->v[t->n++].path ? 0 : -ENOMEM;
}

static int wanted_entry(void *tctx, int dirfd, dev_t parent_dev, const char *path, const char *name,
			const struct stat *st)
{
	struct wthread *t = tctx;
	if (ldcache_is_generated(path))
		return 0;
	if (t->black->n && wanted_blacklisted(t->black, path)) {
		t->blacklisted++;
		return 0; /* with all below it */
	}
	if (t->probe) {
		char cls = rs_path_is_local(path, t->local) ? W_CONFIG : W_SHARED;
		if (t->probe->same(t->probe->ctx, path, st, cls))
			atomic_fetch_add(&t->probe->matched, 1);
		else
			atomic_store(&t->probe->differs, true);
	} else if (rec_add(t, path, st) < 0) {
		return -ENOMEM;
	}
	return S_ISDIR(st->st_mode) ? 1 : 0;
}

static int add_tree(struct builder *b, int dfd, const char *root)
{
	struct wthread t[PWALK_MAX_THREADS];
	void *tctx[PWALK_MAX_THREADS];
	size_t nth = pwalk_threads();
	struct stat st;
	for (size_t i = 0; i < nth; i++) {
		t[i] = (struct wthread){
		    .black = &b->conf->black, .local = &b->cfg->local_paths, .probe = b->probe};
		tctx[i] = &t[i];
	}
	struct pwalk_opts o = {
	    .fn = wanted_entry, .tctx = tctx, .nthreads = nth, .want_paths = true};
	int r = fstat(dfd, &st) < 0 ? -errno : 0;
	if (r < 0)
		close(dfd);
	else
		r = pwalk(dfd, root, st.st_dev, &o); /* consumes dfd */
	for (size_t i = 0; i < nth; i++) {
		b->ws->blacklisted += t[i].blacklisted;
		for (size_t j = 0; j < t[i].n; j++) {
			if (r == 0)
				r = add(b, t[i].v[j].path, policy_class(b, t[i].v[j].path), NULL,
					false, &t[i].v[j].st);
			free(t[i].v[j].path);
		}
		free(t[i].v);
	}
	return r;
}

static int add_cfg_path(struct builder *b, const char *p, bool device)
{
	struct stat st;
	_cleanup_close_ int fd = path_open_in_root(b->rootfd, p, O_PATH | O_NOFOLLOW, 0);
	if (fd < 0 || fstat(fd, &st) < 0)
		return 0; /* named but not on this host: nothing to take */
	int r = add(b, p, policy_class(b, p), NULL, device, &st);
	if (r == 0 && S_ISDIR(st.st_mode) && !wanted_blacklisted(&b->conf->black, p)) {
		int dfd = path_open_in_root(b->rootfd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
		if (dfd >= 0)
			r = add_tree(b, dfd, p);
	}
	return r;
}

/* Globs are expanded against the sysroot; each match is then opened inside
 * it again, so a match reached through a link out of the tree is not taken. */
static int add_pattern(struct builder *b, const char *pattern, bool device)
{
	if (!strpbrk(pattern, "*?["))
		return add_cfg_path(b, pattern, device);
	char full[PATH_MAX];
	path_join(full, sizeof(full), b->cfg->sysroot, pattern);
	glob_t g;
	int gr = glob(full, GLOB_NOSORT, NULL, &g);
	if (gr == GLOB_NOMATCH)
		return 0;
	if (gr != 0)
		return -EIO;
	size_t skip = strcmp(b->cfg->sysroot, "/") == 0 ? 0 : strlen(b->cfg->sysroot);
	int r = 0;
	for (size_t i = 0; r == 0 && i < g.gl_pathc; i++)
		if (path_is_clean_absolute(g.gl_pathv[i] + skip))
			r = add_cfg_path(b, g.gl_pathv[i] + skip, device);
	globfree(&g);
	return r;
}

static int from_rpm(const struct rs_file *f, void *arg)
{
	struct builder *b = arg;
	if (f->class == RS_C_GHOST || f->class == RS_C_SKIP) {
		b->ws->ghosts_skipped++;
		return 0;
	}
	return add(b, f->path, f->class == RS_C_CONFIG ? W_CONFIG : W_SHARED, f->nevra, false,
		   NULL);
}

/* skel/elfscan.h: the libraries conf.d programs need. A no-op update's
 * probe takes the current generation's list rather than read every program. */
static int add_elf(void *ctx, const char *path)
{
	struct builder *b = ctx;
	size_t n = b->ws->n;
	int r = add(b, path, policy_class(b, path), NULL, false, NULL);
	return r < 0 ? r : b->ws->n > n;
}

static int add_elfdeps(struct builder *b)
{
	struct strv programs = STRV_INIT;
	int r = 0;
	if (b->probe && !b->probe->elf_added)
		atomic_store(&b->probe->differs, true);
	for (size_t i = 0; b->probe && b->probe->elf_added && r >= 0 && i < b->probe->elf_added->n;
	     i++)
		r = add_elf(b, b->probe->elf_added->v[i]);
	for (size_t i = 0; !b->probe && r >= 0 && i < b->ws->n; i++)
		if (!b->ws->v[i].pkg && b->ws->v[i].have_st && S_ISREG(b->ws->v[i].st.st_mode))
			r = strv_push(&programs, b->ws->v[i].path);
	if (!b->probe && r >= 0)
		r = elfscan_wanted(b->rootfd, &programs, &b->conf->black, add_elf, b,
				   &b->ws->elf_added);
	strv_clear(&programs);
	return r < 0 ? r : 0;
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(((const struct wanted *)a)->path, ((const struct wanted *)b)->path);
}

/* Every parent of a wanted path is wanted (a directory with the host's
 * metadata), unless black-listed — then its children go too. */
static int add_parents(struct builder *b)
{
	size_t n = b->ws->n;
	for (size_t i = 0; i < n; i++) {
		char p[PATH_MAX];
		snprintf(p, sizeof(p), "%s", b->ws->v[i].path);
		for (char *s = strrchr(p, '/'); s && s > p; s = strrchr(p, '/')) {
			*s = '\0';
			if (strset_contains(&b->seen, p))
				break;
			int r = add(b, p, W_OTHER, NULL, false, NULL);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int wanted_build(struct wanted_set *ws, const struct uc_config *cfg, const struct skel_conf *conf,
		 int rootfd, struct wanted_probe *probe, struct uc_error *err)
{
	struct builder b = {.ws = ws, .cfg = cfg, .conf = conf, .rootfd = rootfd, .probe = probe};
	memset(ws, 0, sizeof(*ws));
	int r = 0;
	for (size_t s = 0; r == 0 && s < conf->n; s++) {
		for (size_t i = 0; r == 0 && i < conf->v[s].paths.n; i++)
			r = add_pattern(&b, conf->v[s].paths.v[i], false);
		for (size_t i = 0; r == 0 && i < conf->v[s].devices.n; i++)
			r = add_pattern(&b, conf->v[s].devices.v[i], true);
	}
	if (r < 0) {
		strset_release(&b.seen);
		return uc_fail_errno(err, r, "wanted set");
	}
	if (conf->rpms.n) {
		struct rpmscan_opts o = {.sysroot = cfg->sysroot,
					 .dbpath = cfg->rpm_dbpath,
					 .packages = &conf->rpms,
					 .local_paths = &cfg->local_paths};
		r = rpmscan_run(&o, from_rpm, &b, err);
	}
	if (r == 0)
		r = add_elfdeps(&b);
	if (r == 0)
		r = add_parents(&b);
	strset_release(&b.seen);
	if (r < 0) {
		if (err->kind == UC_OK)
			uc_fail_errno(err, r, "wanted set");
		return r;
	}
	qsort(ws->v, ws->n, sizeof(*ws->v), cmp_path);
	return 0;
}

void wanted_release(struct wanted_set *ws)
{
	for (size_t i = 0; i < ws->n; i++) {
		free(ws->v[i].path);
		free(ws->v[i].pkg);
	}
	free(ws->v);
	strv_clear(&ws->elf_added);
	memset(ws, 0, sizeof(*ws));
}
