#include "mount/modecache.h"

#include "lib/cleanup.h"
#include "lib/path.h"
#include "lib/statepath.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int read_cache(const char *path, enum uc_cage_mode *mode, char *why, size_t size)
{
	char buf[600] = "";
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (n <= 0)
		return -ENOENT;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	char *sp = strchr(buf, ' ');
	if (sp)
		*sp++ = '\0';
	if (strcmp(buf, "overlay") && strcmp(buf, "bind"))
		return -EINVAL;
	*mode = strcmp(buf, "overlay") ? UC_CAGE_BIND : UC_CAGE_OVERLAY;
	snprintf(why, size, "%s", sp ? sp : "");
	return 0;
}

int modecache_known(const struct uc_config *cfg, enum uc_cage_mode *mode, char *why, size_t size)
{
	if (cfg->cage_mode != UC_CAGE_AUTO) {
		*mode = (enum uc_cage_mode)cfg->cage_mode;
		snprintf(why, size, "cage_mode = %s in unicage.conf", uc_cage_mode_names[*mode]);
		return 0;
	}
	char cache[PATH_MAX];
	if (statepath_cage_mode(cfg, cache, sizeof(cache)) < 0)
		return -ENAMETOOLONG;
	return read_cache(cache, mode, why, size);
}

void modecache_save(const struct uc_config *cfg, enum uc_cage_mode mode, const char *why)
{
	char cache[PATH_MAX], tmp[PATH_MAX];
	if (statepath_cage_mode(cfg, cache, sizeof(cache)) < 0 ||
	    path_fmt(tmp, sizeof(tmp), "%s.%d", cache, (int)getpid()) < 0)
		return; /* not kept: the next mount probes again */
	FILE *f = fopen(tmp, "we");
	if (f) {
		fprintf(f, "%s %s\n", uc_cage_mode_names[mode], why);
		if (fclose(f) == 0)
			rename(tmp, cache);
		else
			unlink(tmp);
	}
}
