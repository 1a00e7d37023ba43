#include "mount/pidns.h"

#include "lib/cleanup.h"
#include "lib/log.h"
#include "lib/path.h"
#include "lib/statepath.h"
#include "lib/textfile.h"
#include "mount/nsfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef UNICAGE_LIBEXECDIR
#define UNICAGE_LIBEXECDIR "/usr/local/libexec/unicage"
#endif

static const char *init_binary; /* pidns_init_binary_set */

void pidns_init_binary_set(const char *path)
{
	init_binary = path;
}

/* The one pidns_init_binary_set names, else unicage-init beside this binary
 * (the build tree, or LIBEXECDIR beside unicage-core), else LIBEXECDIR;
 * UNICAGE_INIT overrides in the test build only. */
static int open_init_binary(char *path, size_t size)
{
	if (init_binary) {
		snprintf(path, size, "%s", init_binary);
		return open(path, O_PATH | O_CLOEXEC);
	}
#ifdef UNICAGE_TEST_HOOKS
	const char *env = getenv("UNICAGE_INIT");
	if (env && *env) {
		snprintf(path, size, "%s", env);
		return open(path, O_PATH | O_CLOEXEC);
	}
#endif
	int r = path_libexec(path, size, "unicage-init");
	return r < 0 ? (errno = -r, -1) : open(path, O_PATH | O_CLOEXEC);
}

/* In the new namespaces, as pid 1: no terminal, no descriptor, parked in
 * the template (nothing of the host in /proc/1/root), then the init. */
static _Noreturn void init_child(int bin, int template_fd, int devnull, int go)
{
	setsid();
	if (dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 || dup2(devnull, 2) < 0 ||
	    setns(template_fd, CLONE_NEWNS) < 0 || chdir("/") < 0)
		_exit(1);
	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	if (dup2(go, 3) < 0) /* the init's fd 3: see start_init */
		_exit(1);
	char *argv[] = {"unicage-init", NULL}, *envp[] = {NULL};
	syscall(SYS_execveat, bin, "", argv, envp, AT_EMPTY_PATH);
	_exit(127);
}

/* The intermediate's answer: the init's pid (or -errno) and its pidfd. */
static void send_init(int sock, long pid, int pidfd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {&pid, sizeof(pid)};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	if (pidfd >= 0) {
		m.msg_control = cbuf;
		m.msg_controllen = sizeof(cbuf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pidfd, sizeof(int));
	}
	(void)!sendmsg(sock, &m, MSG_NOSIGNAL);
}

static long recv_init(int sock, int *pidfd)
{
	long pid = -EIO;
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {&pid, sizeof(pid)};
	struct msghdr m = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	ssize_t n;
	while ((n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	struct cmsghdr *c = n == (ssize_t)sizeof(pid) ? CMSG_FIRSTHDR(&m) : NULL;
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
		memcpy(pidfd, CMSG_DATA(c), sizeof(int));
	if (n != (ssize_t)sizeof(pid))
		return -EIO;
	return pid > 0 && *pidfd < 0 ? -EIO : pid;
}

/* The init is never a child of this process: the caller may be a PAM
 * session (Debian cron's job process waits for every child it has before
 * it mails the job's output, and waited forever for this one; sshd's
 * monitor reaps any child). An intermediate process makes it (clone3: the
 * new pid and IPC namespaces), hands its pidfd back and exits at once: the
 * init is then the host init's (or a subreaper's). */
static pid_t spawn_init(int bin, int template_fd, int go, int *pidfd)
{
	_cleanup_close_ int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	int sv[2];
	if (devnull < 0 || socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	fflush(NULL);
	pid_t mid = fork();
	if (mid == 0) {
		int fd = -1;
		struct clone_args a = {.flags = CLONE_NEWPID | CLONE_NEWIPC | CLONE_PIDFD,
				       .pidfd = (uint64_t)(uintptr_t)&fd,
				       .exit_signal = SIGCHLD};
		long pid = syscall(SYS_clone3, &a, sizeof(a));
		if (pid == 0)
			init_child(bin, template_fd, devnull, go);
		send_init(sv[1], pid < 0 ? -errno : pid, fd);
		_exit(0);
	}
	close(sv[1]);
	long pid = mid < 0 ? -errno : recv_init(sv[0], pidfd);
	close(sv[0]);
	while (mid > 0 && waitpid(mid, NULL, 0) < 0 && errno == EINTR)
		;
	return (pid_t)pid;
}

/* Kill through the pidfd; reaped here if it is our child and already gone
 * (the process that started it may be this one), else by its parent. Not
 * waited for: what its death takes with it (every process of the
 * namespace) the kernel finishes on its own, and waiting costs ~10 ms a
 * cage (2,000 cages: 20 s of umount-all). */
static void kill_pidfd(int pidfd)
{
	syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	siginfo_t si;
	waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED | WNOHANG);
}

/* run_dir/ns/.pidns/<inode> -> <user>: who owns a pid namespace in one
 * lookup (unicage-proxyd asks it of every connection: a scan of every
 * cage's record was O(cages) per request). A hint only: pidns_user_of
 * checks it against the user's record. Replaced atomically (rename). */
#define PIDNS_INDEX ".pidns"

static int index_put(int nsdir, ino_t pidns, const char *user)
{
	char name[32], tmp[64], now[NAME_MAX + 1];
	snprintf(name, sizeof(name), "%llu", (unsigned long long)pidns);
	if (mkdirat(nsdir, PIDNS_INDEX, 0700) < 0 && errno != EEXIST)
		return -errno;
	_cleanup_close_ int d =
	    openat(nsdir, PIDNS_INDEX, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d < 0)
		return -errno;
	ssize_t n = readlinkat(d, name, now, sizeof(now) - 1);
	if (n >= 0 && (now[n] = '\0', strcmp(now, user) == 0))
		return 0; /* there already (the usual case of an alive init) */
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", name, (int)getpid());
	unlinkat(d, tmp, 0);
	if (symlinkat(user, d, tmp) < 0)
		return -errno;
	if (renameat(d, tmp, d, name) < 0) {
		int e = errno;
		unlinkat(d, tmp, 0);
		return -e;
	}
	return 0;
}

static void index_drop(int nsdir, ino_t pidns, const char *user)
{
	char name[PATH_MAX], now[NAME_MAX + 1];
	snprintf(name, sizeof(name), PIDNS_INDEX "/%llu", (unsigned long long)pidns);
	ssize_t n = readlinkat(nsdir, name, now, sizeof(now) - 1);
	if (n >= 0 && (now[n] = '\0', strcmp(now, user) == 0))
		unlinkat(nsdir, name, 0);
}

int pidns_user_of(int nsdir, ino_t pidns, char *user, size_t size)
{
	char name[64];
	struct cage_init ci;
	snprintf(name, sizeof(name), PIDNS_INDEX "/%llu", (unsigned long long)pidns);
	ssize_t n = readlinkat(nsdir, name, user, size - 1);
	if (n <= 0 || (size_t)n >= size - 1)
		return -ENOENT;
	user[n] = '\0';
	if (strchr(user, '/') || !strcmp(user, ".") || !strcmp(user, ".."))
		return -ENOENT;
	return pidns_init_get(nsdir, user, &ci) == 0 && ci.pidns == pidns ? 0 : -ENOENT;
}

static int record(int nsdir, const char *user, const struct cage_init *ci)
{
	char text[160];
	_cleanup_close_ int ud = slots_user_dir(nsdir, user, true);
	if (ud < 0)
		return ud;
	snprintf(text, sizeof(text), "pid=%d\npidns=%llu\nipcns=%llu\n", (int)ci->pid,
		 (unsigned long long)ci->pidns, (unsigned long long)ci->ipcns);
	int r = textfile_write(ud, "init", text);
	return r < 0 ? r : index_put(nsdir, ci->pidns, user);
}

static int start_init(int nsdir, int template_fd, const char *user, struct cage_init *ci,
		      struct uc_error *err)
{
	char path[PATH_MAX], pn[NAME_MAX + 1], in[NAME_MAX + 1];
	int r = statepath_ns_name(user, "pid", pn, sizeof(pn));
	if (r < 0 || (r = statepath_ns_name(user, "ipc", in, sizeof(in))) < 0)
		return uc_fail_errno(err, -r, "the namespaces of %.200s...", user);
	_cleanup_close_ int bin = open_init_binary(path, sizeof(path));
	if (bin < 0)
		return uc_fail_errno(err, errno, "the cage init %s", path);
	/* the init waits for "g" on its fd 3 before it settles: if this
	 * process dies before the init is recorded and its handles bound, it
	 * reads EOF and exits (no init nobody knows of) */
	int go[2];
	if (pipe2(go, O_CLOEXEC) < 0)
		return uc_fail_errno(err, errno, "pipe");
	_cleanup_close_ int pidfd = -1, gor = go[0], gow = go[1];
	pid_t pid = spawn_init(bin, template_fd, gor, &pidfd);
	if (pid < 0)
		return uc_fail_errno(err, -pid, "starting %s's cage init", user);
	*ci = (struct cage_init){.pid = pid};
	r = nsfs_bind_proc(pid, "pid", nsdir, pn, &ci->pidns);
	if (r == 0)
		r = nsfs_bind_proc(pid, "ipc", nsdir, in, &ci->ipcns);
	if (r == 0)
		r = record(nsdir, user, ci);
	if (r == 0 && write(gow, "g", 1) != 1)
		r = -errno;
	if (r < 0) {
		kill_pidfd(pidfd);
		nsfs_release(nsdir, pn);
		nsfs_release(nsdir, in);
		return uc_fail_errno(err, -r, "binding %s's pid and IPC namespaces", user);
	}
	uc_debug(UC_AREA_NS, "%s: init %d, pid namespace %llu", user, (int)pid,
		 (unsigned long long)ci->pidns);
	return 0;
}

int pidns_init_ensure(const struct uc_config *cfg, int nsdir, int template_fd, const char *user,
		      struct cage_init *ci, struct uc_error *err)
{
	struct slot s = {.pidns = 0};
	snprintf(s.user, sizeof(s.user), "%s", user);
	if (pidns_init_get(nsdir, user, ci) == 0) {
		/* and its handles are bound (a crash may have come between) */
		s.pidns = ci->pidns;
		if (pidns_alive(cfg, &s)) {
			/* an init started before the index existed gets its
			 * entry (a failure costs only the proxy's view of it) */
			index_put(nsdir, ci->pidns, user);
			return 0;
		}
	}
	/* gone (or never started): what is left of the old pair is released,
	 * the slots built on it are no longer current */
	pidns_init_stop(nsdir, user);
	return start_init(nsdir, template_fd, user, ci, err);
}

void pidns_init_stop(int nsdir, const char *user)
{
	struct cage_init ci;
	if (pidns_init_get(nsdir, user, &ci) == 0) {
		int pidfd = (int)syscall(SYS_pidfd_open, ci.pid, 0);
		/* checked again through the pidfd: the pid is that init's */
		char p[64];
		struct stat st;
		snprintf(p, sizeof(p), "/proc/%d/ns/pid", (int)ci.pid);
		if (pidfd >= 0 && stat(p, &st) == 0 && st.st_ino == ci.pidns)
			kill_pidfd(pidfd);
		if (pidfd >= 0)
			close(pidfd);
	}
	if (ci.pidns)
		index_drop(nsdir, ci.pidns, user); /* (filled for a dead init too) */
	char n[NAME_MAX + 1];
	if (statepath_ns_name(user, "pid", n, sizeof(n)) == 0)
		nsfs_release(nsdir, n);
	if (statepath_ns_name(user, "ipc", n, sizeof(n)) == 0)
		nsfs_release(nsdir, n);
	_cleanup_close_ int ud = slots_user_dir(nsdir, user, false);
	if (ud >= 0)
		unlinkat(ud, "init", 0);
}

/* ---- reading the record, opening the handles (libc only: the front) ------ */

static ino_t ns_ino_of(pid_t pid, const char *kind)
{
	char p[64];
	struct stat st;
	snprintf(p, sizeof(p), "/proc/%d/ns/%s", (int)pid, kind);
	return stat(p, &st) == 0 ? st.st_ino : 0;
}

/* pidns_init_get, from the user's records directory ud. */
static int init_get_at(int ud, struct cage_init *ci)
{
	*ci = (struct cage_init){0};
	_cleanup_close_ int fd = openat(ud, "init", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char buf[256];
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (n <= 0)
		return -ENOENT;
	buf[n] = '\0';
	unsigned long long pid, pidns, ipcns;
	if (sscanf(buf, "pid=%llu pidns=%llu ipcns=%llu", &pid, &pidns, &ipcns) != 3)
		return -ENOENT;
	*ci = (struct cage_init){.pid = (pid_t)pid, .pidns = (ino_t)pidns, .ipcns = (ino_t)ipcns};
	/* a recycled pid is in another pid namespace: the handle keeps this
	 * one's inode from being reused. The IPC link too: a dead init that
	 * nobody has reaped yet still shows its pid namespace, not its IPC one */
	return ci->pidns && ns_ino_of(ci->pid, "pid") == ci->pidns &&
		       ns_ino_of(ci->pid, "ipc") == ci->ipcns
		   ? 0
		   : -ESRCH;
}

int pidns_init_get(int nsdir, const char *user, struct cage_init *ci)
{
	_cleanup_close_ int ud = slots_user_dir(nsdir, user, false);
	if (ud < 0) {
		*ci = (struct cage_init){0};
		return -ENOENT;
	}
	return init_get_at(ud, ci);
}

static int open_ns_handle(int nsdir, const char *user, const char *kind, ino_t want)
{
	char h[NAME_MAX + 1];
	struct stat st;
	if (statepath_ns_name(user, kind, h, sizeof(h)) < 0)
		return -ENAMETOOLONG;
	_cleanup_close_ int fd = openat(nsdir, h, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	if (fstat(fd, &st) < 0 || st.st_ino != want)
		return -ESRCH;
	return steal_fd(&fd);
}

int pidns_open(const struct uc_config *cfg, const struct slot *s, int *pidfd, int *ipcfd)
{
	*pidfd = *ipcfd = -1;
	char dir[PATH_MAX];
	if (statepath_ns_dir(cfg, dir, sizeof(dir)) < 0)
		return -ENAMETOOLONG;
	_cleanup_close_ int nsdir = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (nsdir < 0)
		return -errno;
	_cleanup_close_ int ud = slots_user_dir(nsdir, s->user, false);
	return ud < 0 ? (ud == -ENOENT ? -ESRCH : ud) : pidns_open_at(nsdir, ud, s, pidfd, ipcfd);
}

int pidns_open_at(int nsdir, int ud, const struct slot *s, int *pidfd, int *ipcfd)
{
	*pidfd = *ipcfd = -1;
	struct cage_init ci;
	int r = init_get_at(ud, &ci);
	if (r == -ENOENT)
		r = -ESRCH;
	if (r == 0 && ci.pidns != s->pidns)
		r = -ESRCH; /* a slot of a pid namespace that is gone */
	if (r < 0)
		return r;
	*pidfd = open_ns_handle(nsdir, s->user, "pid", ci.pidns);
	*ipcfd = *pidfd < 0 ? -1 : open_ns_handle(nsdir, s->user, "ipc", ci.ipcns);
	if (*ipcfd < 0) {
		r = *pidfd < 0 ? *pidfd : *ipcfd;
		if (*pidfd >= 0)
			close(*pidfd);
		*pidfd = -1;
		return r;
	}
	return 0;
}

bool pidns_alive(const struct uc_config *cfg, const struct slot *s)
{
	int p, i;
	if (pidns_open(cfg, s, &p, &i) < 0)
		return false;
	close(p);
	close(i);
	return true;
}
