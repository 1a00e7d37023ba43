/* The caller, from the kernel (proxy/peer.h). */
#include "proxy/peer.h"

#include "lib/cleanup.h"
#include "lib/statepath.h"
#include "mount/pidns.h"
#include "mount/slots.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif
/* linux/pidfd.h of 6.11 (the build host's headers may be older) */
#define UC_PIDFS_IOCTL_MAGIC 0xFF
#define UC_PIDFD_GET_MNT_NAMESPACE _IO(UC_PIDFS_IOCTL_MAGIC, 3)
#define UC_PIDFD_GET_PID_NAMESPACE _IO(UC_PIDFS_IOCTL_MAGIC, 5)

int proxy_peer_alive(const struct proxy_peer *p)
{
	return syscall(SYS_pidfd_send_signal, p->pidfd, 0, NULL, 0) < 0 ? -errno : 0;
}

void proxy_peer_release(struct proxy_peer *p)
{
	if (p->pidfd >= 0)
		close(p->pidfd);
	p->pidfd = -1;
}

static int peer_pidfd(int conn, pid_t pid)
{
	int fd = -1;
	socklen_t len = sizeof(fd);
	if (getsockopt(conn, SOL_SOCKET, SO_PEERPIDFD, &fd, &len) == 0 && fd >= 0)
		return fd;
	/* before 6.5: the pid may have been recycled between connect and
	 * here only if the caller died, and then it cannot be alive below
	 * either unless a new process took the pid: the namespace checks
	 * still demand the new one be in the same cage with the same uid */
	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	return fd < 0 ? -errno : fd;
}

static ino_t ns_ino(const struct proxy_peer *p, unsigned long req, const char *kind)
{
	struct stat st;
	int fd = ioctl(p->pidfd, req, 0);
	if (fd < 0) {
		/* no pidfs namespace ioctls (before 6.11): /proc, checked by
		 * proxy_peer_alive() afterwards */
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)p->pid, kind);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0)
		return 0;
	ino_t ino = fstat(fd, &st) == 0 ? st.st_ino : 0;
	close(fd);
	return ino;
}

/* The user whose init holds pid namespace pidns, into user: one lookup
 * (mount/pidns.h), not a scan of every cage. */
static int cage_of_pidns(int nsdir, ino_t pidns, char *user, size_t size)
{
	return pidns_user_of(nsdir, pidns, user, size);
}

static bool in_a_slot(int nsdir, const char *user, ino_t mntns)
{
	struct procs none = {0};
	struct slotlist l = {0};
	bool found = false;
	if (slots_scan(nsdir, user, &none, &l) == 0)
		for (size_t i = 0; i < l.n && !found; i++)
			found = l.v[i].ino == mntns;
	slotlist_release(&l);
	return found;
}

static int find_cage(const struct uc_config *cfg, struct proxy_peer *p, struct uc_error *err)
{
	char dir[PATH_MAX];
	if (statepath_ns_dir(cfg, dir, sizeof(dir)) < 0)
		return uc_fail(err, UC_INTERNAL, "run_dir %.200s...: too long", cfg->run_dir);
	_cleanup_close_ int nsdir = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	p->mntns = ns_ino(p, UC_PIDFD_GET_MNT_NAMESPACE, "mnt");
	p->pidns = ns_ino(p, UC_PIDFD_GET_PID_NAMESPACE, "pid");
	if (nsdir < 0 || !p->mntns || !p->pidns ||
	    cage_of_pidns(nsdir, p->pidns, p->user, sizeof(p->user)) < 0)
		return uc_fail(err, UC_PERMISSION, "pid %d (uid %u) is not in a cage", (int)p->pid,
			       (unsigned)p->uid);
	if (!in_a_slot(nsdir, p->user, p->mntns))
		return uc_fail(err, UC_PERMISSION,
			       "pid %d is in %s's pid namespace but not in her cage's files",
			       (int)p->pid, p->user);
	return 0;
}

static int limit_value(const char *s, rlim_t *v)
{
	while (*s == ' ')
		s++;
	if (!strncmp(s, "unlimited", 9)) {
		*v = RLIM_INFINITY;
		return 0;
	}
	char *end;
	errno = 0;
	unsigned long long n = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	*v = (rlim_t)n;
	return 0;
}

/* /proc/PID/limits (prlimit(2) on another process wants CAP_SYS_RESOURCE,
 * which a confined root may lack; the file is everyone's to read): one
 * line per resource in RLIMIT_* order, "%-25s %-20s %-20s %-10s". */
static int read_limits(struct proxy_peer *p)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/limits", (int)p->pid);
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f || !fgets(line, sizeof(line), f)) /* the header */
		return -ESRCH;
	int i = 0;
	for (; i < RLIM_NLIMITS && fgets(line, sizeof(line), f); i++) {
		if (strlen(line) < 47 || limit_value(line + 26, &p->lim[i].rlim_cur) < 0 ||
		    limit_value(line + 47, &p->lim[i].rlim_max) < 0)
			return -EINVAL;
	}
	return i == RLIM_NLIMITS ? 0 : -EINVAL;
}

int proxy_peer_identify(const struct uc_config *cfg, int conn, struct proxy_peer *p,
			struct uc_error *err)
{
	*p = (struct proxy_peer){.pidfd = -1};
	struct ucred uc;
	socklen_t len = sizeof(uc);
	if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0 || uc.pid <= 0)
		return uc_fail_errno(err, errno ? errno : ESRCH, "SO_PEERCRED");
	p->pid = uc.pid;
	p->uid = uc.uid;
	p->gid = uc.gid;
	p->pidfd = peer_pidfd(conn, uc.pid);
	if (p->pidfd < 0)
		return uc_fail(err, UC_PERMISSION, "the caller (pid %d) is gone", (int)uc.pid);
	int r = find_cage(cfg, p, err);
	if (r < 0)
		return r;
	if (read_limits(p) < 0)
		return uc_fail(err, UC_PERMISSION, "the limits of pid %d: unreadable", (int)p->pid);
	/* everything above was read through the pid: it was the caller's if
	 * the caller still exists now */
	if (proxy_peer_alive(p) < 0)
		return uc_fail(err, UC_PERMISSION, "the caller (pid %d) is gone", (int)p->pid);
	return 0;
}
