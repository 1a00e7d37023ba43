/* Finding and opening an rpmdb read-only, without ever creating or changing one.
 *
 * librpm quirks this works around (../shared/NOTES.md):
 *  - opening a directory with no database creates an empty one, even O_RDONLY:
 *    so the database files are looked for here first;
 *  - Debian's %_dbpath depends on HOME: it is always set explicitly, after
 *    rpmReadConfigFiles() (macros pushed before are lost);
 *  - a read-only sqlite open still writes -shm/-wal beside the database, so a
 *    directory we may not write to is read from a private copy;
 *  - queries take no lock; we never take rpm's transaction lock either (a
 *    running rpm or dnf would fail at once). */
#include "rpmscan/internal.h"

#include "lib/cleanup.h"
#include "lib/log.h"
#include "lib/path.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <rpm/rpmlib.h>
#include <rpm/rpmlog.h>
#include <rpm/rpmmacro.h>
#include <rpm/rpmdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char last_error[512];

static int log_cb(rpmlogRec rec, rpmlogCallbackData data)
{
	const char *msg = rpmlogRecMessage(rec);
	size_t n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		n--;
	if (rpmlogRecPriority(rec) <= RPMLOG_ERR)
		snprintf(last_error, sizeof(last_error), "%.*s", (int)n, msg);
	uc_debug(UC_AREA_RPM, "librpm: %.*s", (int)n, msg);
	return 0; /* never let librpm print on its own */
}

const char *rs_rpm_last_error(void)
{
	return last_error;
}

void rs_rpm_clear_error(void)
{
	last_error[0] = '\0';
}

int rs_rpm_init(struct uc_error *err)
{
	static int done;
	if (done)
		return 0;
	rpmlogSetCallback(log_cb, NULL);
	if (rpmReadConfigFiles(NULL, NULL) != 0)
		return uc_fail(err, UC_INTERNAL, "librpm: cannot read its configuration: %s",
			       last_error);
	done = 1;
	return 0;
}

/* Which database a directory holds. 1 found, 0 none, <0 error (err set). */
static int probe_dir(int dirfd, const char *shown, enum rs_backend *backend, struct uc_error *err)
{
	struct stat st;
	if (fstatat(dirfd, "rpmdb.sqlite", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)) {
		*backend = RS_DB_SQLITE;
		return 1;
	}
	if (fstatat(dirfd, "Packages", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)) {
		*backend = RS_DB_BDB_RO;
		return 1;
	}
	if (fstatat(dirfd, "Packages.db", &st, AT_SYMLINK_NOFOLLOW) == 0)
		return uc_fail(err, UC_BADREQUEST,
			       "%s: unsupported rpmdb format: ndb (SUSE Packages.db); this librpm "
			       "reads sqlite and bdb_ro databases only",
			       shown);
	return 0;
}

/* The database directory under sysroot, resolved as in a chroot (Fedora's
 * /var/lib/rpm is a symlink to ../../usr/lib/sysimage/rpm). */
static int locate(struct rs_db *db, int rootfd, const char *sysroot, const char *dbpath,
		  struct uc_error *err)
{
	static const char *const defaults[] = {"/var/lib/rpm", "/usr/lib/sysimage/rpm"};
	const char *const *cands = dbpath ? &dbpath : defaults;
	size_t ncands = dbpath ? 1 : UC_ARRAY_SIZE(defaults);

	for (size_t i = 0; i < ncands; i++) {
		char shown[PATH_MAX];
		path_join(shown, sizeof(shown), sysroot, cands[i]);
		_cleanup_close_ int fd =
		    path_open_in_root(rootfd, cands[i], O_PATH | O_DIRECTORY, 0);
		if (fd == -ENOENT || fd == -ENOTDIR)
			continue;
		if (fd < 0)
			return uc_fail_errno(err, fd, "rpm database directory %s", shown);
		int r = probe_dir(fd, shown, &db->backend, err);
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		char proc[64];
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		ssize_t n = readlink(proc, db->dir, sizeof(db->dir) - 1);
		if (n < 0)
			return uc_fail_errno(err, errno, "readlink %s", proc);
		db->dir[n] = '\0';
		struct stat st;
		db->indexed = db->backend == RS_DB_SQLITE ||
			      fstatat(fd, "Name", &st, AT_SYMLINK_NOFOLLOW) == 0;
		return 0;
	}
	if (dbpath)
		return uc_fail(err, UC_NOTFOUND, "no rpm database in %s%s", sysroot, dbpath);
	return uc_fail(err, UC_NOTFOUND, "no rpm database under %s (looked in %s and %s)", sysroot,
		       defaults[0], defaults[1]);
}

static int copy_fd(int in, int out)
{
	char buf[1 << 16];
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0) {
				if (errno == EINTR)
					continue;
				return -errno;
			}
			off += w;
		}
	}
}

/* Copy the database files (not the lock, not Berkeley DB environment files). */
static int snapshot(struct rs_db *db, struct uc_error *err)
{
	const char *tmp = getenv("TMPDIR");
	char templ[PATH_MAX];
	snprintf(templ, sizeof(templ), "%s/unicage-rpmdb.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(templ))
		return uc_fail_errno(err, errno, "snapshot directory %s", templ);
	db->snapdir = strdup(templ);
	if (!db->snapdir)
		return uc_fail(err, UC_INTERNAL, "out of memory");
	_cleanup_close_ int outdir = open(templ, O_PATH | O_DIRECTORY | O_CLOEXEC);
	DIR *d = opendir(db->dir);
	if (!d || outdir < 0)
		return uc_fail_errno(err, errno, "snapshot of %s", db->dir);
	int r = 0;
	struct dirent *de;
	while (r == 0 && (de = readdir(d))) {
		if (strcmp(de->d_name, ".rpm.lock") == 0 || strncmp(de->d_name, "__db.", 5) == 0)
			continue;
		_cleanup_close_ int in =
		    openat(dirfd(d), de->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		struct stat st;
		if (in < 0 || fstat(in, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		_cleanup_close_ int out =
		    openat(outdir, de->d_name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		r = out < 0 ? -errno : copy_fd(in, out);
		if (r < 0)
			uc_fail_errno(err, r, "snapshot of %s/%s", db->dir, de->d_name);
	}
	closedir(d);
	return r;
}

static void remove_snapshot(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
	rmdir(dir);
}

static bool dir_writable(const char *dir)
{
	return faccessat(AT_FDCWD, dir, W_OK, AT_EACCESS) == 0;
}

int rs_db_open(struct rs_db *db, int rootfd, const char *sysroot, const char *dbpath,
	       bool want_snapshot, struct uc_error *err)
{
	memset(db, 0, sizeof(*db));
	db->rootfd = rootfd;
	snprintf(db->sysroot, sizeof(db->sysroot), "%s", sysroot);
	int r = rs_rpm_init(err);
	if (r == 0)
		r = locate(db, rootfd, sysroot, dbpath, err);
	if (r < 0)
		return r;
	/* bdb_ro never writes; sqlite writes -shm/-wal even for a read-only open. */
	if (want_snapshot || (db->backend == RS_DB_SQLITE && !dir_writable(db->dir))) {
		r = snapshot(db, err);
		if (r < 0) {
			rs_db_close(db);
			return r;
		}
	}
	const char *opened = db->snapdir ? db->snapdir : db->dir;
	uc_debug(UC_AREA_RPM, "rpmdb %s (%s%s)", opened,
		 db->backend == RS_DB_SQLITE ? "sqlite" : "bdb_ro",
		 db->snapdir ? ", snapshot" : "");
	rpmPushMacro(NULL, "_dbpath", NULL, opened, RMIL_CMDLINE);
	rpmPushMacro(NULL, "_db_backend", NULL, db->backend == RS_DB_SQLITE ? "sqlite" : "bdb_ro",
		     RMIL_CMDLINE);
	db->ts = rpmtsCreate();
	rpmtsSetRootDir(db->ts, "/");
	rpmtsSetVSFlags(db->ts, _RPMVSF_NOSIGNATURES | _RPMVSF_NODIGESTS);
	rs_rpm_clear_error();
	if (rpmtsOpenDB(db->ts, O_RDONLY) != 0) {
		r = uc_fail(err, UC_BADREQUEST, "%s: cannot open rpm database: %s", db->dir,
			    *rs_rpm_last_error() ? rs_rpm_last_error() : "unreadable or corrupt");
		rs_db_close(db);
		return r;
	}
	return 0;
}

int rs_db_check(struct rs_db *db, struct uc_error *err)
{
	if (!*rs_rpm_last_error())
		return 0;
	return uc_fail(err, UC_BADREQUEST, "%s: rpm database unreadable or corrupt: %s", db->dir,
		       rs_rpm_last_error());
}

void rs_db_close(struct rs_db *db)
{
	if (db->ts) {
		rpmtsCloseDB(db->ts);
		rpmtsFree(db->ts);
		db->ts = NULL;
		rpmPopMacro(NULL, "_db_backend");
		rpmPopMacro(NULL, "_dbpath");
	}
	if (db->snapdir) {
		remove_snapshot(db->snapdir);
		free(db->snapdir);
		db->snapdir = NULL;
	}
}
