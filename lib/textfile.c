#include "lib/textfile.h"

#include "lib/cleanup.h"
#include "lib/path.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int textfile_write(int dfd, const char *name, const char *text)
{
	char tmp[NAME_MAX + 1];
	if (path_fmt(tmp, sizeof(tmp), ".%s.tmp", name) < 0)
		return -ENAMETOOLONG;
	_cleanup_close_ int fd =
	    openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	size_t len = strlen(text);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		return fd < 0 ? -errno : -EIO;
	if (renameat(dfd, tmp, dfd, name) < 0)
		return -errno;
	return 0;
}
