/* The daemon's socket (proxy/listen.h). */
#include "proxy/listen.h"

#include "proxy/proto.h"
#include "lib/path.h"
#include "lib/statepath.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define SD_LISTEN_FDS_START 3

/* sd_listen_fds(): LISTEN_PID must be us; exactly one fd is used. */
static int from_systemd(struct uc_error *err)
{
	const char *pid = getenv("LISTEN_PID"), *n = getenv("LISTEN_FDS");
	if (!pid || !n || strtol(pid, NULL, 10) != (long)getpid())
		return -ENOENT;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (strtol(n, NULL, 10) != 1)
		return uc_fail(err, UC_BADREQUEST, "LISTEN_FDS=%s: expected one socket", n);
	int fd = SD_LISTEN_FDS_START, type = 0;
	socklen_t len = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_SEQPACKET)
		return uc_fail(err, UC_BADREQUEST,
			       "the socket from systemd is not a SOCK_SEQPACKET socket "
			       "(ListenSequentialPacket=)");
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

static int make_dir(const char *dir, struct uc_error *err)
{
	struct stat st;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return uc_fail_errno(err, errno, "%s", dir);
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022))
		return uc_fail(err, UC_PERMISSION,
			       "%s must be a directory of root's that nobody else can write", dir);
	return 0;
}

int proxy_listen(const struct uc_config *cfg, const char *path, struct uc_error *err)
{
	int fd = from_systemd(err);
	if (fd != -ENOENT)
		return fd;
	char dir[PATH_MAX], sock[PATH_MAX];
	if (!path) {
		int r = statepath_proxy_dir(cfg, dir, sizeof(dir));
		if (r < 0 ||
		    (r = path_fmt(sock, sizeof(sock), "%s/%s", dir, PROXY_SOCKET_NAME)) < 0)
			return path_fail(err, r, cfg->run_dir);
		if (mkdir(cfg->run_dir, 0755) < 0 && errno != EEXIST)
			return uc_fail_errno(err, errno, "%s", cfg->run_dir);
		if (make_dir(dir, err) < 0)
			return -EPERM;
		path = sock;
	}
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		return uc_fail(err, UC_BADREQUEST, "%s: socket path too long", path);
	memcpy(sa.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return uc_fail_errno(err, errno, "socket");
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0666) < 0 ||
	    listen(fd, 128) < 0) {
		int e = errno;
		close(fd);
		return uc_fail_errno(err, e, "%s", path);
	}
	return fd;
}
