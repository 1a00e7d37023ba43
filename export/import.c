/* import_cage: the whole archive is checked while it is extracted into
 * temporary directories beside each target (the cage directory, the user's
 * custom.etc, the home), and only then renamed into place; the old ones stay
 * until the new ones are in. Every entry is created with *at() calls below
 * its temporary root, never following a link. */
#include "export/import_int.h"

#include "mount/treeswap.h"
#include "export/workers.h"
#include "export/xman.h"
#include "lib/cleanup.h"
#include "lib/lock.h"
#include "lib/log.h"
#include "lib/path.h"
#include "lib/statepath.h"
#include "lib/store.h"
#include "lib/sys.h"
#include "lib/users.h"
#include "mount/cage.h"
#include "mount/etc.h"
#include "mount/policy.h"
#include "skel/current.h"

#include <acl/libacl.h>
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/acl.h>
#include <sys/stat.h>
#include <unistd.h>

#define MANIFEST_MAX (64u << 20)

/* ---- the first entry: the manifest --------------------------------------- */

static int read_manifest(struct imp *x)
{
	struct archive_entry *e;
	int r = archive_read_next_header(x->a, &e);
	if (r != ARCHIVE_OK)
		return uc_fail(x->err, UC_BADREQUEST, "not a cage archive, or a corrupt stream: %s",
			       archive_error_string(x->a) ? archive_error_string(x->a) : "empty");
	if (strcmp(archive_entry_pathname(e), XMAN_NAME) || archive_entry_filetype(e) != AE_IFREG ||
	    archive_entry_size(e) <= 0 || (uint64_t)archive_entry_size(e) > MANIFEST_MAX)
		return import_reject(x, archive_entry_pathname(e),
				     "the first entry must be " XMAN_NAME);
	size_t len = (size_t)archive_entry_size(e);
	char *buf = malloc(len);
	if (!buf)
		return uc_fail(x->err, UC_INTERNAL, "out of memory");
	la_ssize_t n = archive_read_data(x->a, buf, len);
	int rc = n != (la_ssize_t)len
		     ? uc_fail(x->err, UC_BADREQUEST, "truncated stream (%s)", XMAN_NAME)
		     : xman_parse(&x->man, buf, len, x->err);
	free(buf);
	return rc;
}

/* ---- the target account and places ----------------------------------------- */

static int find_account(struct imp *x)
{
	const char *name = x->o->user ? x->o->user : x->man.user;
	struct uc_userlist all = {0};
	int r = 0;
	if (x->o->uid >= 0 && !x->o->user) {
		/* --uid alone: the account with that uid */
		if ((r = users_all(x->cfg, &all, x->err)) < 0)
			return r;
		for (size_t i = 0; i < all.n; i++)
			if ((long)all.v[i].uid == x->o->uid) {
				x->u = all.v[i];
				memset(&all.v[i], 0, sizeof(all.v[i]));
				userlist_release(&all);
				return 0;
			}
		userlist_release(&all);
		return uc_fail(x->err, UC_NOTFOUND, "no user with uid %ld on this host", x->o->uid);
	}
	if ((r = users_lookup(x->cfg, name, &x->u, x->err)) < 0)
		return r;
	if (x->o->uid >= 0 && (long)x->u.uid != x->o->uid)
		return uc_fail(x->err, UC_BADREQUEST, "--uid %ld: %s is uid %u on this host",
			       x->o->uid, x->u.name, (unsigned)x->u.uid);
	return 0;
}

/* The parents of a place are the host's own (cages_dir/NN,
 * config_dir/custom.etc): those made here are remembered, so that a refused
 * import removes them again. */
static int make_parents(struct imp *x, char *parent)
{
	for (char *c = parent + 1;; c++) {
		if (*c != '/' && *c != '\0')
			continue;
		char keep = *c;
		*c = '\0';
		if (mkdir(parent, 0755) == 0)
			strv_push(&x->made, parent);
		else if (errno != EEXIST)
			return uc_fail_errno(x->err, errno, "%s", parent);
		*c = keep;
		if (!keep)
			return 0;
	}
}

static int make_tmp(struct imp *x, unsigned t, const char *final)
{
	struct place *pl = &x->t[t];
	_cleanup_free_ char *parent = strdup(final);
	char *sl = parent ? strrchr(parent, '/') : NULL;
	if (!parent || !(pl->final = strdup(final)))
		return uc_fail(x->err, UC_INTERNAL, "out of memory");
	if (!sl || sl == parent)
		return uc_fail(x->err, UC_BADREQUEST, "%s: no parent directory", final);
	*sl = '\0';
	int r = make_parents(x, parent);
	if (r < 0)
		return r;
	char name[300];
	import_tmp_name(name, sizeof(name), x->u.name, (int)getpid());
	if (asprintf(&pl->tmp, "%s/%s", parent, name) < 0) {
		pl->tmp = NULL;
		return uc_fail(x->err, UC_INTERNAL, "out of memory");
	}
	if (mkdir(pl->tmp, 0700) < 0) {
		r = uc_fail_errno(x->err, errno, "%s", pl->tmp);
		free(pl->tmp);
		pl->tmp = NULL; /* not ours to remove */
		return r;
	}
	/* a default ACL inherited from the parent would be inherited in turn
	 * by every entry: the archive says what each one has */
	if (acl_delete_def_file(pl->tmp) < 0 && errno != ENOTSUP && errno != EOPNOTSUPP)
		return uc_fail_errno(x->err, errno, "%s: default ACL", pl->tmp);
	pl->fd = open(pl->tmp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (pl->fd < 0)
		return uc_fail_errno(x->err, errno, "%s", pl->tmp);
	/* still the directory just made: beside a home its user may be able
	 * to rename entries, and must not have put one of theirs in its place
	 * (every entry is then made below it as root) */
	struct stat st;
	if (fstat(pl->fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 077))
		return uc_fail(x->err, UC_BADREQUEST,
			       "%s was replaced while the import made it: refused", pl->tmp);
	return 0;
}

static int places(struct imp *x)
{
	char cdir[PATH_MAX], p[PATH_MAX];
	if (etc_cage_dir_path(x->cfg, &x->u, cdir, sizeof(cdir)) < 0)
		return uc_fail(x->err, UC_BADREQUEST, "bad user name");
	/* the cage: refused while mounted, replaced only with --force */
	struct slotlist l;
	if (slots_list(x->cfg, x->u.name, &l, x->err) < 0)
		return -EIO;
	bool mounted = false;
	for (size_t i = 0; i < l.n; i++)
		mounted |= l.v[i].bound || l.v[i].procs;
	slotlist_release(&l);
	if (mounted)
		return uc_fail(x->err, UC_BADREQUEST,
			       "%s's cage is mounted: unicage umount %s first", x->u.name,
			       x->u.name);
	int r = path_fmt(p, sizeof(p), "%s/upper", cdir);
	if (r < 0)
		return path_fail(x->err, r, cdir);
	if (access(p, F_OK) == 0 && !x->o->force)
		return uc_fail(x->err, UC_BADREQUEST,
			       "%s already has a cage on this host (--force replaces it)",
			       x->u.name);
	r = make_tmp(x, T_UPPER, cdir);
	if (r == 0 && (r = statepath_custom_etc(x->cfg, x->u.name, p, sizeof(p))) < 0)
		return path_fail(x->err, r, x->cfg->config_dir);
	if (r == 0)
		r = make_tmp(x, T_CUSTOM, p);
	if (r == 0 && x->man.with_home) {
		if ((r = host_home_path(x->cfg, &x->u, p, sizeof(p))) < 0)
			return path_fail(x->err, r, x->cfg->sysroot);
		if (access(p, F_OK) == 0 && !x->o->force)
			return uc_fail(
			    x->err, UC_BADREQUEST,
			    "%s's home %s exists (--force replaces it with the archive's)",
			    x->u.name, p);
		r = make_tmp(x, T_HOME, p);
	}
	return r;
}

/* ---- commit ------------------------------------------------------------------ */

/* The last touches on the temporary trees, made durable, then swapped in
 * (mount/treeswap.c: crash-safe). */
static int commit(struct imp *x)
{
	/* another account: the old user's home mount point (an empty
	 * directory the cage made) must not name the old user in the new cage */
	if (strcmp(x->u.name, x->man.user)) {
		char mp[PATH_MAX];
		if (path_fmt(mp, sizeof(mp), "upper/home/%s", x->man.user) == 0)
			unlinkat(x->t[T_UPPER].fd, mp, AT_REMOVEDIR); /* only when empty */
	}
	/* the cage dir is tmp itself: upper/ from the archive, a fresh work/ */
	if (mkdirat(x->t[T_UPPER].fd, "work", 0700) < 0)
		return uc_fail_errno(x->err, errno, "%s/work", x->t[T_UPPER].tmp);
	import_set_dir_times(x);
	/* durable before it replaces anything: a crash after the swaps must
	 * not leave a cage of empty files where the old one was */
	for (unsigned t = 0; t < T_N; t++) {
		if (x->t[t].fd < 0)
			continue;
		_cleanup_close_ int d = openat(x->t[t].fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (d < 0 || syncfs(d) < 0)
			return uc_fail_errno(x->err, errno, "syncfs %s", x->t[t].tmp);
	}
	uc_debug(UC_AREA_EXPORT, "import: synced at %ld ms", uc_ms_since(&x->t0));
	struct import_commit c = {.enabled = x->man.enabled};
	snprintf(c.user, sizeof(c.user), "%s", x->u.name);
	unsigned in[T_N];
	for (unsigned t = 0; t < T_N; t++) {
		if (x->t[t].fd < 0)
			continue;
		struct import_tree *it = &c.t[c.n];
		snprintf(it->tmp, sizeof(it->tmp), "%s", x->t[t].tmp);
		snprintf(it->final, sizeof(it->final), "%s", x->t[t].final);
		int rp = t == T_UPPER ? path_fmt(it->src, sizeof(it->src), "%s", x->t[t].tmp)
				      : path_fmt(it->src, sizeof(it->src), "%s/%s", x->t[t].tmp,
						 import_prefixes[t]);
		if (rp < 0)
			return path_fail(x->err, rp, x->t[t].tmp);
		if (t != T_UPPER && access(it->src, F_OK) < 0)
			continue; /* the archive has none: what is there stays */
		in[c.n++] = t;
	}
	uc_test_pause("UNICAGE_TEST_IMPORT_PAUSE"); /* tests: just before the commit */
	int r = import_commit(x->cfg, &c, x->err);
	/* the temporary dirs of the trees it took are its own now (removed, or
	 * kept for recovery) */
	for (unsigned i = 0; i < c.n; i++)
		if (r == 0 || c.pending)
			x->t[in[i]].handed = true;
	return r;
}

/* ---- the whole import ---------------------------------------------------- */

static int open_stream(struct imp *x)
{
	if (!(x->a = archive_read_new()))
		return uc_fail(x->err, UC_INTERNAL, "out of memory");
	int r = unzstd_start(&x->uz, x->o->in_fd);
	if (r < 0)
		return uc_fail_errno(x->err, -r, "decompression thread");
	x->uz_running = true;
	if (archive_read_support_format_tar(x->a) != ARCHIVE_OK ||
	    archive_read_open(x->a, &x->uz, NULL, unzstd_read, NULL) != ARCHIVE_OK)
		return uc_fail(x->err, UC_BADREQUEST,
			       "not a zstd-compressed tar, or a truncated or corrupt stream: %s",
			       archive_error_string(x->a));
	return 0;
}

/* The stream's end: after the tar's end the rest (padding) is read out,
 * so that the decompressor's verdict covers the whole stream; after an
 * error it is not needed, and the thread is stopped. */
static int close_stream(struct imp *x, int r, int ar)
{
	if (r == 0 && ar == ARCHIVE_EOF)
		unzstd_drain(&x->uz);
	unzstd_finish(&x->uz);
	x->uz_running = false;
	if (r == 0 && x->uz.err[0])
		return uc_fail(x->err, UC_BADREQUEST, "truncated or corrupt stream: %s", x->uz.err);
	if (r == 0 && ar != ARCHIVE_EOF)
		return uc_fail(x->err, UC_BADREQUEST, "truncated or corrupt stream: %s",
			       archive_error_string(x->a) ? archive_error_string(x->a)
							  : "read error");
	return r;
}

/* Every entry after the manifest, each file's SHA-256 checked by a thread
 * beside the extraction. */
static int extract_all(struct imp *x)
{
	struct verifier ver;
	if (verify_start(&ver) < 0)
		return uc_fail(x->err, UC_INTERNAL, "cannot start the checking thread");
	struct archive_entry *e;
	int r = 0, ar;
	while ((ar = archive_read_next_header(x->a, &e)) == ARCHIVE_OK)
		if ((r = import_extract_entry(x, e, &ver)) < 0)
			break;
	uc_debug(UC_AREA_EXPORT, "import: entries extracted at %ld ms", uc_ms_since(&x->t0));
	if (!verify_finish(&ver) && r == 0)
		r = import_reject(x, ver.bad, "its SHA-256 does not match the manifest");
	return close_stream(x, r, ar);
}

/* What the whole archive must have been, and the tops of its trees. */
static int accept_trees(struct imp *x)
{
	if (x->files.n != x->man.paths.n)
		return uc_fail(x->err, UC_BADREQUEST,
			       "the archive lacks %zu file(s) its manifest lists",
			       x->man.paths.n - x->files.n);
	if (!strset_contains(&x->seen, "upper"))
		return uc_fail(x->err, UC_BADREQUEST, "the archive has no upper/");
	int r = import_own_roots(x);
	if (r == 0)
		r = import_set_default_acls(x);
	uc_debug(UC_AREA_EXPORT, "import: checked at %ld ms", uc_ms_since(&x->t0));
	return r;
}

static void open_skeleton(struct imp *x)
{
	struct uc_error ge;
	if (skel_current_gen(x->cfg, x->gen, sizeof(x->gen), &ge) < 0) {
		x->gen[0] = '\0';
		return;
	}
	char p[PATH_MAX];
	x->skel_tree = statepath_gen_file(x->cfg, x->gen, "tree", p, sizeof(p)) < 0
			   ? -1
			   : open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

static void fill_report(struct imp *x)
{
	struct import_report *rep = x->rep;
	snprintf(rep->user, sizeof(rep->user), "%s", x->u.name);
	snprintf(rep->source_gen, sizeof(rep->source_gen), "%s", x->man.gen);
	snprintf(rep->current_gen, sizeof(rep->current_gen), "%s", x->gen[0] ? x->gen : "-");
	/* names are per host: the manifest checksum says whether it is the
	 * same skeleton */
	char sha[65] = "";
	xman_gen_sha(x->cfg->state_dir, x->gen, sha);
	rep->gen_differs =
	    strcmp(x->man.gen, x->gen) != 0 || !x->man.gen_sha[0] || strcmp(x->man.gen_sha, sha);
}

static int import_run(struct imp *x)
{
	int r;
	if ((r = open_stream(x)) < 0 || (r = read_manifest(x)) < 0 || (r = find_account(x)) < 0)
		return r;
	if ((x->lock = cage_user_lock(x->cfg, x->u.name, x->err)) < 0)
		return x->lock;
	/* what a crashed import of this user left: finished or cleared first */
	if ((r = import_recover_locked(x->cfg, x->u.name, x->err)) < 0 || (r = places(x)) < 0)
		return r;
	open_skeleton(x);
	if ((r = extract_all(x)) < 0 || (r = accept_trees(x)) < 0 || (r = commit(x)) < 0)
		return r;
	uc_debug(UC_AREA_EXPORT, "import: in place at %ld ms", uc_ms_since(&x->t0));
	fill_report(x);
	return 0;
}

/* Everything an import holds; after a refusal also what it made: the
 * temporary trees and the parent directories made for them (a refused
 * archive changes nothing on the host). */
static void imp_release(struct imp *x, bool committed)
{
	if (x->uz_running)
		unzstd_finish(&x->uz);
	for (unsigned t = 0; t < T_N; t++) {
		struct place *pl = &x->t[t];
		if (pl->fd >= 0)
			close(pl->fd);
		if (pl->tmp && !pl->handed)
			store_rm_path(pl->tmp);
		free(pl->tmp);
		free(pl->final);
	}
	for (size_t i = x->made.n; !committed && i-- > 0;)
		rmdir(x->made.v[i]); /* only when empty */
	strv_clear(&x->made);
	if (x->skel_tree >= 0)
		close(x->skel_tree);
	if (x->parent.fd >= 0)
		close(x->parent.fd);
	free(x->parent.path);
	free(x->skel_missing);
	for (size_t i = 0; i < x->ndirs; i++) {
		free(x->dirs[i].path);
		free(x->dirs[i].default_acl);
	}
	free(x->dirs);
	if (x->a)
		archive_read_free(x->a);
	strset_release(&x->seen);
	strset_release(&x->files);
	xman_release(&x->man);
	user_release(&x->u);
	if (x->lock >= 0)
		close(x->lock);
}

int import_cage(const struct uc_config *cfg, const struct import_opts *o, struct import_report *rep,
		struct uc_error *err)
{
	memset(rep, 0, sizeof(*rep));
	struct imp x = {.cfg = cfg,
			.o = o,
			.rep = rep,
			.err = err,
			.lock = -1,
			.made = STRV_INIT,
			.skel_tree = -1,
			.parent.fd = -1,
			.euid = geteuid(),
			.egid = getegid(),
			.umask = umask(0)};
	umask(x.umask);
	uc_clock_now(&x.t0);
	for (unsigned t = 0; t < T_N; t++)
		x.t[t].fd = -1;
	x.max_entries = cfg->import_max_entries;
	x.max_size = cfg->import_max_size;
	xman_init(&x.man);
	int r = import_run(&x);
	imp_release(&x, r == 0);
	return r;
}
