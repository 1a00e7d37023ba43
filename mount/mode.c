#include "mount/mode.h"

#include "lib/cleanup.h"
#include "lib/path.h"
#include "lib/statepath.h"
#include "lib/store.h"
#include "mount/modecache.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

static const char probe_data[] = "unicage overlay probe\n";
#define PROBE_OBJ "0123456789abcdef0123"

static int probe_layers(int dfd)
{
	if (mkdirat(dfd, "lower", 0755) < 0 || mkdirat(dfd, "data", 0755) < 0 ||
	    mkdirat(dfd, "data/ab", 0755) < 0 || mkdirat(dfd, "upper", 0755) < 0 ||
	    mkdirat(dfd, "work", 0700) < 0)
		return -errno;
	_cleanup_close_ int o =
	    openat(dfd, "data/ab/" PROBE_OBJ, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (o < 0 || write(o, probe_data, sizeof(probe_data) - 1) != sizeof(probe_data) - 1)
		return o < 0 ? -errno : -EIO;
	_cleanup_close_ int s =
	    openat(dfd, "lower/f", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	static const char redirect[] = "/ab/" PROBE_OBJ;
	if (s < 0 || ftruncate(s, sizeof(probe_data) - 1) < 0 ||
	    fsetxattr(s, "trusted.overlay.metacopy", "", 0, 0) < 0 ||
	    fsetxattr(s, "trusted.overlay.redirect", redirect, sizeof(redirect) - 1, 0) < 0)
		return -errno;
	return 0;
}

static int probe_mount(const char *dir, bool metacopy, char *why, size_t size)
{
	char lower[PATH_MAX], data[PATH_MAX], upper[PATH_MAX], work[PATH_MAX];
	if (path_fmt(lower, sizeof(lower), "%s/lower", dir) < 0 ||
	    path_fmt(data, sizeof(data), "%s/data", dir) < 0 ||
	    path_fmt(upper, sizeof(upper), "%s/upper", dir) < 0 ||
	    path_fmt(work, sizeof(work), "%s/work", dir) < 0)
		return snprintf(why, size, "%.200s...: too long", dir), -ENAMETOOLONG;
	_cleanup_close_ int fs = fsopen("overlay", FSOPEN_CLOEXEC);
	if (fs < 0)
		return snprintf(why, size, "no overlayfs or no new mount API (fsopen: %s)",
				strerror(errno)),
		       -errno;
	if (fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", lower, 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "datadir+", data, 0) < 0)
		return snprintf(why, size, "overlayfs has no data-only layers (datadir+: %s)",
				strerror(errno)),
		       -errno;
	if (metacopy && fsconfig(fs, FSCONFIG_SET_STRING, "metacopy", "on", 0) < 0)
		return snprintf(why, size, "overlayfs has no metacopy (%s)", strerror(errno)),
		       -errno;
	if (fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "workdir", work, 0) < 0 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return snprintf(why, size,
				metacopy
				    ? "overlayfs refuses a data-only layer (%s)"
				    : "overlayfs refuses a data-only layer without metacopy (%s)",
				strerror(errno)),
		       -errno;
	_cleanup_close_ int m = fsmount(fs, FSMOUNT_CLOEXEC, 0);
	if (m < 0)
		return snprintf(why, size, "fsmount(overlay): %s", strerror(errno)), -errno;
	_cleanup_close_ int f = openat(m, "f", O_RDONLY | O_CLOEXEC);
	char buf[64] = "";
	ssize_t n = f >= 0 ? read(f, buf, sizeof(buf)) : -1;
	if (n != sizeof(probe_data) - 1 || memcmp(buf, probe_data, (size_t)n) != 0)
		return snprintf(why, size, "a stub over a data-only layer does not read its data"),
		       -EIO;
	snprintf(why, size, "overlayfs data-only layers%s work (probed)",
		 metacopy ? " (with metacopy)" : " without metacopy");
	return 0;
}

int mode_probe(const char *dir, bool metacopy, char *why, size_t size)
{
	char parent[PATH_MAX], *sl;
	snprintf(parent, sizeof(parent), "%s", dir);
	if ((sl = strrchr(parent, '/')) && sl != parent)
		*sl = '\0';
	_cleanup_close_ int pfd = open(parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
	const char *leaf = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
	if (pfd < 0)
		return snprintf(why, size, "%s: %s", parent, strerror(errno)), -errno;
	store_rm_tree(pfd, leaf);
	if (mkdirat(pfd, leaf, 0700) < 0)
		return snprintf(why, size, "%s: %s", dir, strerror(errno)), -errno;
	_cleanup_close_ int dfd = openat(pfd, leaf, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int r = dfd < 0 ? -errno : probe_layers(dfd);
	if (r < 0)
		snprintf(why, size, "preparing the probe in %s: %s (trusted xattrs?)", dir,
			 strerror(-r));
	else
		r = probe_mount(dir, metacopy, why, size);
	store_rm_tree(pfd, leaf);
	return r;
}

int mode_get(const struct uc_config *cfg, enum uc_cage_mode *mode, char *why, size_t size,
	     struct uc_error *err)
{
	if (modecache_known(cfg, mode, why, size) == 0)
		return 0;
	/* the cache's name checked here too: modecache_save has no error to give */
	char scratch[PATH_MAX], cache[PATH_MAX];
	int r = statepath_cage_mode(cfg, cache, sizeof(cache));
	if (r < 0 || (r = path_fmt(scratch, sizeof(scratch), "%s/probe.%d", cfg->run_dir,
				   (int)getpid())) < 0)
		return path_fail(err, r, cfg->run_dir);
	if (geteuid() != 0)
		return uc_fail(err, UC_PERMISSION,
			       "only root can probe the kernel for the cage mode");
	if (mkdir(cfg->run_dir, 0755) < 0 && errno != EEXIST)
		return uc_fail_errno(err, errno, "%s", cfg->run_dir);
	*mode = mode_probe(scratch, false, why, size) == 0 ? UC_CAGE_OVERLAY : UC_CAGE_BIND;
	/* kept for this boot (run_dir is a tmpfs): one probe, one answer */
	modecache_save(cfg, *mode, why);
	return 0;
}
