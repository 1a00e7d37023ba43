/* cage_import: the whole archive is checked while it is extracted into
 * temporary directories beside each target (the cage directory, the user's
 * custom.etc, the home), and only then renamed into place; the old ones stay
 * until the new ones are in. Every entry is created with *at() calls below
 * its temporary root, never following a link. */
#include "export/export.h"

#include "export/commit.h"
#include "export/workers.h"
#include "export/xman.h"
#include "lib/cleanup.h"
#include "lib/hashset.h"
#include "lib/lock.h"
#include "lib/log.h"
#include "lib/objkey.h"
#include "lib/path.h"
#include "lib/sha256.h"
#include "lib/store.h"
#include "lib/sys.h"
#include "lib/users.h"
#include "mount/cage.h"
#include "mount/etc.h"
#include "mount/users.h"
#include "skel/conf.h"

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
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#define MANIFEST_MAX (64u << 20)

enum { T_UPPER, T_CUSTOM, T_HOME, T_N };
static const char *const prefixes[T_N] = {"upper", "custom.etc", "home"};

/* What is set on directories after every entry is in: their times (each
 * entry made inside changes them) and default ACLs (set at once, they would
 * be inherited by the entries below, which the archive describes whole). */
struct dirmeta {
	unsigned tree;
	char *path;
	struct timespec mtime;
	char *default_acl; /* text, or NULL */
};

struct imp {
	const struct uc_config *cfg;
	const struct import_opts *o;
	struct import_report *rep;
	struct uc_error *err;
	struct archive *a;
	struct xman man;
	struct uc_user u; /* the target account */
	uid_t old_uid;
	gid_t old_gid;
	/* per tree: the final place, its parent, the temporary dir beside it */
	char final[T_N][PATH_MAX], tmp[T_N][PATH_MAX];
	int tmpfd[T_N];
	struct strset seen, files;
	uint64_t max_entries, max_size;
	struct dirmeta *dirs;
	size_t ndirs;
	/* what a new inode gets from the kernel: chown/chmod only when the
	 * archive says otherwise (most entries: no call at all) */
	uid_t euid;
	gid_t egid;
	mode_t umask;
	bool parent_sgid; /* the last parent directory's set-group-ID bit, and gid */
	gid_t parent_gid;
	/* the last parent directory opened (entries come grouped by directory) */
	char last_parent[PATH_MAX];
	unsigned last_tree;
	int last_fd;
	char skel_missing[PATH_MAX]; /* the last directory found missing in the skeleton */
	int skel_tree;		     /* the current generation's tree/, for the report */
	struct timespec t0;	     /* the start, for UNICAGE_DEBUG=export */
};

static int reject(struct imp *x, const char *entry, const char *why)
{
	return uc_fail(x->err, UC_BADREQUEST, "archive entry '%s': %s", entry ? entry : "?", why);
}

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
		return reject(x, archive_entry_pathname(e), "the first entry must be " XMAN_NAME);
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

static int make_tmp(struct imp *x, unsigned t, const char *final)
{
	snprintf(x->final[t], sizeof(x->final[t]), "%s", final);
	char parent[PATH_MAX];
	snprintf(parent, sizeof(parent), "%s", final);
	char *sl = strrchr(parent, '/');
	if (!sl || sl == parent)
		return uc_fail(x->err, UC_BADREQUEST, "%s: no parent directory", final);
	*sl = '\0';
	/* the parents are the host's own (cages_dir/NN, config_dir/custom.etc) */
	for (char *c = parent + 1;; c++) {
		if (*c != '/' && *c != '\0')
			continue;
		char keep = *c;
		*c = '\0';
		if (mkdir(parent, 0755) < 0 && errno != EEXIST)
			return uc_fail_errno(x->err, errno, "%s", parent);
		*c = keep;
		if (!keep)
			break;
	}
	char name[300];
	import_tmp_name(name, sizeof(name), x->u.name, (int)getpid());
	snprintf(x->tmp[t], sizeof(x->tmp[t]), "%.3700s/%.290s", parent, name);
	if (mkdir(x->tmp[t], 0700) < 0)
		return uc_fail_errno(x->err, errno, "%s", x->tmp[t]);
	/* a default ACL inherited from the parent would be inherited in turn
	 * by every entry: the archive says what each one has */
	if (acl_delete_def_file(x->tmp[t]) < 0 && errno != ENOTSUP && errno != EOPNOTSUPP)
		return uc_fail_errno(x->err, errno, "%s: default ACL", x->tmp[t]);
	x->tmpfd[t] = open(x->tmp[t], O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (x->tmpfd[t] < 0)
		return uc_fail_errno(x->err, errno, "%s", x->tmp[t]);
	/* still the directory just made: beside a home its user may be able
	 * to rename entries, and must not have put one of theirs in its place
	 * (every entry is then made below it as root) */
	struct stat st;
	if (fstat(x->tmpfd[t], &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 077))
		return uc_fail(x->err, UC_BADREQUEST,
			       "%s was replaced while the import made it: refused", x->tmp[t]);
	return 0;
}

static int places(struct imp *x)
{
	char cdir[PATH_MAX], p[PATH_MAX];
	if (cage_dir_path(x->cfg, &x->u, cdir, sizeof(cdir)) < 0)
		return uc_fail(x->err, UC_BADREQUEST, "bad user name");
	/* the cage: refused while mounted, replaced only with --force */
	struct slotlist l;
	if (cage_slots(x->cfg, x->u.name, &l, x->err) < 0)
		return -EIO;
	bool mounted = false;
	for (size_t i = 0; i < l.n; i++)
		mounted |= l.v[i].bound || l.v[i].procs;
	slotlist_release(&l);
	if (mounted)
		return uc_fail(x->err, UC_BADREQUEST,
			       "%s's cage is mounted: unicage umount %s first", x->u.name,
			       x->u.name);
	snprintf(p, sizeof(p), "%.4000s/upper", cdir);
	if (access(p, F_OK) == 0 && !x->o->force)
		return uc_fail(x->err, UC_BADREQUEST,
			       "%s already has a cage on this host (--force replaces it)",
			       x->u.name);
	int r = make_tmp(x, T_UPPER, cdir);
	snprintf(p, sizeof(p), "%.3000s/custom.etc/%.255s", x->cfg->config_dir, x->u.name);
	if (r == 0)
		r = make_tmp(x, T_CUSTOM, p);
	if (r == 0 && x->man.with_home) {
		host_home_path(x->cfg, &x->u, p, sizeof(p));
		if (access(p, F_OK) == 0 && !x->o->force)
			return uc_fail(
			    x->err, UC_BADREQUEST,
			    "%s's home %s exists (--force replaces it with the archive's)",
			    x->u.name, p);
		r = make_tmp(x, T_HOME, p);
	}
	return r;
}

/* ---- one entry ----------------------------------------------------------- */

/* The directory holding path below root, one component at a time without
 * following links; *leaf points into path. */
static int open_parent(int root, char *path, char **leaf)
{
	char *sl = strrchr(path, '/');
	if (!sl) {
		*leaf = path;
		return dup(root);
	}
	*sl = '\0';
	*leaf = sl + 1;
	int fd = dup(root);
	char *save = NULL;
	for (char *c = strtok_r(path, "/", &save); fd >= 0 && c; c = strtok_r(NULL, "/", &save)) {
		int next = openat(fd, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = next;
	}
	*sl = '/';
	return fd;
}

static bool allowed_xattr(const char *k)
{
	static const char *const ovl[] = {"opaque",   "redirect", "origin",    "impure",   "nlink",
					  "metacopy", "whiteout", "whiteouts", "protattr", "uuid"};
	if (!strncmp(k, "user.", 5) || !strncmp(k, "security.", 9))
		return true;
	if (!strncmp(k, "trusted.overlay.", 16)) {
		for (size_t i = 0; i < sizeof(ovl) / sizeof(*ovl); i++)
			if (!strcmp(k + 16, ovl[i]))
				return true;
	}
	return false;
}

/* Does a relative symlink target climb out of the tree it is in? */
static bool escapes(const char *name, const char *target)
{
	if (target[0] == '/')
		return false; /* rooted in the cage (or the home's host), never followed here */
	int depth = -1;	      /* the link's directory, below the tree's top */
	for (const char *c = name; *c; c++)
		depth += *c == '/';
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", target);
	char *save = NULL;
	for (char *c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, ".."))
			depth--;
		else if (strcmp(c, "."))
			depth++;
		if (depth < 0)
			return true;
	}
	return false;
}

static uid_t map_uid(const struct imp *x, uid_t u)
{
	return u == x->old_uid ? x->u.uid : u;
}

static gid_t map_gid(const struct imp *x, gid_t g)
{
	return g == x->old_gid ? x->u.gid : g;
}

/* An ACL from the archive, with the account's uid and gid mapped as file
 * owners are (named user and group entries; the archive has numeric ids):
 * NULL on a bad one. */
static acl_t acl_mapped(const struct imp *x, const char *text)
{
	acl_t acl = text ? acl_from_text(text) : NULL;
	acl_entry_t en;
	for (int w = ACL_FIRST_ENTRY; acl && acl_get_entry(acl, w, &en) == 1; w = ACL_NEXT_ENTRY) {
		acl_tag_t tag;
		if (acl_get_tag_type(en, &tag) < 0 || (tag != ACL_USER && tag != ACL_GROUP))
			continue;
		id_t *q = acl_get_qualifier(en);
		if (!q)
			continue;
		id_t to =
		    tag == ACL_USER ? (id_t)map_uid(x, (uid_t)*q) : (id_t)map_gid(x, (gid_t)*q);
		if (to != *q)
			acl_set_qualifier(en, &to);
		acl_free(q);
	}
	return acl;
}

/* Does a new entry need a chown/chmod to get what the archive says? A new
 * inode is the caller's, of the parent's group under a set-group-ID
 * directory (a directory there gets the bit too), with the mode it was
 * created with less the umask (no default ACL can apply: see struct
 * dirmeta and make_tmp). */
static bool needs_chown(const struct imp *x, uid_t uid, gid_t gid)
{
	return uid != x->euid || gid != (x->parent_sgid ? x->parent_gid : x->egid);
}

static bool needs_chmod(const struct imp *x, mode_t perm, mode_t type, bool chowned)
{
	return (perm & 07000) || (perm & x->umask) || (type == AE_IFDIR && x->parent_sgid) ||
	       (chowned && (perm & 06000));
}

/* The mode an entry is created with (set-id and sticky bits come with the
 * chmod, after the chown). */
static mode_t create_mode(struct archive_entry *e)
{
	return archive_entry_perm(e) & 0777;
}

/* Owner, mode, xattrs, access ACL and times of a new entry: on its fd when it
 * has one (a regular file: no lookups), else by name below pfd. */
static int apply_meta(struct imp *x, struct archive_entry *e, int fd, int pfd, const char *leaf,
		      const char *name, mode_t type)
{
	char proc[PATH_MAX];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%.4000s", pfd, leaf);
	const char *k;
	const void *v;
	size_t vl;
	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &k, &v, &vl) == ARCHIVE_OK) {
		if (!allowed_xattr(k))
			return reject(x, name,
				      "an xattr that is not allowed in a cage (trusted.* or "
				      "system.*)");
		if (type != AE_IFLNK &&
		    (fd >= 0 ? fsetxattr(fd, k, v, vl, 0) : lsetxattr(proc, k, v, vl, 0)) < 0)
			return uc_fail_errno(x->err, errno, "%s: xattr %s", name, k);
	}
	uid_t uid = map_uid(x, archive_entry_uid(e));
	gid_t gid = map_gid(x, archive_entry_gid(e));
	bool chowned = needs_chown(x, uid, gid);
	if (chowned && (fd >= 0 ? fchown(fd, uid, gid)
				: fchownat(pfd, leaf, uid, gid, AT_SYMLINK_NOFOLLOW)) < 0)
		return uc_fail_errno(x->err, errno, "%s: chown", name);
	/* after chown, which clears set-id bits */
	mode_t perm = archive_entry_perm(e);
	if (type != AE_IFLNK && needs_chmod(x, perm, type, chowned) &&
	    (fd >= 0 ? fchmod(fd, perm) : fchmodat(pfd, leaf, perm, 0)) < 0)
		return uc_fail_errno(x->err, errno, "%s: chmod", name);
	/* libarchive gives the mode's own ACL for every entry: only an entry
	 * with ACL entries of its own gets one */
	if ((type == AE_IFREG || type == AE_IFDIR) &&
	    archive_entry_acl_count(e, ARCHIVE_ENTRY_ACL_TYPE_ACCESS) > 0) {
		char *t = archive_entry_acl_to_text(e, NULL, ARCHIVE_ENTRY_ACL_TYPE_ACCESS);
		acl_t acl = acl_mapped(x, t);
		free(t);
		int r = !acl				 ? -1
			: acl_equiv_mode(acl, NULL) == 0 ? 0
			: fd >= 0			 ? acl_set_fd(fd, acl)
							 : acl_set_file(proc, ACL_TYPE_ACCESS, acl);
		if (acl)
			acl_free(acl);
		if (r < 0)
			return reject(x, name, "a bad ACL");
	}
	struct timespec ts[2] = {{archive_entry_mtime(e), archive_entry_mtime_nsec(e)},
				 {archive_entry_mtime(e), archive_entry_mtime_nsec(e)}};
	if (type != AE_IFDIR)
		fd >= 0 ? futimens(fd, ts) : utimensat(pfd, leaf, ts, AT_SYMLINK_NOFOLLOW);
	return 0;
}

/* Regular file data, written at the offsets libarchive gives (holes stay
 * holes); *size: the file's size. */
static int extract_data(struct imp *x, int fd, const char *name, int64_t esize, int64_t *size)
{
	/* libarchive's own buffers, no copy */
	const void *buf;
	size_t len;
	la_int64_t off;
	int n, r = 0;
	*size = 0;
	while ((n = archive_read_data_block(x->a, &buf, &len, &off)) == ARCHIVE_OK) {
		if (r == 0 && len && pwrite(fd, buf, len, off) != (ssize_t)len)
			r = uc_fail_errno(x->err, errno ? errno : EIO, "%s", name);
		if (off + (int64_t)len > *size)
			*size = off + (int64_t)len;
		x->rep->bytes += len;
	}
	if (r == 0 && *size < esize && ftruncate(fd, esize) < 0)
		r = uc_fail_errno(x->err, errno, "%s", name);
	if (esize > *size)
		*size = esize;
	if (n != ARCHIVE_EOF)
		return uc_fail(x->err, UC_BADREQUEST, "truncated or corrupt stream at '%s': %s",
			       name, archive_error_string(x->a));
	return r;
}

/* Upper files now identical to this host's skeleton (reported only). */
static void same_as_skeleton(struct imp *x, int fd, const char *rel, int64_t size)
{
	if (x->skel_tree < 0)
		return;
	/* a directory the skeleton does not have is remembered: the files of
	 * a user's own trees are not looked up one by one */
	const char *sl = strrchr(rel, '/');
	size_t plen = sl ? (size_t)(sl - rel) : 0;
	if (x->skel_missing[0] && strlen(x->skel_missing) == plen &&
	    !strncmp(x->skel_missing, rel, plen))
		return;
	_cleanup_close_ int s =
	    path_open_beneath(x->skel_tree, rel, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0);
	if (s == -ENOENT && plen) {
		char dir[PATH_MAX];
		snprintf(dir, sizeof(dir), "%.*s", (int)plen, rel);
		_cleanup_close_ int d =
		    path_open_beneath(x->skel_tree, dir, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
		if (d < 0)
			snprintf(x->skel_missing, sizeof(x->skel_missing), "%s", dir);
	}
	struct stat st;
	if (s < 0 || fstat(s, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size != size)
		return;
	if (file_contents_equal(fd, s, (uint64_t)size) == 1) {
		if (x->rep->same_as_skeleton < 8)
			snprintf(x->rep->same_first[x->rep->same_as_skeleton], 256, "/%.250s", rel);
		x->rep->same_as_skeleton++;
	}
}

/* A regular file: created, written, its metadata set, then handed (fd and
 * all) to the checker. */
static int extract_file(struct imp *x, struct archive_entry *e, int pfd, const char *leaf,
			const char *name, unsigned t, struct verifier *v)
{
	const char *want = xman_file_hex(&x->man, name);
	if (!want)
		return reject(x, name, "a file the manifest does not list");
	/* O_NOATIME: the checker's read-back must not change the atime just set */
	int fd = openat(pfd, leaf, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOATIME | O_CLOEXEC,
			create_mode(e));
	if (fd < 0)
		return uc_fail_errno(x->err, errno, "%s", name);
	int64_t size;
	int r = extract_data(x, fd, name, archive_entry_size(e), &size);
	if (r == 0 && t == T_UPPER)
		same_as_skeleton(x, fd, name + 6, size);
	if (r == 0)
		r = apply_meta(x, e, fd, pfd, leaf, name, AE_IFREG);
	if (r == 0 && strset_add(&x->files, name) < 0)
		r = uc_fail(x->err, UC_INTERNAL, "out of memory");
	if (r < 0) {
		close(fd);
		return r;
	}
	x->rep->files++;
	return verify_push(v, fd, name, want, size) < 0
		   ? uc_fail(x->err, UC_INTERNAL, "out of memory")
		   : 0;
}

static int tree_of(struct imp *x, const char *name, unsigned *t)
{
	for (unsigned i = 0; i < T_N; i++) {
		size_t pl = strlen(prefixes[i]);
		if (!strncmp(name, prefixes[i], pl) && (name[pl] == '\0' || name[pl] == '/')) {
			if (i == T_HOME && !x->man.with_home)
				break;
			*t = i;
			return 0;
		}
	}
	return reject(x, name, "not part of a cage archive (upper/, custom.etc/, home/)");
}

static int check_name(struct imp *x, char *name)
{
	size_t len = strlen(name);
	if (len > 1 && name[len - 1] == '/')
		name[len - 1] = '\0';
	if (name[0] == '/')
		return reject(x, name, "an absolute path");
	for (const char *c = name; *c;) {
		size_t n = strcspn(c, "/");
		if (n == 2 && c[0] == '.' && c[1] == '.')
			return reject(x, name, "a '..' component");
		c += n;
		if (*c == '/')
			c++;
	}
	if (!path_is_clean_relative(name))
		return reject(x, name, "not a clean relative path");
	if (strset_contains(&x->seen, name))
		return reject(x, name, "a duplicate entry");
	if (++x->rep->entries > x->max_entries)
		return reject(x, name, "more entries than the limit");
	return strset_add(&x->seen, name) < 0 ? uc_fail(x->err, UC_INTERNAL, "out of memory") : 0;
}

/* A directory's times and default ACL, set when everything is in. */
static int remember_dir(struct imp *x, struct archive_entry *e, unsigned t, const char *name)
{
	struct dirmeta *d = realloc(x->dirs, (x->ndirs + 1) * sizeof(*d));
	if (!d)
		return uc_fail(x->err, UC_INTERNAL, "out of memory");
	x->dirs = d;
	d = &x->dirs[x->ndirs];
	*d = (struct dirmeta){
	    t, strdup(name), {archive_entry_mtime(e), archive_entry_mtime_nsec(e)}, NULL};
	if (archive_entry_acl_count(e, ARCHIVE_ENTRY_ACL_TYPE_DEFAULT) > 0)
		d->default_acl = archive_entry_acl_to_text(e, NULL, ARCHIVE_ENTRY_ACL_TYPE_DEFAULT);
	x->ndirs++;
	if (!d->path)
		return uc_fail(x->err, UC_INTERNAL, "out of memory");
	/* checked now: a bad one is refused with the entry named */
	acl_t acl = d->default_acl ? acl_from_text(d->default_acl) : NULL;
	if (d->default_acl && (!acl || acl_valid(acl) < 0)) {
		if (acl)
			acl_free(acl);
		return reject(x, name, "a bad default ACL");
	}
	if (acl)
		acl_free(acl);
	return 0;
}

/* The default ACLs, on the directories in their temporary places (before
 * the sync, so that they are durable with the rest). */
static int set_default_acls(struct imp *x)
{
	for (size_t i = 0; i < x->ndirs; i++) {
		const struct dirmeta *d = &x->dirs[i];
		if (!d->default_acl)
			continue;
		_cleanup_close_ int fd = path_open_beneath(
		    x->tmpfd[d->tree], d->path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
		char proc[64];
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		acl_t acl = acl_mapped(x, d->default_acl);
		int r = fd < 0 || !acl ? -1 : acl_set_file(proc, ACL_TYPE_DEFAULT, acl);
		int e = fd < 0 ? -fd : errno;
		if (acl)
			acl_free(acl);
		if (r < 0)
			return uc_fail_errno(x->err, e ? e : EINVAL, "%s: default ACL", d->path);
	}
	return 0;
}

static int extract_entry(struct imp *x, struct archive_entry *e, struct verifier *v)
{
	char name[PATH_MAX];
	snprintf(name, sizeof(name), "%s",
		 archive_entry_pathname(e) ? archive_entry_pathname(e) : "");
	unsigned t;
	int r = check_name(x, name);
	if (r == 0)
		r = tree_of(x, name, &t);
	if (r < 0)
		return r;
	mode_t type = archive_entry_filetype(e);
	const char *hl = archive_entry_hardlink(e);
	/* upper/, custom.etc/, home/ themselves: directories, nothing else (an
	 * "upper" that is a symlink would make the overlay write elsewhere) */
	if (!strchr(name, '/') && (type != AE_IFDIR || hl))
		return reject(x, name, "the top of a tree must be a directory");
	if (archive_entry_size(e) < 0 || (uint64_t)archive_entry_size(e) > x->max_size)
		return reject(x, name, "larger than the size limit");
	char work[PATH_MAX], *leaf;
	snprintf(work, sizeof(work), "%s", name);
	char *sl = strrchr(work, '/');
	size_t plen = sl ? (size_t)(sl - work) : 0;
	int pfd;
	if (x->last_fd >= 0 && x->last_tree == t && strlen(x->last_parent) == plen &&
	    !strncmp(x->last_parent, work, plen)) {
		pfd = x->last_fd;
		leaf = sl ? sl + 1 : work;
	} else {
		if (x->last_fd >= 0)
			close(x->last_fd);
		x->last_fd = pfd = open_parent(x->tmpfd[t], work, &leaf);
		x->last_tree = t;
		struct stat pst;
		x->parent_sgid = pfd >= 0 && fstat(pfd, &pst) == 0 && (pst.st_mode & S_ISGID);
		x->parent_gid = x->parent_sgid ? pst.st_gid : 0;
		/* from name: open_parent cut work into pieces */
		snprintf(x->last_parent, sizeof(x->last_parent), "%.*s", (int)plen, name);
	}
	if (pfd < 0)
		return reject(x, name, "its directory is missing or a symlink");
	if (hl) {
		char target[PATH_MAX];
		snprintf(target, sizeof(target), "%s", hl);
		if (!path_is_clean_relative(target) || !strset_contains(&x->files, target))
			return reject(x, name,
				      "a hardlink to something that is not a file of the archive");
		unsigned tt;
		if (tree_of(x, target, &tt) < 0 || tt != t)
			return reject(x, name, "a hardlink out of its tree");
		/* listed with the same content as its target (export lists every name) */
		const char *want = xman_file_hex(&x->man, name),
			   *have = xman_file_hex(&x->man, target);
		if (!want || !have || strcmp(want, have))
			return reject(x, name,
				      "a hardlink the manifest does not list with its target");
		if (linkat(x->tmpfd[t], target, pfd, leaf, 0) < 0)
			return uc_fail_errno(x->err, errno, "%s", name);
		return strset_add(&x->files, name) < 0
			   ? uc_fail(x->err, UC_INTERNAL, "out of memory")
			   : 0;
	}
	switch (type) {
	case AE_IFDIR:
		if (mkdirat(pfd, leaf, create_mode(e)) < 0)
			return uc_fail_errno(x->err, errno, "%s", name);
		break;
	case AE_IFREG:
		return extract_file(x, e, pfd, leaf, name, t, v);
	case AE_IFLNK: {
		const char *target = archive_entry_symlink(e);
		if (!target || !*target || escapes(name, target))
			return reject(x, name, "a symlink out of the archive's tree");
		if (symlinkat(target, pfd, leaf) < 0)
			return uc_fail_errno(x->err, errno, "%s", name);
		break;
	}
	case AE_IFCHR:
		if (archive_entry_rdevmajor(e) || archive_entry_rdevminor(e))
			return reject(x, name, "a device node (only overlay whiteouts, char 0/0)");
		if (mknodat(pfd, leaf, S_IFCHR | create_mode(e), makedev(0, 0)) < 0)
			return uc_fail_errno(x->err, errno, "%s", name);
		break;
	case AE_IFIFO:
		if (mknodat(pfd, leaf, S_IFIFO | create_mode(e), 0) < 0)
			return uc_fail_errno(x->err, errno, "%s", name);
		break;
	default:
		return reject(x, name, "a device node or socket");
	}
	if ((r = apply_meta(x, e, -1, pfd, leaf, name, type)) < 0)
		return r;
	if (type == AE_IFDIR)
		return remember_dir(x, e, t, name);
	return 0;
}

/* The tops of the trees get the owner and mode this host gives them,
 * whatever the archive says: upper/ is the cage's "/" (root, 0755),
 * custom.etc/ is root's, the home is the account's. */
static int own_roots(struct imp *x)
{
	struct {
		unsigned t;
		uid_t uid;
		gid_t gid;
		mode_t mode;
	} roots[] = {
	    {T_UPPER, 0, 0, 0755}, {T_CUSTOM, 0, 0, 0755}, {T_HOME, x->u.uid, x->u.gid, 0}};
	for (size_t i = 0; i < sizeof(roots) / sizeof(*roots); i++) {
		unsigned t = roots[i].t;
		struct stat st;
		if (x->tmpfd[t] < 0 ||
		    fstatat(x->tmpfd[t], prefixes[t], &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (!S_ISDIR(st.st_mode))
			return reject(x, prefixes[t], "the top of a tree must be a directory");
		if (fchownat(x->tmpfd[t], prefixes[t], roots[i].uid, roots[i].gid,
			     AT_SYMLINK_NOFOLLOW) < 0 ||
		    (roots[i].mode && fchmodat(x->tmpfd[t], prefixes[t], roots[i].mode, 0) < 0))
			return uc_fail_errno(x->err, errno, "%s", prefixes[t]);
	}
	return 0;
}

/* ---- commit ------------------------------------------------------------------ */

/* Directory times last (every entry made inside changed them), on the
 * temporary trees, before the sync: durable with the rest. */
static void set_dir_times(struct imp *x)
{
	for (size_t i = x->ndirs; i-- > 0;) {
		const struct dirmeta *d = &x->dirs[i];
		_cleanup_close_ int fd = path_open_beneath(
		    x->tmpfd[d->tree], d->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
		struct timespec ts[2] = {d->mtime, d->mtime};
		if (fd >= 0)
			futimens(fd, ts);
	}
}

/* The last touches on the temporary trees, made durable, then swapped in
 * (export/commit.c: crash-safe). */
static int commit(struct imp *x)
{
	/* another account: the old user's home mount point (an empty
	 * directory the cage made) must not name the old user in the new cage */
	if (strcmp(x->u.name, x->man.user)) {
		char mp[PATH_MAX];
		snprintf(mp, sizeof(mp), "upper/home/%.240s", x->man.user);
		unlinkat(x->tmpfd[T_UPPER], mp, AT_REMOVEDIR); /* only when empty */
	}
	/* the cage dir is tmp itself: upper/ from the archive, a fresh work/ */
	if (mkdirat(x->tmpfd[T_UPPER], "work", 0700) < 0)
		return uc_fail_errno(x->err, errno, "%s/work", x->tmp[T_UPPER]);
	set_dir_times(x);
	/* durable before it replaces anything: a crash after the swaps must
	 * not leave a cage of empty files where the old one was */
	for (unsigned t = 0; t < T_N; t++) {
		if (x->tmpfd[t] < 0)
			continue;
		_cleanup_close_ int d =
		    openat(x->tmpfd[t], ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (d < 0 || syncfs(d) < 0)
			return uc_fail_errno(x->err, errno, "syncfs %s", x->tmp[t]);
	}
	uc_debug(UC_AREA_EXPORT, "import: synced at %ld ms", uc_ms_since(&x->t0));
	struct import_commit c = {.enabled = x->man.enabled};
	snprintf(c.user, sizeof(c.user), "%s", x->u.name);
	unsigned in[T_N];
	for (unsigned t = 0; t < T_N; t++) {
		if (x->tmpfd[t] < 0)
			continue;
		struct import_tree *it = &c.t[c.n];
		snprintf(it->tmp, sizeof(it->tmp), "%s", x->tmp[t]);
		snprintf(it->final, sizeof(it->final), "%s", x->final[t]);
		if (t == T_UPPER) {
			snprintf(it->src, sizeof(it->src), "%.4095s", x->tmp[t]);
		} else {
			snprintf(it->src, sizeof(it->src), "%.4000s/%.20s", x->tmp[t], prefixes[t]);
			if (access(it->src, F_OK) < 0)
				continue; /* the archive has none: what is there stays */
		}
		in[c.n++] = t;
	}
	uc_test_pause("UNICAGE_TEST_IMPORT_PAUSE"); /* tests: just before the commit */
	int r = import_commit(x->cfg, &c, x->err);
	/* the temporary dirs of the trees it took are its own now (removed, or
	 * kept for recovery) */
	for (unsigned i = 0; i < c.n; i++)
		if (r == 0 || c.pending)
			x->tmp[in[i]][0] = '\0';
	return r;
}

int cage_import(const struct uc_config *cfg, const struct import_opts *o, struct import_report *rep,
		struct uc_error *err)
{
	memset(rep, 0, sizeof(*rep));
	struct imp x = {.cfg = cfg, .o = o, .rep = rep, .err = err, .skel_tree = -1, .last_fd = -1};
	uc_clock_now(&x.t0);
	x.euid = geteuid();
	x.egid = getegid();
	x.umask = umask(0);
	umask(x.umask);
	for (unsigned t = 0; t < T_N; t++)
		x.tmpfd[t] = -1;
	x.max_entries = cfg->import_max_entries;
	x.max_size = cfg->import_max_size;
	xman_init(&x.man);
	x.a = archive_read_new();
	int r = x.a ? 0 : uc_fail(err, UC_INTERNAL, "out of memory");
	struct unzstd uz;
	int uzr = r == 0 ? unzstd_start(&uz, o->in_fd) : -1;
	if (r == 0 && uzr < 0)
		r = uc_fail_errno(err, -uzr, "decompression thread");
	if (r == 0 && (archive_read_support_format_tar(x.a) != ARCHIVE_OK ||
		       archive_read_open(x.a, &uz, NULL, unzstd_read, NULL) != ARCHIVE_OK))
		r = uc_fail(err, UC_BADREQUEST,
			    "not a zstd-compressed tar, or a truncated or corrupt stream: %s",
			    archive_error_string(x.a));
	if (r == 0)
		r = read_manifest(&x);
	x.old_uid = x.man.uid;
	x.old_gid = x.man.gid;
	if (r == 0)
		r = find_account(&x);
	int lk = r == 0 ? cage_user_lock(cfg, x.u.name, err) : -1;
	if (r == 0 && lk < 0)
		r = lk;
	/* what a crashed import of this user left: finished or cleared first */
	if (r == 0 && (r = import_recover_locked(cfg, x.u.name, err)) > 0)
		r = 0;
	if (r == 0)
		r = places(&x);
	char gen[64] = "";
	struct uc_error ge;
	if (r == 0 && skel_current_gen(cfg, gen, sizeof(gen), &ge) == 0) {
		char p[PATH_MAX];
		snprintf(p, sizeof(p), "%.4000s/skel/%s/tree", cfg->state_dir, gen);
		x.skel_tree = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	struct archive_entry *e;
	int ar = ARCHIVE_OK;
	struct verifier ver;
	if (r == 0 && verify_start(&ver) < 0)
		r = uc_fail(err, UC_INTERNAL, "cannot start the checking thread");
	bool verifying = r == 0;
	while (r == 0 && (ar = archive_read_next_header(x.a, &e)) == ARCHIVE_OK)
		r = extract_entry(&x, e, &ver);
	uc_debug(UC_AREA_EXPORT, "import: entries extracted at %ld ms", uc_ms_since(&x.t0));
	if (verifying && !verify_finish(&ver) && r == 0)
		r = reject(&x, ver.bad, "its SHA-256 does not match the manifest");
	if (uzr == 0) {
		/* after the tar's end: the rest (padding) read out, so that the
		 * thread's verdict covers the whole stream; after an error it is
		 * not needed, and the thread is stopped */
		if (r == 0 && ar == ARCHIVE_EOF)
			unzstd_drain(&uz);
		unzstd_finish(&uz);
		if (r == 0 && uz.err[0])
			r = uc_fail(err, UC_BADREQUEST, "truncated or corrupt stream: %s", uz.err);
	}
	if (r == 0 && ar != ARCHIVE_EOF)
		r = uc_fail(err, UC_BADREQUEST, "truncated or corrupt stream: %s",
			    archive_error_string(x.a) ? archive_error_string(x.a) : "read error");
	if (r == 0 && x.files.n != x.man.paths.n)
		r = uc_fail(err, UC_BADREQUEST, "the archive lacks %zu file(s) its manifest lists",
			    x.man.paths.n - x.files.n);
	if (r == 0 && !strset_contains(&x.seen, "upper"))
		r = uc_fail(err, UC_BADREQUEST, "the archive has no upper/");
	if (r == 0)
		r = own_roots(&x);
	if (r == 0)
		r = set_default_acls(&x);
	uc_debug(UC_AREA_EXPORT, "import: checked at %ld ms", uc_ms_since(&x.t0));
	if (r == 0 && (r = commit(&x)) == 0) {
		uc_debug(UC_AREA_EXPORT, "import: in place at %ld ms", uc_ms_since(&x.t0));
		snprintf(rep->user, sizeof(rep->user), "%s", x.u.name);
		snprintf(rep->source_gen, sizeof(rep->source_gen), "%s", x.man.gen);
		snprintf(rep->current_gen, sizeof(rep->current_gen), "%s", gen[0] ? gen : "-");
		/* names are per host: the manifest checksum says whether it is the
		 * same skeleton */
		char sha[65] = "";
		xman_gen_sha(cfg->state_dir, gen, sha);
		rep->gen_differs =
		    strcmp(x.man.gen, gen) != 0 || !x.man.gen_sha[0] || strcmp(x.man.gen_sha, sha);
	}
	/* the temporary directories go in every case (after a commit, only
	 * what is left of them) */
	for (unsigned t = 0; t < T_N; t++) {
		if (x.tmpfd[t] >= 0)
			close(x.tmpfd[t]);
		if (x.tmp[t][0])
			store_rm_path(x.tmp[t]);
	}
	if (x.skel_tree >= 0)
		close(x.skel_tree);
	if (x.last_fd >= 0)
		close(x.last_fd);
	for (size_t i = 0; i < x.ndirs; i++) {
		free(x.dirs[i].path);
		free(x.dirs[i].default_acl);
	}
	free(x.dirs);
	if (x.a)
		archive_read_free(x.a);
	strset_release(&x.seen);
	strset_release(&x.files);
	xman_release(&x.man);
	user_release(&x.u);
	if (lk >= 0)
		close(lk);
	return r;
}
