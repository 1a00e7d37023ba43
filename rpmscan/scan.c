/* The scan: choose headers (rpmdb or .rpm files), walk their files, verify and
 * classify each, and hand it to the caller. */
#include "rpmscan/internal.h"

#include "lib/cleanup.h"
#include "lib/log.h"

#include <errno.h>
#include <fcntl.h>
#include <rpm/rpmdb.h>
#include <rpm/rpmfi.h>
#include <rpm/rpmio.h>
#include <rpm/rpmlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct scan {
	const struct rpmscan_opts *o;
	rpmscan_cb cb;
	void *arg;
	struct rs_verifier *verifier; /* NULL without --verify */
};

/* Lower-case hex of a binary digest; "" when it is all zeros (the header had
 * an empty digest: directories, symlinks, ghosts). */
static void digest_hex(const unsigned char *d, size_t len, char *out, size_t size)
{
	static const char hexd[] = "0123456789abcdef";
	bool zero = true;
	out[0] = '\0';
	if (!d || len * 2 + 1 > size)
		return;
	for (size_t i = 0; i < len; i++) {
		zero = zero && d[i] == 0;
		out[2 * i] = hexd[d[i] >> 4];
		out[2 * i + 1] = hexd[d[i] & 15];
	}
	out[2 * len] = '\0';
	if (zero)
		out[0] = '\0';
}

static void fill_file(rpmfi fi, const char *nevra, bool installed, struct rs_file *f, char *hex,
		      size_t hexsize)
{
	int algo = 0;
	size_t dlen = 0;
	const unsigned char *d = rpmfiFDigest(fi, &algo, &dlen);
	memset(f, 0, sizeof(*f));
	f->nevra = nevra;
	f->path = rpmfiFN(fi);
	f->mode = rpmfiFMode(fi);
	f->type = rs_ftype_from_mode(f->mode);
	f->user = rpmfiFUser(fi) ? rpmfiFUser(fi) : "";
	f->group = rpmfiFGroup(fi) ? rpmfiFGroup(fi) : "";
	f->size = rpmfiFSize(fi);
	f->mtime = rpmfiFMtime(fi);
	digest_hex(d, dlen, hex, hexsize);
	f->digest = hex;
	f->digest_algo = algo;
	f->link = rpmfiFLink(fi) ? rpmfiFLink(fi) : "";
	f->caps = rpmfiFCaps(fi) ? rpmfiFCaps(fi) : "";
	f->rdev = rpmfiFRdev(fi);
	f->flags = rs_flags_from_rpm(rpmfiFFlags(fi));
	f->vflags = rpmfiVFlags(fi);
	f->installed = installed;
	/* A package file has no install states, and neither has an installed
	 * header written without them: both are taken as installed normally, as
	 * rpm -V does. */
	int st = rpmfiFState(fi);
	f->state = st == RPMFILE_STATE_MISSING ? RS_S_NORMAL : rs_state_from_rpm(st);
}

static int scan_header(struct scan *s, Header h, bool installed)
{
	_cleanup_free_ char *nevra = headerGetAsString(h, RPMTAG_NEVRA);
	rpmfiles files = rpmfilesNew(NULL, h, RPMTAG_BASENAMES, RPMFI_KEEPHEADER);
	if (!files)
		return 0; /* a package without files (gpg-pubkey) */
	rpmfi fi = rpmfilesIter(files, RPMFI_ITER_FWD);
	int r = 0;
	char hex[2 * 64 + 1];
	while (r == 0 && rpmfiNext(fi) >= 0) {
		struct rs_file f;
		fill_file(fi, nevra ? nevra : "?", installed, &f, hex, sizeof(hex));
		if (s->verifier)
			rs_verify_file(s->verifier, &f);
		f.class = rs_classify(&f, s->o->local_paths);
		r = s->cb(&f, s->arg);
	}
	rpmfiFree(fi);
	rpmfilesFree(files);
	return r;
}

/* How long the package file must be, 0 if unknown. A truncated payload
 * leaves the header readable, so the header is not enough: the signature
 * header's size tag covers header + payload, which start after the 96-byte
 * lead and the signature header (16-byte intro, 16 bytes an index entry, the
 * data, padded to 8). v6 packages carry no such size. */
static uint64_t package_size(int fd, Header h)
{
	uint64_t sigsize = headerGetNumber(h, RPMTAG_LONGSIGSIZE);
	if (!sigsize)
		sigsize = headerGetNumber(h, RPMTAG_SIGSIZE);
	unsigned char intro[16];
	if (!sigsize || pread(fd, intro, sizeof(intro), 96) != (ssize_t)sizeof(intro))
		return 0;
	uint64_t il = (uint64_t)intro[8] << 24 | intro[9] << 16 | intro[10] << 8 | intro[11];
	uint64_t dl = (uint64_t)intro[12] << 24 | intro[13] << 16 | intro[14] << 8 | intro[15];
	uint64_t start = 96 + 16 + il * 16 + dl;
	start = (start + 7) & ~(uint64_t)7;
	return start + sigsize;
}

int rs_read_package(rpmts ts, const char *path, Header *out, struct uc_error *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return uc_fail_errno(err, errno, "package file %s", path);
	if (fstat(fd, &st) < 0)
		return uc_fail_errno(err, errno, "package file %s", path);
	if (S_ISDIR(st.st_mode))
		return uc_fail(err, UC_BADREQUEST, "%s is a directory, not an .rpm file", path);
	if (!S_ISREG(st.st_mode))
		return uc_fail(err, UC_BADREQUEST, "%s is not a regular file", path);
	FD_t rfd = fdDup(fd);
	if (!rfd)
		return uc_fail_errno(err, errno, "package file %s", path);
	Header h = NULL;
	rs_rpm_clear_error();
	rpmRC rc = rpmReadPackageFile(ts, rfd, path, &h);
	Fclose(rfd);
	if (rc == RPMRC_NOTFOUND)
		return uc_fail(err, UC_BADREQUEST, "%s: not an rpm package", path);
	if (rc == RPMRC_FAIL || !h)
		return uc_fail(err, UC_BADREQUEST, "%s: corrupt or truncated rpm package: %s", path,
			       *rs_rpm_last_error() ? rs_rpm_last_error() : "header unreadable");
	uint64_t need = package_size(fd, h);
	if (need && (uint64_t)st.st_size < need) {
		headerFree(h);
		return uc_fail(err, UC_BADREQUEST,
			       "%s: truncated rpm package (%lld bytes, its signature header "
			       "says %llu)",
			       path, (long long)st.st_size, (unsigned long long)need);
	}
	*out = h;
	return 0;
}

static int scan_set(struct scan *s, struct rs_pkgset *set, size_t installed_from)
{
	int r = 0;
	for (size_t i = 0; r == 0 && i < set->n; i++)
		r = scan_header(s, set->h[i], i >= installed_from);
	return r;
}

static int scan_all(struct scan *s, struct rs_db *db, struct uc_error *err)
{
	rs_rpm_clear_error();
	rpmdbMatchIterator mi = rpmtsInitIterator(db->ts, RPMDBI_PACKAGES, NULL, 0);
	Header h;
	int r = 0;
	while (r == 0 && mi && (h = rpmdbNextIterator(mi)))
		r = scan_header(s, h, true);
	rpmdbFreeIterator(mi);
	return r ? r : rs_db_check(db, err);
}

/* Read every .rpm file first: a bad one fails the run before any output. */
static int read_packages(rpmts ts, const struct strv *files, struct rs_pkgset *set,
			 struct uc_error *err)
{
	for (size_t i = 0; i < files->n; i++) {
		Header h;
		int r = rs_read_package(ts, files->v[i], &h, err);
		if (r < 0)
			return r;
		r = rs_pkgset_add(set, h);
		headerFree(h);
		if (r < 0)
			return uc_fail(err, UC_INTERNAL, "out of memory");
	}
	return 0;
}

static int run_files(struct scan *s, int rootfd, struct uc_error *err)
{
	const struct rpmscan_opts *o = s->o;
	struct rs_pkgset set = {0};
	struct rs_db db = {0};
	bool have_db = false;
	int r = rs_rpm_init(err);
	rpmts ts = r == 0 ? rpmtsCreate() : NULL;
	if (ts) {
		rpmtsSetVSFlags(ts, _RPMVSF_NOSIGNATURES | _RPMVSF_NODIGESTS);
		r = read_packages(ts, o->rpm_files, &set, err);
		rpmtsFree(ts);
	}
	size_t from_db = set.n;
	if (r == 0 && o->requires) {
		r = rs_db_open(&db, rootfd, o->sysroot, o->dbpath, o->snapshot, err);
		have_db = r == 0;
		if (r == 0)
			r = rs_add_requires(&db, &set, err);
	}
	if (s->verifier)
		s->verifier->db = have_db ? &db : NULL;
	if (r == 0)
		r = scan_set(s, &set, from_db);
	rs_pkgset_release(&set);
	if (have_db)
		rs_db_close(&db);
	return r;
}

static int run_db(struct scan *s, int rootfd, struct uc_error *err)
{
	const struct rpmscan_opts *o = s->o;
	struct rs_db db;
	struct rs_pkgset set = {0};
	int r = rs_db_open(&db, rootfd, o->sysroot, o->dbpath, o->snapshot, err);
	if (r < 0)
		return r;
	if (s->verifier)
		s->verifier->db = &db;
	if (o->all) {
		r = scan_all(s, &db, err);
	} else {
		r = rs_select(&db, o->packages, &set, NULL, err);
		if (r == 0 && o->requires)
			r = rs_add_requires(&db, &set, err);
		if (r == 0)
			r = scan_set(s, &set, 0);
	}
	rs_pkgset_release(&set);
	rs_db_close(&db);
	return r;
}

int rpmscan_run(const struct rpmscan_opts *o, rpmscan_cb cb, void *arg, struct uc_error *err)
{
	const char *sysroot = o->sysroot ? o->sysroot : "/";
	struct rpmscan_opts opts = *o;
	opts.sysroot = sysroot;
	_cleanup_close_ int rootfd = open(sysroot, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return uc_fail_errno(err, errno, "sysroot %s", sysroot);
	struct rs_verifier verifier = {.rootfd = rootfd};
	struct scan s = {.o = &opts, .cb = cb, .arg = arg};
	if (o->verify) {
		int r = ugdb_load_tree(&verifier.ug, rootfd, err);
		if (r < 0)
			return r;
		s.verifier = &verifier;
	}
	int r = (o->rpm_files && o->rpm_files->n) ? run_files(&s, rootfd, err)
						  : run_db(&s, rootfd, err);
	if (o->verify)
		ugdb_release(&verifier.ug);
	return r;
}

int rpmscan_resolve(const struct rpmscan_opts *o, struct strv *names, struct strv *via,
		    struct uc_error *err)
{
	const char *sysroot = o->sysroot ? o->sysroot : "/";
	_cleanup_close_ int rootfd = open(sysroot, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return uc_fail_errno(err, errno, "sysroot %s", sysroot);
	struct rs_db db;
	struct rs_pkgset set = {0};
	int r = rs_db_open(&db, rootfd, sysroot, o->dbpath, o->snapshot, err);
	if (r < 0)
		return r;
	r = rs_select(&db, o->packages, &set, via, err);
	if (r == 0 && o->requires)
		r = rs_add_requires(&db, &set, err);
	for (size_t i = 0; r == 0 && i < set.n; i++) {
		_cleanup_free_ char *name = headerGetAsString(set.h[i], RPMTAG_NAME);
		if (name && !strv_contains(names, name) && strv_push(names, name) < 0)
			r = uc_fail(err, UC_INTERNAL, "out of memory");
	}
	rs_pkgset_release(&set);
	rs_db_close(&db);
	return r;
}

int rpmscan_whatprovides(const struct rpmscan_opts *o, const struct strv *caps, struct strv *out,
			 struct uc_error *err)
{
	const char *sysroot = o->sysroot ? o->sysroot : "/";
	_cleanup_close_ int rootfd = open(sysroot, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return uc_fail_errno(err, errno, "sysroot %s", sysroot);
	struct rs_db db;
	int r = rs_db_open(&db, rootfd, sysroot, o->dbpath, o->snapshot, err);
	if (r < 0)
		return r;
	r = rs_whatprovides(&db, caps, out, err);
	rs_db_close(&db);
	return r;
}
