#include "lib/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

int uc_lock_take(int dirfd, const char *name, const char *what, unsigned flags,
		 struct uc_error *err)
{
	bool shared = flags & UC_LOCK_SHARED;
	int fd = openat(dirfd, name,
			(shared ? O_RDONLY : O_RDWR | O_CREAT) | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && shared && errno == ENOENT)
		return -ENOENT;
	if (fd < 0)
		return uc_fail_errno(err, errno, "lock of %s", what);
	if (flock(fd, (shared ? LOCK_SH : LOCK_EX) | (flags & UC_LOCK_WAIT ? 0 : LOCK_NB)) < 0) {
		int e = errno;
		char pid[32] = "?";
		ssize_t n = pread(fd, pid, sizeof(pid) - 1, 0);
		close(fd);
		if (e != EWOULDBLOCK)
			return uc_fail_errno(err, e, "lock of %s", what);
		pid[n > 0 ? n : 1] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		return uc_fail(
		    err, UC_PERMISSION,
		    "%s is locked by another unicage (pid %s); try again or use --wait-lock", what,
		    pid);
	}
	if (!shared) {
		char pid[32];
		int n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
		if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
			int e = errno;
			close(fd);
			return uc_fail_errno(err, e, "lock of %s", what);
		}
	}
	return fd;
}
