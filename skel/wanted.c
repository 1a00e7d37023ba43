#include "skel/wanted.h"

#include "lib/cleanup.h"
#include "lib/array.h"
#include "lib/hashset.h"
#include "lib/log.h"
#include "lib/path.h"
#include "lib/pwalk.h"
#include "lib/users.h"
#include "skel/rpmcache.h"
#include "skel/skel.h"
#include "rpmscan/rpmscan.h"
#include "skel/elfscan.h"
#include "skel/ldcache.h"
#include "skel/noop.h"

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
	struct strset homes, home_parents; /* real paths in sysroot */
	struct strv black;		   /* black.list + the built-in exclusions */
	struct rpmcache *rpm_out;	   /* what the rpmdb scan gives, kept */
	/* directories resolved to their real paths (index into dir_real, or
	 * SIZE_MAX: not on the host), and the last one asked */
	struct strset dirs;
	struct strv dir_real;
	char last_dir[PATH_MAX], last_real[PATH_MAX];
	int last_r;
	struct path_dircache dc; /* lstat of real paths, by parent directory */
	struct strv walked;	 /* directories taken whole so far */
	const struct skel_wrappers *wrap;
	struct strset wrap_real; /* the wrapper paths, real: never from sysroot */
};

/* dst = the len bytes of src and a NUL (what snprintf "%.*s" does,
 * without printf's machinery: it showed in the no-op update's profile,
 * several copies per path). 0, or -ENAMETOOLONG with dst cut. */
static int copy_n(char *dst, size_t size, const char *src, size_t len)
{
	int r = 0;
	if (len >= size) {
		len = size - 1;
		r = -ENAMETOOLONG;
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
	return r;
}

static int copy_str(char *dst, size_t size, const char *src)
{
	return copy_n(dst, size, src, strlen(src));
}

/* Below a directory already taken whole? (paths=/usr, /bin with /bin ->
 * usr/bin: /usr/bin is walked once) */
static bool walked_already(const struct builder *b, const char *real)
{
	for (size_t i = 0; i < b->walked.n; i++)
		if (path_has_prefix(real, b->walked.v[i]))
			return true;
	return false;
}

/* ---- homes ------------------------------------------------------------- */

enum { H_NONE, H_IN_HOME, H_PARENT };

/* Is path a home or below one, or the directory holding a home? (Read-only
 * lookups: the walking threads call it.) */
static int home_kind(const struct strset *homes, const struct strset *parents, const char *path)
{
	if (!homes->n)
		return H_NONE;
	char buf[PATH_MAX];
	copy_str(buf, sizeof(buf), path);
	for (;;) {
		if (strset_contains(homes, buf))
			return H_IN_HOME;
		char *sl = strrchr(buf, '/');
		if (!sl || sl == buf)
			break;
		*sl = '\0';
	}
	return strset_contains(parents, path) ? H_PARENT : H_NONE;
}

/* A directory holding homes is taken as root's 0755 directory, whoever owns
 * it on the host (another hosting user's uid showed in every cage). */
static void home_parent_stat(struct stat *st)
{
	st->st_mode = S_IFDIR | 0755;
	st->st_uid = 0;
	st->st_gid = 0;
}

static int add_home_path(struct builder *b, const char *home)
{
	char parent[PATH_MAX];
	int r = strset_add(&b->homes, home);
	snprintf(parent, sizeof(parent), "%s", home);
	char *sl = strrchr(parent, '/');
	if (r >= 0 && sl && sl > parent) {
		*sl = '\0';
		r = strset_add(&b->home_parents, parent);
	}
	return r < 0 ? r : 0;
}

static int add_home(struct builder *b, const char *home)
{
	char real[PATH_MAX];
	if (!path_is_clean_absolute(home) || strcmp(home, "/") == 0)
		return 0; /* "/" (nobody's) or a broken entry: not a home to hide */
	int r = add_home_path(b, home);
	/* and where it really is in sysroot (/home -> var/home) */
	if (r == 0 && path_resolve_in_root(b->rootfd, home, true, real, sizeof(real), NULL) == 0 &&
	    strcmp(real, "/") != 0 && strcmp(real, home) != 0)
		r = add_home_path(b, real);
	return r;
}

static int load_homes(struct builder *b, struct uc_error *err)
{
	struct uc_userlist users = {0};
	int r = users_all(b->cfg, &users, err);
	for (size_t i = 0; r == 0 && i < users.n; i++)
		if (users.v[i].uid >= b->cfg->min_uid && users.v[i].home)
			r = add_home(b, users.v[i].home);
	userlist_release(&users);
	return r;
}

bool wanted_blacklisted(const struct strv *black, const char *path)
{
	char buf[PATH_MAX];
	bool copied = false; /* only patterns need the copy (called for every path) */
	for (size_t i = 0; i < black->n; i++) {
		if (!strpbrk(black->v[i], "*?[\\")) {
			/* a plain path (the built-in ones): itself or a parent */
			if (path_has_prefix(path, black->v[i]))
				return true;
			continue;
		}
		if (!copied)
			copy_str(buf, sizeof(buf), path);
		copied = true;
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
	if (cls != W_WRAPPER && b->wrap_real.n && strset_contains(&b->wrap_real, path))
		return 0; /* the proxy's wrapper goes there (add_wrappers) */
	if (wanted_blacklisted(&b->black, path)) {
		ws->blacklisted++;
		return 0;
	}
	int hk = home_kind(&b->homes, &b->home_parents, path);
	struct stat hst;
	if (hk == H_IN_HOME) {
		ws->in_homes++;
		return 0;
	}
	if (hk == H_PARENT) {
		_cleanup_close_ int fd =
		    st ? -1 : path_open_in_root(b->rootfd, path, O_PATH | O_NOFOLLOW, 0);
		if (!st && (fd < 0 || fstat(fd, &hst) < 0))
			return 0; /* not on the host */
		if (st)
			hst = *st;
		if (S_ISDIR(hst.st_mode)) {
			home_parent_stat(&hst);
			st = &hst;
		} else {
			hk = H_NONE; /* a link to where the homes are: as it is */
		}
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
	if (UC_GROW(&ws->v, &ws->cap, ws->n + 1) < 0)
		return -ENOMEM;
	struct wanted *w = &ws->v[ws->n++];
	w->path = strdup(path);
	w->cls = cls;
	w->device_ok = device_ok;
	w->pkg = pkg ? strdup(pkg) : NULL;
	w->home_parent = hk == H_PARENT;
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
	const struct strset *homes, *home_parents;
	const struct strset *wrap_real; /* not taken from the walk */
	struct wanted_probe *probe;
	size_t blacklisted, in_homes;
};

static int rec_add(struct wthread *t, const char *path, const struct stat *st)
{
	if (UC_GROW(&t->v, &t->cap, t->n + 1) < 0)
		return -ENOMEM;
	t->v[t->n] = (struct wrec){strdup(path), *st};
	return t->v[t->n++].path ? 0 : -ENOMEM;
}

static int wanted_entry(void *tctx, int dirfd, dev_t parent_dev, const char *path, const char *name,
			const struct stat *st)
{
	struct wthread *t = tctx;
	if (ldcache_is_generated(path) || (t->wrap_real->n && strset_contains(t->wrap_real, path)))
		return 0; /* made for each generation / the proxy's wrapper */
	if (t->black->n && wanted_blacklisted(t->black, path)) {
		t->blacklisted++;
		return 0; /* with all below it */
	}
	int hk = home_kind(t->homes, t->home_parents, path);
	struct stat hst;
	if (hk == H_IN_HOME) {
		t->in_homes++;
		return 0;
	}
	if (hk == H_PARENT && S_ISDIR(st->st_mode)) {
		hst = *st;
		home_parent_stat(&hst);
		st = &hst; /* taken empty: nothing below it */
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
	return S_ISDIR(st->st_mode) && hk != H_PARENT ? 1 : 0;
}

static int add_tree(struct builder *b, int dfd, const char *root)
{
	struct wthread t[PWALK_MAX_THREADS];
	void *tctx[PWALK_MAX_THREADS];
	size_t nth = pwalk_threads();
	struct stat st;
	for (size_t i = 0; i < nth; i++) {
		t[i] = (struct wthread){.black = &b->black,
					.local = &b->cfg->local_paths,
					.homes = &b->homes,
					.home_parents = &b->home_parents,
					.wrap_real = &b->wrap_real,
					.probe = b->probe};
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
		b->ws->in_homes += t[i].in_homes;
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

/* A symlink met on the way to a wanted path: taken as it is. */
static int add_link(struct builder *b, const char *link)
{
	struct stat st;
	if (path_lstat_in_root(&b->dc, b->rootfd, link, &st) < 0)
		return 0;
	return add(b, link, W_OTHER, NULL, false, &st);
}

static int add_links(struct builder *b, const struct strv *links)
{
	int r = 0;
	for (size_t i = 0; r == 0 && i < links->n; i++)
		r = add_link(b, links->v[i]);
	return r;
}

static int parent_real(struct builder *b, const char *path, char *real, size_t size);

/* The real path of directory dir: its parent's (cached) + its name, or,
 * when that name is a link, where the link leads inside sysroot. */
static int dir_resolve(struct builder *b, const char *dir, char *real, size_t size)
{
	struct stat st;
	int r = parent_real(b, dir, real, size);
	if (r == 0)
		r = path_lstat_in_root(&b->dc, b->rootfd, real, &st);
	if (r < 0 || S_ISDIR(st.st_mode))
		return r;
	if (!S_ISLNK(st.st_mode))
		return -ENOTDIR;
	struct strv links = STRV_INIT;
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s", real);
	r = path_resolve_in_root(b->rootfd, tmp, true, real, size, &links);
	if (r == 0)
		r = add_links(b, &links);
	strv_clear(&links);
	return r;
}

/* The real path of directory dir inside sysroot (links on the way taken),
 * resolved once per directory. 0, or -errno when it is not on the host. */
static int dir_real(struct builder *b, const char *dir, char *real, size_t size)
{
	size_t i;
	if (b->last_dir[0] && strcmp(dir, b->last_dir) == 0) {
		copy_str(real, size, b->last_real);
		return b->last_r;
	}
	if (!strset_get(&b->dirs, dir, &i)) {
		int r = dir_resolve(b, dir, real, size);
		if (r == -ENOMEM)
			return r;
		i = r < 0 ? SIZE_MAX : b->dir_real.n;
		if ((r == 0 && strv_push(&b->dir_real, real) < 0) ||
		    strset_put(&b->dirs, dir, i) < 0)
			return -ENOMEM;
	}
	int r = i == SIZE_MAX ? -ENOENT : 0;
	copy_str(real, size, r == 0 ? b->dir_real.v[i] : dir);
	copy_str(b->last_dir, sizeof(b->last_dir), dir);
	copy_str(b->last_real, sizeof(b->last_real), real);
	b->last_r = r;
	return r;
}

/* dir_real of path's directory + its name (not followed); "/x" and "/"
 * as they are. */
static int parent_real(struct builder *b, const char *path, char *real, size_t size)
{
	const char *sl = strrchr(path, '/');
	if (!sl || sl == path)
		return copy_str(real, size, path);
	char dir[PATH_MAX], rd[PATH_MAX];
	if (copy_n(dir, sizeof(dir), path, (size_t)(sl - path)) < 0)
		return -ENAMETOOLONG;
	int r = dir_real(b, dir, rd, sizeof(rd));
	if (r < 0)
		return r;
	size_t rl = strcmp(rd, "/") ? strlen(rd) : 0;
	if (rl >= size)
		return -ENAMETOOLONG;
	memcpy(real, rd, rl);
	return copy_str(real + rl, size - rl, sl);
}

/* A cfg path at its real path, with st its lstat: the directory through
 * dir_real (cached), and a name that is itself a link followed (links
 * kept). 0, or -errno when it is not on the host. */
static int cfg_real(struct builder *b, const char *p, char *real, size_t size, struct stat *st)
{
	int r = parent_real(b, p, real, size);
	if (r == 0)
		r = path_lstat_in_root(&b->dc, b->rootfd, real, st);
	if (r < 0 || !S_ISLNK(st->st_mode))
		return r;
	struct strv links = STRV_INIT;
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s", real);
	r = path_resolve_in_root(b->rootfd, tmp, true, real, size, &links);
	if (r == 0)
		r = add_links(b, &links);
	strv_clear(&links);
	if (r == 0)
		r = path_lstat_in_root(&b->dc, b->rootfd, real, st);
	return r;
}

/* Does a cfg path reach a home (is one, is inside one, or holds one)? */
static bool reaches_home(const struct builder *b, const char *real)
{
	if (home_kind(&b->homes, &b->home_parents, real) != H_NONE)
		return true;
	for (size_t i = 0; i < b->homes.cap; i++)
		if (b->homes.v[i] && path_has_prefix(b->homes.v[i], real))
			return true;
	return false;
}

static int add_cfg_path(struct builder *b, const char *p, bool device)
{
	struct stat st;
	char real[PATH_MAX];
	int r = cfg_real(b, p, real, sizeof(real), &st);
	if (r == -ENOMEM)
		return r;
	if (r < 0) /* named but not on this host: counted */
		return strv_contains(&b->ws->cfg_missing, p) ? 0
							     : strv_push(&b->ws->cfg_missing, p);
	if (reaches_home(b, real) && !strv_contains(&b->ws->cfg_homes, p) &&
	    strv_push(&b->ws->cfg_homes, p) < 0)
		return -ENOMEM;
	r = add(b, real, policy_class(b, real), NULL, device, &st);
	if (r == 0 && S_ISDIR(st.st_mode) && !wanted_blacklisted(&b->black, real) &&
	    home_kind(&b->homes, &b->home_parents, real) == H_NONE && !walked_already(b, real)) {
		if (strv_push(&b->walked, real) < 0)
			return -ENOMEM;
		int dfd =
		    path_open_in_root(b->rootfd, real, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
		if (dfd >= 0)
			r = add_tree(b, dfd, real);
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
		return strv_contains(&b->ws->cfg_missing, pattern)
			   ? 0
			   : strv_push(&b->ws->cfg_missing, pattern);
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

/* The real path of a packaged file: its directory resolved inside sysroot
 * (once per directory: a package's files come sorted), the links on the
 * way taken, the name itself as it is (a packaged symlink is a symlink). */
static int rpm_real_path(struct builder *b, const char *path, char *real, size_t size)
{
	return parent_real(b, path, real, size);
}

static int rpm_take(struct builder *b, const char *path, char cls, const char *nevra)
{
	char real[PATH_MAX];
	int r = rpm_real_path(b, path, real, sizeof(real));
	if (r == -ENOMEM)
		return r;
	if (r < 0) /* its directory is not on the host: counted as missing */
		copy_str(real, sizeof(real), path);
	if (strcmp(real, path) != 0 && wanted_blacklisted(&b->black, path)) {
		b->ws->blacklisted++; /* black-listed by the name the package gives it */
		return 0;
	}
	struct stat st; /* looked up here, in order: signature() then needs no lookup */
	bool have = path_lstat_in_root(&b->dc, b->rootfd, real, &st) == 0;
	return add(b, real, cls, nevra, false, have ? &st : NULL);
}

static int from_rpm(const struct rs_file *f, void *arg)
{
	struct builder *b = arg;
	if (f->class == RS_C_GHOST || f->class == RS_C_SKIP) {
		b->ws->ghosts_skipped++;
		b->rpm_out->ghosts++;
		return 0;
	}
	char cls = f->class == RS_C_CONFIG ? W_CONFIG : W_SHARED;
	int r = rpmcache_add(b->rpm_out, f->path, cls, f->nevra);
	return r < 0 ? r : rpm_take(b, f->path, cls, f->nevra);
}

/* The packages' files: from the previous generation's rpm-files while the
 * rpmdb and rpm.list are as they were then, else from the rpmdb (a sqlite
 * one through a snapshot: a read must change nothing under sysroot, and
 * librpm writes rpmdb.sqlite-shm even for a read-only open). */
static int rpm_files(struct builder *b, struct wanted_rpm *rpm, struct uc_error *err)
{
	struct wanted_rpm none = {0};
	struct rpmcache *next = rpm ? &rpm->next : &none.next;
	const struct rpmcache *prev = rpm ? rpm->prev : NULL;
	bool sqlite = false;
	int r = rpmcache_key(b->rootfd, b->cfg, &b->conf->rpms, &next->key, &sqlite);
	if (r == 0 && prev && prev->key && strcmp(prev->key, next->key) == 0) {
		rpm->reused = true;
		next->ghosts = b->ws->ghosts_skipped = prev->ghosts;
		for (size_t i = 0; r == 0 && i < prev->n; i++) {
			const struct rpmcache_ent *e = &prev->v[i];
			r = rpmcache_add(next, e->path, e->cls, e->nevra);
			if (r == 0)
				r = rpm_take(b, e->path, e->cls, e->nevra[0] ? e->nevra : NULL);
		}
	} else if (r == 0) {
		struct rpmscan_opts o = {.sysroot = b->cfg->sysroot,
					 .dbpath = b->cfg->rpm_dbpath,
					 .packages = &b->conf->rpms,
					 .local_paths = &b->cfg->local_paths,
					 .snapshot = sqlite};
		b->rpm_out = next;
		r = rpmscan_run(&o, from_rpm, b, err);
	}
	rpmcache_release(&none.next);
	return r;
}

/* Never skeleton content, whatever black.list says: the rpm databases
 * (the host's package state, not files to run) and unicage's own state and
 * run directories when they are inside sysroot (paths=/var/lib would take
 * every generation into the next). */
static int builtin_black(struct builder *b)
{
	const char *fixed[] = {"/var/lib/rpm", "/usr/lib/sysimage/rpm", b->cfg->rpm_dbpath};
	const char *own[] = {b->cfg->state_dir, b->cfg->run_dir, b->cfg->cages_dir};
	int r = 0;
	for (size_t i = 0; r == 0 && i < b->conf->black.n; i++)
		r = strv_push(&b->black, b->conf->black.v[i]);
	for (size_t i = 0; r == 0 && i < UC_ARRAY_SIZE(fixed); i++)
		if (fixed[i] && !strpbrk(fixed[i], "*?["))
			r = strv_push(&b->black, fixed[i]);
	size_t rl = strcmp(b->cfg->sysroot, "/") == 0 ? 0 : strlen(b->cfg->sysroot);
	for (size_t i = 0; r == 0 && i < UC_ARRAY_SIZE(own); i++) {
		const char *p = own[i];
		if (!p || strpbrk(p, "*?[") || (rl && !path_has_prefix(p, b->cfg->sysroot)))
			continue;
		if (path_is_clean_absolute(p + rl) && strcmp(p + rl, "/") != 0)
			r = strv_push(&b->black, p + rl);
	}
	return r;
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
	if (b->probe && b->probe->elf_added && b->probe->elf_recheck && r >= 0) {
		struct strv found = STRV_INIT; /* anything here makes the set differ */
		r = elfscan_recheck(b->rootfd, b->probe->elf_recheck, &b->black, add_elf, b, &found,
				    &b->ws->elf_probes);
		strv_clear(&found);
	}
	for (size_t i = 0; !b->probe && r >= 0 && i < b->ws->n; i++)
		if (!b->ws->v[i].pkg && b->ws->v[i].have_st && S_ISREG(b->ws->v[i].st.st_mode))
			r = strv_push(&programs, b->ws->v[i].path);
	if (!b->probe && r >= 0)
		r = elfscan_wanted(b->rootfd, &programs, &b->black, add_elf, b, &b->ws->elf_added,
				   &b->ws->elf_recheck);
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
		copy_str(p, sizeof(p), b->ws->v[i].path);
		for (char *s = strrchr(p, '/'); s && s > p; s = strrchr(p, '/')) {
			*s = '\0';
			if (strset_contains(&b->seen, p))
				break;
			struct stat st; /* parents come in order: their directory is open */
			bool have = path_lstat_in_root(&b->dc, b->rootfd, p, &st) == 0;
			int r = add(b, p, W_OTHER, NULL, false, have ? &st : NULL);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* The wrapper paths at their real paths (before any walk: the walking
 * threads leave them out). A link on the way is taken as usual. */
static int resolve_wrappers(struct builder *b)
{
	for (size_t i = 0; b->wrap && b->wrap->exe[0] && i < b->wrap->paths.n; i++) {
		const char *p = b->wrap->paths.v[i];
		char real[PATH_MAX];
		struct stat st;
		int r = parent_real(b, p, real, sizeof(real));
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			uc_log(UC_LOG_WARN,
			       "proxy wrapper %s: its directory is not in sysroot: none", p);
			continue;
		}
		if (path_lstat_in_root(&b->dc, b->rootfd, real, &st) == 0 && S_ISDIR(st.st_mode)) {
			uc_log(UC_LOG_WARN, "proxy wrapper %s: a directory in sysroot: none", p);
			continue;
		}
		if (strset_add(&b->wrap_real, real) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Each wrapper path, with the wrapper binary's identity. */
static int add_wrappers(struct builder *b)
{
	int r = 0;
	for (size_t i = 0; r == 0 && i < b->wrap_real.cap; i++)
		if (b->wrap_real.v[i])
			r = add(b, b->wrap_real.v[i], W_WRAPPER, NULL, false, &b->wrap->st);
	return r;
}

int wanted_build(struct wanted_set *ws, const struct uc_config *cfg, const struct skel_conf *conf,
		 int rootfd, struct wanted_probe *probe, struct uc_error *err)
{
	return wanted_build_rpm(ws, cfg, conf, rootfd, probe, NULL, NULL, err);
}

static void builder_release(struct builder *b)
{
	strset_release(&b->seen);
	strset_release(&b->dirs);
	strv_clear(&b->dir_real);
	strv_clear(&b->walked);
	path_dircache_release(&b->dc);
	strset_release(&b->homes);
	strset_release(&b->home_parents);
	strv_clear(&b->black);
	strset_release(&b->wrap_real);
}

int wanted_build_rpm(struct wanted_set *ws, const struct uc_config *cfg,
		     const struct skel_conf *conf, int rootfd, struct wanted_probe *probe,
		     struct wanted_rpm *rpm, const struct skel_wrappers *wrap, struct uc_error *err)
{
	struct builder b = {
	    .ws = ws, .cfg = cfg, .conf = conf, .rootfd = rootfd, .probe = probe, .wrap = wrap};
	memset(ws, 0, sizeof(*ws));
	path_dircache_init(&b.dc);
	int r = builtin_black(&b) < 0 ? uc_fail(err, UC_INTERNAL, "out of memory") : 0;
	if (r == 0)
		r = load_homes(&b, err);
	if (r == 0 && resolve_wrappers(&b) < 0)
		r = uc_fail(err, UC_INTERNAL, "out of memory");
	if (r < 0) {
		builder_release(&b);
		return r;
	}
	for (size_t s = 0; r == 0 && s < conf->n; s++) {
		for (size_t i = 0; r == 0 && i < conf->v[s].paths.n; i++)
			r = add_pattern(&b, conf->v[s].paths.v[i], false);
		for (size_t i = 0; r == 0 && i < conf->v[s].devices.n; i++)
			r = add_pattern(&b, conf->v[s].devices.v[i], true);
	}
	if (r < 0) {
		builder_release(&b);
		return uc_fail_errno(err, r, "wanted set");
	}
	if (conf->rpms.n)
		r = rpm_files(&b, rpm, err);
	if (r == 0)
		r = add_elfdeps(&b);
	if (r == 0)
		r = add_wrappers(&b);
	if (r == 0)
		r = add_parents(&b);
	builder_release(&b);
	if (r < 0) {
		if (err->kind == UC_OK)
			uc_fail_errno(err, r, "wanted set");
		return r;
	}
	if (ws->n)
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
	strv_clear(&ws->cfg_missing);
	strv_clear(&ws->cfg_homes);
	strv_clear(&ws->elf_added);
	strv_clear(&ws->elf_recheck);
	strv_clear(&ws->elf_probes);
	memset(ws, 0, sizeof(*ws));
}

void wanted_report(const struct wanted_set *ws, struct skel_stats *st)
{
	st->cfg_missing = ws->cfg_missing.n;
	st->in_homes = ws->in_homes;
	noop_say_paths(&ws->cfg_missing, &ws->cfg_homes);
}

/* print-suids: the setuid/setgid files of the wanted set as the sysroot
 * has them, and whether a build keeps their bits. */
int skel_suids(const struct skel_opts *o, struct suid_file **out, size_t *n, struct uc_error *err)
{
	struct wanted_set ws;
	*out = NULL;
	*n = 0;
	_cleanup_close_ int rootfd = open(o->cfg->sysroot, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return uc_fail_errno(err, errno, "sysroot %s", o->cfg->sysroot);
	int r = wanted_build(&ws, o->cfg, o->conf, rootfd, NULL, err);
	for (size_t i = 0; r == 0 && i < ws.n; i++) {
		struct stat st;
		_cleanup_close_ int fd =
		    path_open_in_root(rootfd, ws.v[i].path, O_PATH | O_NOFOLLOW, 0);
		if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
		    !(st.st_mode & (S_ISUID | S_ISGID)))
			continue;
		struct suid_file *v = realloc(*out, (*n + 1) * sizeof(*v));
		if (!v) {
			r = uc_fail(err, UC_INTERNAL, "out of memory");
			break;
		}
		*out = v;
		v[*n] = (struct suid_file){strdup(ws.v[i].path), st.st_mode & 07777,
					   !o->cfg->strip_suid ||
					       strv_contains(&o->cfg->suid_allow, ws.v[i].path)};
		(*n)++;
	}
	wanted_release(&ws);
	return r;
}
