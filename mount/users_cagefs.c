/* Which users are caged, as a CageFS configuration says it (cagefs_compat;
 * doc/cagefs.md): config_dir/users.enabled/ and users.disabled/ are
 * directories holding one empty file per user, named by the user (at the
 * top, or in a two-digit prefix directory). Which of the two exists is the
 * mode: users.disabled/ is Enable All, else Disable All; the other list is
 * kept as users.enabled.save/ or users.disabled.save/ (what cagefsctl
 * --toggle-mode leaves). Written file by file under the users' lock. */
#include "mount/users_cagefs.h"

#include "lib/cleanup.h"
#include "lib/path.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool policy_name_ok(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > 255 || name[0] == '.' || name[0] == '-')
		return false;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p <= ' ' || *p == 0x7f || *p == '/' || *p == ':')
			return false;
	return true;
}

/* 1: a directory, 0: absent, <0: something else there (UC_BADREQUEST). */
static int is_dir(const char *config_dir, const char *name, struct uc_error *err)
{
	char p[PATH_MAX];
	struct stat st;
	int r = path_join(p, sizeof(p), config_dir, name);
	if (r < 0)
		return path_fail(err, r, config_dir);
	if (lstat(p, &st) < 0)
		return errno == ENOENT ? 0 : uc_fail_errno(err, errno, "%s", p);
	if (!S_ISDIR(st.st_mode))
		return uc_fail(err, UC_BADREQUEST,
			       "%s is not a directory (CageFS keeps one file per user in it)", p);
	return 1;
}

static int read_names_in(int dfd, const char *where, struct strv *out, bool prefixes,
			 struct uc_error *err);

static int one_entry(int dfd, const char *where, const char *name, struct strv *out, bool prefixes,
		     struct uc_error *err)
{
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return uc_fail_errno(err, errno, "%s/%s", where, name);
	bool nn = name[0] >= '0' && name[0] <= '9' && name[1] >= '0' && name[1] <= '9' && !name[2];
	if (S_ISDIR(st.st_mode) && nn && prefixes) {
		char sub[PATH_MAX];
		int r = path_fmt(sub, sizeof(sub), "%s/%s", where, name);
		if (r < 0)
			return path_fail(err, r, where);
		_cleanup_close_ int fd =
		    openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		return fd < 0 ? uc_fail_errno(err, errno, "%s", sub)
			      : read_names_in(fd, sub, out, false, err);
	}
	if (!S_ISREG(st.st_mode) || !policy_name_ok(name))
		return uc_fail(err, UC_BADREQUEST, "%s/%s: not a file named by a user", where,
			       name);
	if (!strv_contains(out, name) && strv_push(out, name) < 0)
		return uc_fail(err, UC_INTERNAL, "out of memory");
	return 0;
}

static int read_names_in(int dfd, const char *where, struct strv *out, bool prefixes,
			 struct uc_error *err)
{
	_cleanup_closedir_ DIR *d = path_opendir_at(dfd, NULL);
	if (!d)
		return uc_fail_errno(err, errno, "%s", where);
	struct dirent *de;
	int r = 0;
	while (r == 0 && (de = readdir(d)))
		if (de->d_name[0] != '.')
			r = one_entry(dirfd(d), where, de->d_name, out, prefixes, err);
	return r;
}

/* The names in config_dir/name (absent: none). */
static int read_list(const char *config_dir, const char *name, struct strv *out,
		     struct uc_error *err)
{
	char p[PATH_MAX];
	int r = is_dir(config_dir, name, err);
	if (r <= 0)
		return r;
	if ((r = path_join(p, sizeof(p), config_dir, name)) < 0)
		return path_fail(err, r, config_dir);
	_cleanup_close_ int fd = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return uc_fail_errno(err, errno, "%s", p);
	return read_names_in(fd, p, out, true, err);
}

int cagefs_users_load(const struct uc_config *cfg, struct cage_users *cu, struct uc_error *err)
{
	const char *dir = cfg->config_dir;
	int dis = is_dir(dir, "users.disabled", err);
	if (dis < 0)
		return dis;
	int r = is_dir(dir, "users.enabled", err);
	if (r < 0)
		return r;
	cu->mode = dis ? CAGE_ENABLE_ALL : CAGE_DISABLE_ALL;
	r = read_list(dir, cu->mode == CAGE_ENABLE_ALL ? "users.disabled" : "users.enabled",
		      cu->mode == CAGE_ENABLE_ALL ? &cu->disabled : &cu->enabled, err);
	if (r == 0)
		r = read_list(
		    dir, cu->mode == CAGE_ENABLE_ALL ? "users.enabled.save" : "users.disabled.save",
		    cu->mode == CAGE_ENABLE_ALL ? &cu->enabled : &cu->disabled, err);
	return r;
}

/* Remove every file of dir not in keep (prefix directories too, emptied
 * ones removed); keep NULL: all, and dir itself. */
static int prune(int pfd, const char *name, const struct strv *keep)
{
	_cleanup_close_ int fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	_cleanup_closedir_ DIR *d = path_opendir_at(fd, NULL);
	struct dirent *de;
	int r = d ? 0 : -errno;
	while (d && (de = readdir(d))) {
		struct stat st;
		if (de->d_name[0] == '.' || fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			prune(fd, de->d_name, keep);
			unlinkat(fd, de->d_name, AT_REMOVEDIR); /* fails while not empty */
		} else if (!keep || !strv_contains(keep, de->d_name)) {
			if (unlinkat(fd, de->d_name, 0) < 0 && errno != ENOENT)
				r = -errno;
		}
	}
	if (d)
		closedir(steal_pointer(&d)); /* before its directory goes */
	if (!keep && r == 0 && unlinkat(pfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		r = -errno;
	return r;
}

/* Whether dfd holds a file named n at its top or in any prefix dir. */
static bool has_name(int dfd, const char *n)
{
	if (faccessat(dfd, n, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return true;
	char p[NAME_MAX + 8];
	for (int i = 0; i < 100; i++) {
		snprintf(p, sizeof(p), "%02d/%s", i, n);
		if (faccessat(dfd, p, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			return true;
	}
	return false;
}

/* config_dir/name holding exactly the files of list (new ones at the top). */
static int write_list(int cfd, const char *name, const struct strv *list)
{
	if (mkdirat(cfd, name, 0755) < 0 && errno != EEXIST)
		return -errno;
	int r = prune(cfd, name, list);
	_cleanup_close_ int fd = openat(cfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (size_t i = 0; r == 0 && i < list->n; i++) {
		if (has_name(fd, list->v[i]))
			continue;
		int f = openat(fd, list->v[i], O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (f < 0)
			r = -errno;
		else if (fsync(f) < 0 || close(f) < 0)
			r = -errno;
	}
	return r == 0 && fsync(fd) < 0 ? -errno : r;
}

int cagefs_users_save(const struct uc_config *cfg, const struct cage_users *cu,
		      struct uc_error *err)
{
	bool all = cu->mode == CAGE_ENABLE_ALL;
	_cleanup_close_ int cfd =
	    open(cfg->config_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (cfd < 0)
		return uc_fail_errno(err, errno, "%s", cfg->config_dir);
	/* the mode's list first, then the other one's .save: a crash between
	 * them leaves the new mode with its users whole */
	const char *active = all ? "users.disabled" : "users.enabled";
	const char *other = all ? "users.enabled" : "users.disabled";
	char save[64];
	snprintf(save, sizeof(save), "%s.save", other);
	int r = write_list(cfd, active, all ? &cu->disabled : &cu->enabled);
	if (r == 0)
		r = write_list(cfd, save, all ? &cu->enabled : &cu->disabled);
	if (r == 0)
		r = prune(cfd, other, NULL);
	snprintf(save, sizeof(save), "%s.save", active);
	if (r == 0)
		r = prune(cfd, save, NULL);
	return r < 0 ? uc_fail_errno(err, -r, "%s/users.enabled, users.disabled", cfg->config_dir)
		     : 0;
}
