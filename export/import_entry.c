/* One entry of a cage archive, made below the temporary directory of its
 * tree with *at() calls, never following a link: its name, type, metadata
 * (owner mapped to the target account, modes, xattrs, ACLs) and, for a
 * file, its data handed to the checking thread. */
#include "export/import_int.h"

#include "lib/cleanup.h"
#include "lib/objkey.h"
#include "lib/path.h"

#include <acl/libacl.h>
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
#include <unistd.h>

const char *const import_prefixes[T_N] = {"upper", "custom.etc", "home"};

int import_reject(struct imp *x, const char *entry, const char *why)
{
	return uc_fail(x->err, UC_BADREQUEST, "archive entry '%s': %s", entry ? entry : "?", why);
}

/* ---- one entry ----------------------------------------------------------- */

/* The directory holding path below root, following no link and never
 * leaving root (path_open_beneath); *leaf points into path. */
static int open_parent(int root, char *path, char **leaf)
{
	char *sl = strrchr(path, '/');
	if (!sl) {
		*leaf = path;
		return dup(root);
	}
	*sl = '\0';
	*leaf = sl + 1;
	int fd = path_open_beneath(root, path, O_PATH | O_DIRECTORY, 0);
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
		for (size_t i = 0; i < UC_ARRAY_SIZE(ovl); i++)
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
	return u == x->man.uid ? x->u.uid : u;
}

static gid_t map_gid(const struct imp *x, gid_t g)
{
	return g == x->man.gid ? x->u.gid : g;
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
		_cleanup_acl_ id_t *q = acl_get_qualifier(en);
		if (!q)
			continue;
		id_t to =
		    tag == ACL_USER ? (id_t)map_uid(x, (uid_t)*q) : (id_t)map_gid(x, (gid_t)*q);
		if (to != *q)
			acl_set_qualifier(en, &to);
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
	return uid != x->euid || gid != (x->parent.sgid ? x->parent.gid : x->egid);
}

static bool needs_chmod(const struct imp *x, mode_t perm, mode_t type, bool chowned)
{
	return (perm & 07000) || (perm & x->umask) || (type == AE_IFDIR && x->parent.sgid) ||
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
	int r = path_fmt(proc, sizeof(proc), "/proc/self/fd/%d/%s", pfd, leaf);
	if (r < 0)
		return path_fail(x->err, r, name);
	const char *k;
	const void *v;
	size_t vl;
	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &k, &v, &vl) == ARCHIVE_OK) {
		if (!allowed_xattr(k))
			return import_reject(x, name,
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
		_cleanup_acl_ acl_t acl = acl_mapped(x, t);
		free(t);
		r = !acl			     ? -1
		    : acl_equiv_mode(acl, NULL) == 0 ? 0
		    : fd >= 0			     ? acl_set_fd(fd, acl)
						     : acl_set_file(proc, ACL_TYPE_ACCESS, acl);
		if (r < 0)
			return import_reject(x, name, "a bad ACL");
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
	if (x->skel_missing && strlen(x->skel_missing) == plen &&
	    !strncmp(x->skel_missing, rel, plen))
		return;
	_cleanup_close_ int s =
	    path_open_beneath(x->skel_tree, rel, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0);
	if (s == -ENOENT && plen) {
		_cleanup_free_ char *dir = strndup(rel, plen);
		_cleanup_close_ int d =
		    dir ? path_open_beneath(x->skel_tree, dir, O_PATH | O_DIRECTORY | O_CLOEXEC, 0)
			: -ENOMEM;
		if (d < 0 && dir) {
			free(x->skel_missing);
			x->skel_missing = steal_pointer(&dir);
		}
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
		return import_reject(x, name, "a file the manifest does not list");
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
		size_t pl = strlen(import_prefixes[i]);
		if (!strncmp(name, import_prefixes[i], pl) &&
		    (name[pl] == '\0' || name[pl] == '/')) {
			if (i == T_HOME && !x->man.with_home)
				break;
			*t = i;
			return 0;
		}
	}
	return import_reject(x, name, "not part of a cage archive (upper/, custom.etc/, home/)");
}

static int check_name(struct imp *x, char *name)
{
	size_t len = strlen(name);
	if (len > 1 && name[len - 1] == '/')
		name[len - 1] = '\0';
	if (name[0] == '/')
		return import_reject(x, name, "an absolute path");
	for (const char *c = name; *c;) {
		size_t n = strcspn(c, "/");
		if (n == 2 && c[0] == '.' && c[1] == '.')
			return import_reject(x, name, "a '..' component");
		c += n;
		if (*c == '/')
			c++;
	}
	if (!path_is_clean_relative(name))
		return import_reject(x, name, "not a clean relative path");
	if (strset_contains(&x->seen, name))
		return import_reject(x, name, "a duplicate entry");
	if (++x->rep->entries > x->max_entries)
		return import_reject(x, name, "more entries than the limit");
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
	_cleanup_acl_ acl_t acl = d->default_acl ? acl_from_text(d->default_acl) : NULL;
	if (d->default_acl && (!acl || acl_valid(acl) < 0))
		return import_reject(x, name, "a bad default ACL");
	return 0;
}

/* The default ACLs, on the directories in their temporary places (before
 * the sync, so that they are durable with the rest). */
int import_set_default_acls(struct imp *x)
{
	for (size_t i = 0; i < x->ndirs; i++) {
		const struct dirmeta *d = &x->dirs[i];
		if (!d->default_acl)
			continue;
		_cleanup_close_ int fd = path_open_beneath(
		    x->t[d->tree].fd, d->path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
		char proc[64];
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		_cleanup_acl_ acl_t acl = acl_mapped(x, d->default_acl);
		int r = fd < 0 || !acl ? -1 : acl_set_file(proc, ACL_TYPE_DEFAULT, acl);
		int e = fd < 0 ? -fd : errno;
		if (r < 0)
			return uc_fail_errno(x->err, e ? e : EINVAL, "%s: default ACL", d->path);
	}
	return 0;
}

/* The directory entry name (in work, which is cut into pieces) goes in,
 * below tree t; *leaf its last component. Kept open for the next entry. */
static int entry_parent(struct imp *x, unsigned t, char *work, char **leaf)
{
	struct parent *p = &x->parent;
	char *sl = strrchr(work, '/');
	size_t plen = sl ? (size_t)(sl - work) : 0;
	if (p->fd >= 0 && p->tree == t && strlen(p->path) == plen &&
	    !strncmp(p->path, work, plen)) {
		*leaf = sl ? sl + 1 : work;
		return p->fd;
	}
	if (p->fd >= 0)
		close(p->fd);
	free(p->path);
	/* before open_parent cuts work into pieces */
	p->path = strndup(work, plen);
	p->fd = p->path ? open_parent(x->t[t].fd, work, leaf) : -ENOMEM;
	p->tree = t;
	struct stat st;
	p->sgid = p->fd >= 0 && fstat(p->fd, &st) == 0 && (st.st_mode & S_ISGID);
	p->gid = p->sgid ? st.st_gid : 0;
	return p->fd;
}

int import_extract_entry(struct imp *x, struct archive_entry *e, struct verifier *v)
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
		return import_reject(x, name, "the top of a tree must be a directory");
	if (archive_entry_size(e) < 0 || (uint64_t)archive_entry_size(e) > x->max_size)
		return import_reject(x, name, "larger than the size limit");
	char work[PATH_MAX], *leaf;
	snprintf(work, sizeof(work), "%s", name);
	int pfd = entry_parent(x, t, work, &leaf);
	if (pfd < 0)
		return import_reject(x, name, "its directory is missing or a symlink");
	if (hl) {
		char target[PATH_MAX];
		snprintf(target, sizeof(target), "%s", hl);
		if (!path_is_clean_relative(target) || !strset_contains(&x->files, target))
			return import_reject(
			    x, name, "a hardlink to something that is not a file of the archive");
		unsigned tt;
		if (tree_of(x, target, &tt) < 0 || tt != t)
			return import_reject(x, name, "a hardlink out of its tree");
		/* listed with the same content as its target (export lists every name) */
		const char *want = xman_file_hex(&x->man, name),
			   *have = xman_file_hex(&x->man, target);
		if (!want || !have || strcmp(want, have))
			return import_reject(
			    x, name, "a hardlink the manifest does not list with its target");
		if (linkat(x->t[t].fd, target, pfd, leaf, 0) < 0)
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
			return import_reject(x, name, "a symlink out of the archive's tree");
		if (symlinkat(target, pfd, leaf) < 0)
			return uc_fail_errno(x->err, errno, "%s", name);
		break;
	}
	case AE_IFCHR:
		if (archive_entry_rdevmajor(e) || archive_entry_rdevminor(e))
			return import_reject(x, name,
					     "a device node (only overlay whiteouts, char 0/0)");
		if (mknodat(pfd, leaf, S_IFCHR | create_mode(e), makedev(0, 0)) < 0)
			return uc_fail_errno(x->err, errno, "%s", name);
		break;
	case AE_IFIFO:
		if (mknodat(pfd, leaf, S_IFIFO | create_mode(e), 0) < 0)
			return uc_fail_errno(x->err, errno, "%s", name);
		break;
	default:
		return import_reject(x, name, "a device node or socket");
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
int import_own_roots(struct imp *x)
{
	struct {
		unsigned t;
		uid_t uid;
		gid_t gid;
		mode_t mode;
	} roots[] = {
	    {T_UPPER, 0, 0, 0755}, {T_CUSTOM, 0, 0, 0755}, {T_HOME, x->u.uid, x->u.gid, 0}};
	for (size_t i = 0; i < UC_ARRAY_SIZE(roots); i++) {
		unsigned t = roots[i].t;
		struct stat st;
		if (x->t[t].fd < 0 ||
		    fstatat(x->t[t].fd, import_prefixes[t], &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (!S_ISDIR(st.st_mode))
			return import_reject(x, import_prefixes[t],
					     "the top of a tree must be a directory");
		if (fchownat(x->t[t].fd, import_prefixes[t], roots[i].uid, roots[i].gid,
			     AT_SYMLINK_NOFOLLOW) < 0 ||
		    (roots[i].mode &&
		     fchmodat(x->t[t].fd, import_prefixes[t], roots[i].mode, 0) < 0))
			return uc_fail_errno(x->err, errno, "%s", import_prefixes[t]);
	}
	return 0;
}

/* Directory times last (every entry made inside changed them), on the
 * temporary trees, before the sync: durable with the rest. */
void import_set_dir_times(struct imp *x)
{
	for (size_t i = x->ndirs; i-- > 0;) {
		const struct dirmeta *d = &x->dirs[i];
		_cleanup_close_ int fd = path_open_beneath(
		    x->t[d->tree].fd, d->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
		struct timespec ts[2] = {d->mtime, d->mtime};
		if (fd >= 0)
			futimens(fd, ts);
	}
}
