#include "export/export.h"

#include "export/xman.h"
#include "lib/cleanup.h"
#include "lib/array.h"
#include "lib/hashset.h"
#include "lib/log.h"
#include "lib/path.h"
#include "lib/statepath.h"
#include "lib/sha256.h"
#include "lib/strv.h"
#include "lib/sys.h"
#include "lib/users.h"
#include "mount/cage.h"
#include "mount/cagemp.h"
#include "mount/etc.h"
#include "mount/policy.h"
#include "skel/current.h"

#include <acl/libacl.h>
#include <archive.h>
#include <pthread.h>
#include <stdatomic.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/acl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

/* One tree exported under a prefix ("upper", "custom.etc", "home"). */
struct tree {
	const char *prefix;
	int fd; /* its root, O_PATH */
};

/* Pass 1 lists every entry (archive path, which tree, the path inside it)
 * and hashes every regular file: SHA-256 for the manifest, and a CRC-32 of
 * the same bytes; pass 2 writes them in the same order, and each file's
 * data must have the CRC it had in pass 1 (a file changed in between is
 * caught there at a seventh of the cost of hashing it again: a change that
 * kept the CRC would still be refused by import's SHA-256 check). */
struct item {
	char *apath;
	const char *rel; /* inside apath, after "prefix/" ("" for the root) */
	unsigned tree;
	uint32_t crc;
	mode_t mode; /* what the listing saw (all an entry keeps of its stat: */
	off_t size;  /* the list is held whole, ~40 bytes an entry) */
};

struct exp {
	const struct uc_config *cfg;
	const struct export_opts *o;
	struct tree trees[3];
	unsigned ntrees;
	struct item *items;
	size_t n, cap;
	struct xman man;
	struct archive *a;
	struct export_stats *st;
	uint64_t total;
	uint64_t out_bytes, out_kicked; /* written to the output; writeback started up to */
	bool out_is_file;
	time_t last_progress;
	struct uc_error *err;
};

/* ---- pass 1: list and hash ------------------------------------------------ */

static int push_item(struct exp *x, unsigned tree, const char *rel, const struct stat *st)
{
	if (UC_GROW(&x->items, &x->cap, x->n + 1) < 0)
		return -ENOMEM;
	struct item *it = &x->items[x->n];
	size_t pl = strlen(x->trees[tree].prefix), size = pl + strlen(rel) + 2;
	it->apath = malloc(size);
	if (!it->apath)
		return -ENOMEM;
	path_join(it->apath, size, x->trees[tree].prefix, rel); /* "" rel: the prefix */
	it->rel = it->apath + pl + (*rel ? 1 : 0);
	it->tree = tree;
	it->mode = st->st_mode;
	it->size = st->st_size;
	x->n++;
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Depth first, parents before children, names sorted (a stable archive). */
static int list_dir(struct exp *x, unsigned tree, int dfd, const char *rel)
{
	struct strv names = STRV_INIT;
	int r = path_dir_names(dfd, &names);
	if (r == 0 && names.n)
		qsort(names.v, names.n, sizeof(*names.v), name_cmp);
	for (size_t i = 0; r == 0 && i < names.n; i++) {
		char child[PATH_MAX];
		struct stat st;
		snprintf(child, sizeof(child), "%s%s%s", rel, *rel ? "/" : "", names.v[i]);
		if (fstatat(dfd, names.v[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = errno == ENOENT ? 0 : -errno; /* gone meanwhile: not exported */
			continue;
		}
		if ((r = push_item(x, tree, child, &st)) < 0)
			break;
		if (S_ISREG(st.st_mode)) {
			x->total += (uint64_t)st.st_size; /* hashed after the walk */
		} else if (S_ISDIR(st.st_mode)) {
			_cleanup_close_ int c = openat(
			    dfd, names.v[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			r = c < 0 ? -errno : list_dir(x, tree, c, child);
		}
		if (r < 0)
			uc_fail_errno(x->err, -r, "%s/%s", x->trees[tree].prefix, child);
	}
	strv_clear(&names);
	return r;
}

/* Every regular file hashed, on every core (the walk is done): files are
 * taken in turn from a shared counter; the manifest lists them in walk
 * order. */
struct hasher {
	struct exp *x;
	char (*hex)[65];
	atomic_size_t next;
	atomic_int err;
};

/* CRC-32 of the blocks sha256_fd_hex_each reads (the hash pass). */
static void crc_block(void *arg, const void *block, size_t len)
{
	uLong *c = arg;
	*c = crc32(*c, (const Bytef *)block, (uInt)len);
}

/* The first size bytes of fd: SHA-256 (hex) and CRC-32, read once (a file
 * that shrank meanwhile: pass 2 says it changed). */
static int hash_file(int fd, off_t size, char hex[65], uint32_t *crc)
{
	uLong c = crc32(0, Z_NULL, 0);
	int r = sha256_fd_hex_each(fd, size, hex, NULL, crc_block, &c);
	*crc = (uint32_t)c;
	return r;
}

static void *hash_worker(void *arg)
{
	struct hasher *h = arg;
	struct exp *x = h->x;
	size_t i;
	while (!atomic_load(&h->err) && (i = atomic_fetch_add(&h->next, 1)) < x->n) {
		struct item *it = &x->items[i];
		if (!S_ISREG(it->mode))
			continue;
		int f = path_open_beneath(x->trees[it->tree].fd, it->rel,
					  O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0);
		int r = f < 0 ? f : hash_file(f, it->size, h->hex[i], &it->crc);
		if (f >= 0)
			close(f);
		if (r < 0) {
			int zero = 0;
			if (atomic_compare_exchange_strong(&h->err, &zero, (int)(i + 1)))
				h->hex[i][0] = (char)-r;
		}
	}
	return NULL;
}

static int hash_all(struct exp *x)
{
	struct hasher h = {.x = x, .hex = calloc(x->n ? x->n : 1, 65)};
	if (!h.hex)
		return uc_fail(x->err, UC_INTERNAL, "out of memory");
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	pthread_t th[16];
	int nt = 0;
	for (; nt < (ncpu < 1 ? 1 : ncpu > 16 ? 16 : ncpu) - 1; nt++)
		if (pthread_create(&th[nt], NULL, hash_worker, &h) != 0)
			break;
	hash_worker(&h);
	for (int i = 0; i < nt; i++)
		pthread_join(th[i], NULL);
	int r = 0, bad = atomic_load(&h.err);
	if (bad)
		r = uc_fail_errno(x->err, h.hex[bad - 1][0] ? h.hex[bad - 1][0] : EIO, "%s",
				  x->items[bad - 1].apath);
	for (size_t i = 0; r == 0 && i < x->n; i++)
		if (S_ISREG(x->items[i].mode))
			r = xman_add_file(&x->man, x->items[i].apath, h.hex[i]);
	free(h.hex);
	return r < 0 && x->err->kind == UC_OK ? uc_fail_errno(x->err, -r, "manifest") : r;
}

/* ---- pass 2: write -------------------------------------------------------- */

static int add_xattrs(struct archive_entry *e, const char *proc)
{
	char names[8192];
	/* proc is /proc/self/fd/N: followed, it is exactly the fd's inode */
	ssize_t n = listxattr(proc, names, sizeof(names));
	for (ssize_t off = 0; n > 0 && off < n; off += (ssize_t)strlen(names + off) + 1) {
		const char *k = names + off;
		if (!strncmp(k, "system.posix_acl_", 17))
			continue; /* as ACLs, below */
		char val[65536];
		ssize_t vl = getxattr(proc, k, val, sizeof(val));
		if (vl < 0)
			return -errno;
		archive_entry_xattr_add_entry(e, k, val, (size_t)vl);
	}
	return n < 0 && errno != ENOTSUP ? -errno : 0;
}

static void add_acls(struct archive_entry *e, const char *proc, bool dir)
{
	acl_type_t types[2] = {ACL_TYPE_ACCESS, ACL_TYPE_DEFAULT};
	int atypes[2] = {ARCHIVE_ENTRY_ACL_TYPE_ACCESS, ARCHIVE_ENTRY_ACL_TYPE_DEFAULT};
	for (int i = 0; i < (dir ? 2 : 1); i++) {
		_cleanup_acl_ acl_t acl = acl_get_file(proc, types[i]);
		if (!acl)
			continue;
		if (acl_entries(acl) > (i == 0 ? 3 : 0)) { /* more than the mode bits */
			/* ids as stored (numbers), not names resolved on this host:
			 * import maps the account's own, like file owners */
			_cleanup_acl_ char *t = acl_to_any_text(acl, NULL, '\n', TEXT_NUMERIC_IDS);
			if (t)
				archive_entry_acl_from_text(e, t, atypes[i]);
		}
	}
}

static void progress(struct exp *x, bool done)
{
	time_t now = time(NULL);
	if (!uc_progress_wanted(&x->o->progress) || (!done && now == x->last_progress))
		return;
	x->last_progress = now;
	uc_progress(&x->o->progress, "export", "MB", x->st->bytes >> 20, x->total >> 20, done);
}

static int write_data(struct exp *x, const struct item *it, int fd)
{
	char buf[1 << 16];
	ssize_t n;
	uint64_t left = (uint64_t)it->size;
	uLong c = crc32(0, Z_NULL, 0);
	while (left > 0 && (n = read(fd, buf, left < sizeof(buf) ? left : sizeof(buf))) > 0) {
		c = crc32(c, (const Bytef *)buf, (uInt)n);
		if (archive_write_data(x->a, buf, (size_t)n) != n)
			return uc_fail(x->err, UC_INTERNAL, "writing the archive: %s",
				       archive_error_string(x->a));
		left -= (uint64_t)n;
		x->st->bytes += (uint64_t)n;
		progress(x, false);
	}
	if (left || (uint32_t)c != it->crc)
		return uc_fail(
		    x->err, UC_INTERNAL,
		    "%s changed during the export (a process in the cage is writing it): "
		    "export again, or stop the cage's processes first",
		    it->apath);
	return 0;
}

struct hl {
	struct strset seen; /* "dev:ino" -> index of its first path */
	struct strv first;
};

static int write_item(struct exp *x, const struct item *it, struct hl *hl)
{
	const struct tree *t = &x->trees[it->tree];
	int flags = O_NOFOLLOW | O_CLOEXEC |
		    (S_ISREG(it->mode)	 ? O_RDONLY | O_NONBLOCK
		     : S_ISDIR(it->mode) ? O_RDONLY | O_DIRECTORY
					 : O_PATH);
	_cleanup_close_ int fd = *it->rel ? path_open_beneath(t->fd, it->rel, flags, 0)
					  : openat(t->fd, ".", flags & ~O_NOFOLLOW);
	struct stat st;
	/* a file that grew (a log) is taken as it was when it was hashed: its
	 * first st_size bytes, checked against the hash; one that shrank or was
	 * rewritten in place fails the export */
	if (fd < 0 || fstat(fd, &st) < 0 || (st.st_mode & S_IFMT) != (it->mode & S_IFMT) ||
	    (S_ISREG(st.st_mode) && st.st_size < it->size))
		return uc_fail(x->err, UC_INTERNAL,
			       "%s changed during the export: export again, or stop the cage's "
			       "processes first",
			       it->apath);
	_cleanup_archive_entry_ struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, it->apath);
	if (S_ISREG(st.st_mode))
		st.st_size = it->size;
	archive_entry_copy_stat(e, &st);
	archive_entry_set_size(e, S_ISREG(st.st_mode) ? st.st_size : 0);
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		archive_entry_set_symlink(e, target);
	} else {
		add_xattrs(e, proc);
		if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))
			add_acls(e, proc, S_ISDIR(st.st_mode));
	}
	bool link = false;
	if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
		char key[64];
		size_t idx;
		snprintf(key, sizeof(key), "%llu:%llu", (unsigned long long)st.st_dev,
			 (unsigned long long)st.st_ino);
		if (strset_get(&hl->seen, key, &idx)) {
			archive_entry_set_hardlink(e, hl->first.v[idx]);
			archive_entry_set_size(e, 0);
			link = true;
		} else {
			strset_put(&hl->seen, key, hl->first.n);
			strv_push(&hl->first, it->apath);
		}
	}
	int r = 0;
	if (archive_write_header(x->a, e) != ARCHIVE_OK)
		r = uc_fail(x->err, UC_INTERNAL, "%s: %s", it->apath, archive_error_string(x->a));
	else if (S_ISREG(st.st_mode) && !link)
		r = write_data(x, it, fd);
	x->st->entries++;
	x->st->files += S_ISREG(st.st_mode);
	return r;
}

static int write_manifest(struct exp *x)
{
	char *text = NULL;
	size_t len = 0;
	if (xman_format(&x->man, &text, &len) < 0)
		return uc_fail(x->err, UC_INTERNAL, "out of memory");
	_cleanup_archive_entry_ struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, XMAN_NAME);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0600);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_mtime(e, x->man.created, 0);
	int r = 0;
	if (archive_write_header(x->a, e) != ARCHIVE_OK ||
	    archive_write_data(x->a, text, len) != (la_ssize_t)len)
		r = uc_fail(x->err, UC_INTERNAL, "writing the archive: %s",
			    archive_error_string(x->a));
	free(text);
	return r;
}

/* ---- setting up ----------------------------------------------------------- */

static void gen_of_cage(const struct uc_config *cfg, const char *cdir, char *gen, size_t size)
{
	char p[PATH_MAX], buf[512] = "";
	FILE *f = path_fmt(p, sizeof(p), "%s/state", cdir) == 0 ? fopen(p, "re") : NULL;
	while (f && fgets(buf, sizeof(buf), f))
		if (!strncmp(buf, "generation=", 11)) {
			buf[strcspn(buf, "\n")] = '\0';
			snprintf(gen, size, "%.63s", buf + 11);
			fclose(f);
			return;
		}
	if (f)
		fclose(f);
	struct uc_error e;
	if (skel_current_gen(cfg, gen, size, &e) < 0)
		snprintf(gen, size, "-");
}

static int add_tree(struct exp *x, const char *prefix, const char *path, bool optional)
{
	int fd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (optional && errno == ENOENT)
			return 0;
		return uc_fail_errno(x->err, errno, "%s", path);
	}
	x->trees[x->ntrees++] = (struct tree){prefix, fd};
	return 0;
}

static int prepare(struct exp *x, const struct uc_user *u)
{
	char cdir[PATH_MAX], p[PATH_MAX];
	if (etc_cage_dir_path(x->cfg, u, cdir, sizeof(cdir)) < 0)
		return uc_fail(x->err, UC_BADREQUEST, "bad user name");
	int r = path_fmt(p, sizeof(p), "%s/upper", cdir);
	if (r < 0)
		return path_fail(x->err, r, cdir);
	if (access(p, F_OK) < 0)
		return uc_fail(x->err, UC_NOTFOUND, "%s has no cage on this host (%s)", u->name, p);
	r = add_tree(x, "upper", p, false);
	if (r == 0 && (r = statepath_custom_etc(x->cfg, u->name, p, sizeof(p))) < 0)
		return path_fail(x->err, r, x->cfg->config_dir);
	if (r == 0)
		r = add_tree(x, "custom.etc", p, true);
	if (r == 0 && x->o->with_home) {
		_cleanup_close_ int sys = open(x->cfg->sysroot, O_PATH | O_DIRECTORY | O_CLOEXEC);
		int h = sys < 0
			    ? -errno
			    : path_open_in_root(sys, u->home,
						O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
		if (h < 0)
			return uc_fail_errno(x->err, -h, "%s's home %s", u->name, u->home);
		x->trees[x->ntrees++] = (struct tree){"home", h};
	}
	if (r < 0)
		return r;
	/* the manifest */
	struct xman *m = &x->man;
	gethostname(m->host, sizeof(m->host) - 1);
	m->host[strcspn(m->host, " \t\n")] = '\0';
	snprintf(m->user, sizeof(m->user), "%s", u->name);
	m->uid = u->uid;
	m->gid = u->gid;
	gen_of_cage(x->cfg, cdir, m->gen, sizeof(m->gen));
	xman_gen_sha(x->cfg->state_dir, m->gen, m->gen_sha);
	m->created = (int64_t)time(NULL);
	m->enabled = policy_require_enabled(x->cfg, u, NULL) == 0;
	m->with_home = x->o->with_home;
	struct cage_mp mp = {0};
	if (cagemp_load(&mp, x->cfg->config_dir, NULL) == 0) {
		for (size_t i = 0; i < mp.n; i++)
			if (mp.v[i].kind == MP_PERUSER) {
				char line[PATH_MAX + 16];
				snprintf(line, sizeof(line), "%s %04o", mp.v[i].path,
					 (unsigned)mp.v[i].mode);
				strv_push(&m->peruser, line);
			}
		cagemp_release(&mp);
	}
	return 0;
}

/* libarchive's write callback: all of it to the output; into a file, its
 * writeback is started every 16 MiB, so that the final fsync (the archive
 * is made durable before it is renamed into place) waits for the tail
 * only, not for the whole archive. */
static la_ssize_t write_out(struct archive *a, void *arg, const void *buf, size_t len)
{
	struct exp *x = arg;
	for (size_t off = 0; off < len;) {
		ssize_t n = write(x->o->out_fd, (const char *)buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			archive_set_error(a, n < 0 ? errno : EIO, "%s",
					  strerror(n < 0 ? errno : EIO));
			return -1;
		}
		off += (size_t)n;
	}
	x->out_bytes += len;
	if (x->out_is_file && x->out_bytes - x->out_kicked >= (16u << 20)) {
		sync_file_range(x->o->out_fd, (off64_t)x->out_kicked,
				(off64_t)(x->out_bytes - x->out_kicked), SYNC_FILE_RANGE_WRITE);
		x->out_kicked = x->out_bytes;
	}
	return (la_ssize_t)len;
}

static int open_writer(struct exp *x)
{
	x->a = archive_write_new();
	if (!x->a)
		return uc_fail(x->err, UC_INTERNAL, "out of memory");
	if (archive_write_add_filter_zstd(x->a) != ARCHIVE_OK ||
	    archive_write_set_format_pax(x->a) != ARCHIVE_OK)
		return uc_fail(x->err, UC_INTERNAL, "libarchive: %s", archive_error_string(x->a));
	/* zstd level 3 (zstd's and tar --zstd's default) */
	archive_write_set_filter_option(x->a, "zstd", "compression-level", "3");
	/* compression on every core, beside the walk (as tar | zstd runs) */
	char threads[16];
	snprintf(threads, sizeof(threads), "%ld", sysconf(_SC_NPROCESSORS_ONLN));
	archive_write_set_filter_option(x->a, "zstd", "threads", threads);
	/* names are bytes on Linux (not always UTF-8): kept exactly as they are */
	archive_write_set_format_option(x->a, "pax", "hdrcharset", "BINARY");
	/* xattrs as SCHILY.xattr.* only: what GNU tar reads too */
	archive_write_set_format_option(x->a, "pax", "xattrheader", "SCHILY");
	/* the output in 1 MiB writes (not 10 KiB), the last one not padded */
	archive_write_set_bytes_per_block(x->a, 1 << 20);
	archive_write_set_bytes_in_last_block(x->a, 1);
	struct stat ost;
	x->out_is_file = fstat(x->o->out_fd, &ost) == 0 && S_ISREG(ost.st_mode);
	if (archive_write_open(x->a, x, NULL, write_out, NULL) != ARCHIVE_OK)
		return uc_fail(x->err, UC_INTERNAL, "libarchive: %s", archive_error_string(x->a));
	return 0;
}

int export_cage(const struct uc_config *cfg, const struct export_opts *o, struct export_stats *st,
		struct uc_error *err)
{
	memset(st, 0, sizeof(*st));
	struct uc_user u;
	int r = users_lookup(cfg, o->user, &u, err);
	if (r < 0)
		return r;
	struct exp x = {.cfg = cfg, .o = o, .st = st, .err = err};
	struct timespec t0;
	uc_clock_now(&t0);
	xman_init(&x.man);
	/* no remount, umount or import of this cage meanwhile */
	int lk = cage_user_lock(cfg, u.name, err);
	r = lk < 0 ? lk : prepare(&x, &u);
	for (unsigned t = 0; r == 0 && t < x.ntrees; t++) {
		struct stat rst;
		if (fstat(x.trees[t].fd, &rst) < 0 || (r = push_item(&x, t, "", &rst)) < 0)
			break;
		_cleanup_close_ int d =
		    openat(x.trees[t].fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		r = d < 0 ? -errno : list_dir(&x, t, d, "");
	}
	uc_debug(UC_AREA_EXPORT, "export: %zu entries listed at %ld ms", x.n, uc_ms_since(&t0));
	if (r == 0)
		r = hash_all(&x);
	uc_debug(UC_AREA_EXPORT, "export: hashed at %ld ms", uc_ms_since(&t0));
	if (r == 0)
		uc_test_pause("UNICAGE_TEST_EXPORT_PAUSE");
	if (r == 0)
		r = open_writer(&x);
	if (r == 0)
		r = write_manifest(&x);
	struct hl hl = {0};
	for (size_t i = 0; r == 0 && i < x.n; i++)
		r = write_item(&x, &x.items[i], &hl);
	uc_debug(UC_AREA_EXPORT, "export: entries written at %ld ms", uc_ms_since(&t0));
	if (x.a) {
		if (archive_write_close(x.a) != ARCHIVE_OK && r == 0)
			r = uc_fail(err, UC_INTERNAL, "writing the archive: %s",
				    archive_error_string(x.a));
		archive_write_free(x.a);
	}
	uc_debug(UC_AREA_EXPORT, "export: closed at %ld ms", uc_ms_since(&t0));
	if (r == 0)
		progress(&x, true);
	strset_release(&hl.seen);
	strv_clear(&hl.first);
	for (size_t i = 0; i < x.n; i++)
		free(x.items[i].apath);
	free(x.items);
	for (unsigned t = 0; t < x.ntrees; t++)
		close(x.trees[t].fd);
	xman_release(&x.man);
	user_release(&u);
	if (lk >= 0)
		close(lk);
	if (r < 0 && err->kind == UC_OK)
		uc_fail_errno(err, -r, "export of %s", o->user);
	return r;
}
