/* rpm -V without chroot: each file of sysroot is opened through the sysroot's
 * directory fd (symlinks resolved inside it, never to the real host), and
 * compared with its header as lib/verify.c of rpm 4.18 does, so that the
 * output agrees with `rpm -V --root` character for character. */
#include "rpmscan/internal.h"

#include "lib/cleanup.h"
#include "lib/path.h"

#include <acl/libacl.h>
#include <errno.h>
#include <fcntl.h>
#include <rpm/rpmcrypto.h>
#include <rpm/rpmdb.h>
#include <rpm/rpmfiles.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <unistd.h>

static void fd_path(int fd, char *buf, size_t size)
{
	snprintf(buf, size, "/proc/self/fd/%d", fd);
}

/* Digest of the regular file at path, read through a fresh O_RDONLY open that
 * must be the inode we stat'ed (no swap between stat and read). */
static int digest_file(struct rs_verifier *v, const struct rs_file *f, const struct stat *sb,
		       char **hex, uint64_t *size)
{
	static unsigned char buf[1 << 18];
	_cleanup_close_ int fd =
	    path_open_in_root(v->rootfd, f->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0);
	struct stat st;
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_dev != sb->st_dev || st.st_ino != sb->st_ino || !S_ISREG(st.st_mode))
		return -ESTALE;
	DIGEST_CTX ctx = rpmDigestInit(f->digest_algo, RPMDIGEST_NONE);
	if (!ctx)
		return -ENOTSUP;
	uint64_t total = 0;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			rpmDigestFinal(ctx, NULL, NULL, 0);
			return -e;
		}
		rpmDigestUpdate(ctx, buf, (size_t)n);
		total += (uint64_t)n;
	}
	*size = total;
	return rpmDigestFinal(ctx, (void **)hex, NULL, 1) == 0 ? 0 : -EIO;
}

static bool has_extended_acl(int fd)
{
	char p[64];
	fd_path(fd, p, sizeof(p));
	_cleanup_acl_ acl_t acl = acl_get_file(p, ACL_TYPE_ACCESS);
	return acl && acl_equiv_mode(acl, NULL) == 1;
}

static bool caps_differ(int fd, const char *want)
{
	char p[64];
	fd_path(fd, p, sizeof(p));
	cap_t hc = cap_from_text(want && *want ? want : "=");
	if (!hc)
		hc = cap_from_text("=");
	cap_t fc = cap_get_file(p);
	if (!fc)
		fc = cap_from_text("=");
	bool differ = cap_compare(hc, fc) != 0;
	cap_free(hc);
	cap_free(fc);
	return differ;
}

/* rpm accepts an owner when either the name or the id matches. */
static bool owner_differs(const char *name_on_disk, unsigned id, unsigned disk_id, const char *want)
{
	bool namematch = name_on_disk && want && strcmp(name_on_disk, want) == 0;
	return !(namematch || id == disk_id);
}

/* rpm: "if we expected a directory but got a symlink to one, follow the link"
 * (only for a link owned by root or by the file's owner). */
static void follow_dir_link(struct rs_verifier *v, const struct rs_file *f, struct stat *sb)
{
	uid_t fuid;
	_cleanup_close_ int fd = path_open_in_root(v->rootfd, f->path, O_PATH, 0);
	struct stat dsb;
	if (fd < 0 || fstat(fd, &dsb) < 0 || !S_ISDIR(dsb.st_mode))
		return;
	if (sb->st_uid == 0 || (ugdb_user_id(&v->ug, f->user, &fuid) && fuid == sb->st_uid))
		*sb = dsb;
}

static unsigned check_content(struct rs_verifier *v, const struct rs_file *f, int fd,
			      struct stat *sb, unsigned flags)
{
	unsigned bits = 0;
	if (flags & RPMVERIFY_FILEDIGEST) {
		_cleanup_free_ char *hex = NULL;
		uint64_t size = 0;
		if (!*f->digest)
			bits |= RS_V_DIGEST;
		else if (digest_file(v, f, sb, &hex, &size) < 0)
			bits |= RS_V_DIGEST | RS_V_READFAIL;
		else {
			sb->st_size = (off_t)size;
			if (strcmp(hex, f->digest) != 0)
				bits |= RS_V_DIGEST;
		}
	}
	if (flags & RPMVERIFY_LINKTO) {
		char target[4097];
		ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);
		if (n < 0)
			bits |= RS_V_LINK | RS_V_READLINKFAIL;
		else {
			target[n] = '\0';
			if (strcmp(target, f->link) != 0)
				bits |= RS_V_LINK;
		}
	}
	if ((flags & RPMVERIFY_FILESIZE) && (uint64_t)sb->st_size != f->size)
		bits |= RS_V_SIZE;
	return bits;
}

static unsigned check_meta(struct rs_verifier *v, const struct rs_file *f, int fd,
			   const struct stat *sb, unsigned flags)
{
	unsigned bits = 0;
	if (flags & RPMVERIFY_MODE) {
		mode_t want = f->mode, have = sb->st_mode;
		if (f->flags & RS_F_GHOST) { /* the type of a ghost is meaningless */
			want &= ~S_IFMT;
			have &= ~S_IFMT;
		}
		if ((want & 0xffff) != (have & 0xffff) || has_extended_acl(fd))
			bits |= RS_V_MODE;
	}
	if (flags & RPMVERIFY_RDEV) {
		if (S_ISCHR(f->mode) != S_ISCHR(sb->st_mode) ||
		    S_ISBLK(f->mode) != S_ISBLK(sb->st_mode))
			bits |= RS_V_RDEV;
		else if ((S_ISCHR(f->mode) || S_ISBLK(f->mode)) &&
			 (sb->st_rdev & 0xffff) != (f->rdev & 0xffff))
			bits |= RS_V_RDEV;
	}
	if ((flags & RPMVERIFY_CAPS) && caps_differ(fd, f->caps))
		bits |= RS_V_CAPS;
	if ((flags & RPMVERIFY_MTIME) && (uint32_t)sb->st_mtime != f->mtime)
		bits |= RS_V_MTIME;
	if (flags & RPMVERIFY_USER) {
		uid_t uid = 0;
		/* An owner the tree does not know was installed as root (rpm warns
		 * "user X does not exist - using root"); rpm -V accepts uid 0 then. */
		if (!ugdb_user_id(&v->ug, f->user, &uid))
			uid = 0;
		if (owner_differs(ugdb_user_name(&v->ug, sb->st_uid), uid, sb->st_uid, f->user))
			bits |= RS_V_USER;
	}
	if (flags & RPMVERIFY_GROUP) {
		gid_t gid = 0;
		if (!ugdb_group_id(&v->ug, f->group, &gid))
			gid = 0;
		if (owner_differs(ugdb_group_name(&v->ug, sb->st_gid), gid, sb->st_gid, f->group))
			bits |= RS_V_GROUP;
	}
	return bits;
}

/* rpm filters out mtime differences of files several packages own. */
static bool owned_more_than_once(struct rs_db *db, const char *path)
{
	if (!db || !db->indexed)
		return false;
	rpmdbMatchIterator mi = rpmtsInitIterator(db->ts, RPMDBI_BASENAMES, path, 0);
	int n = mi ? rpmdbGetIteratorCount(mi) : 0;
	rpmdbFreeIterator(mi);
	return n > 1;
}

void rs_verify_file(struct rs_verifier *v, struct rs_file *f)
{
	unsigned flags = f->vflags;
	memset(&f->verify, 0, sizeof(f->verify));
	switch (f->state) {
	case RS_S_NETSHARED:
	case RS_S_NOTINSTALLED:
		return; /* never installed: nothing to compare */
	case RS_S_REPLACED:
		flags = 0; /* only whether it exists at all */
		break;
	case RS_S_WRONGCOLOR:
		flags &=
		    ~(RPMVERIFY_FILEDIGEST | RPMVERIFY_FILESIZE | RPMVERIFY_MTIME | RPMVERIFY_RDEV);
		break;
	default:
		break;
	}
	f->verify.checked = true;
	_cleanup_close_ int fd = path_open_in_root(v->rootfd, f->path, O_PATH | O_NOFOLLOW, 0);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) < 0) {
		f->verify.bits = RS_V_MISSING;
		f->verify.lstat_errno = fd < 0 ? -fd : errno;
		return;
	}
	if (S_ISDIR(f->mode) && S_ISLNK(sb.st_mode))
		follow_dir_link(v, f, &sb);
	if (S_ISLNK(sb.st_mode))
		flags &= ~RPMVERIFY_MODE;
	else
		flags &= ~RPMVERIFY_LINKTO;
	if (!S_ISREG(sb.st_mode))
		flags &=
		    ~(RPMVERIFY_FILEDIGEST | RPMVERIFY_FILESIZE | RPMVERIFY_MTIME | RPMVERIFY_CAPS);
	if (f->flags & RS_F_GHOST)
		flags &= ~(RPMVERIFY_FILEDIGEST | RPMVERIFY_FILESIZE | RPMVERIFY_MTIME |
			   RPMVERIFY_LINKTO);
	unsigned bits = check_content(v, f, fd, &sb, flags);
	bits |= check_meta(v, f, fd, &sb, flags);
	if ((bits & RS_V_MTIME) && owned_more_than_once(v->db, f->path))
		bits &= ~RS_V_MTIME;
	f->verify.bits = bits;
}
