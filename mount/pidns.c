#include "mount/pidns.h"

#include "lib/cleanup.h"
#include "lib/log.h"
#include "lib/path.h"
#include "lib/statepath.h"
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

int cage_write_text(int dfd, const char *name, const char *text)
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

static const char *init_binary; /* cage_init_binary_set */

void cage_init_binary_set(const char *path)
{
	init_binary = path;
}

/* The one cage_init_binary_set names, else unicage-init beside this binary
 * (the build tree, or LIBEXECDIR beside unicage-core), else LIBEXECDIR;
 * UNICAGE_INIT overrides in the test build only. */
static int open_init_binary(char *path, size_t size)
{
	int fd = -1;
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
	if (path_beside_self(path, size, "unicage-init") == 0 &&
	    (fd = open(path, O_PATH | O_CLOEXEC)) >= 0)
		return fd;
	snprintf(path, size, "%s/unicage-init", UNICAGE_LIBEXECDIR);
	return open(path, O_PATH | O_CLOEXEC);
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

static int record(int nsdir, const char *user, const struct cage_init *ci)
{
	char text[160];
	_cleanup_close_ int ud = slots_user_dir(nsdir, user, true);
	if (ud < 0)
		return ud;
	snprintf(text, sizeof(text), "pid=%d\npidns=%llu\nipcns=%llu\n", (int)ci->pid,
		 (unsigned long long)ci->pidns, (unsigned long long)ci->ipcns);
	return cage_write_text(ud, "init", text);
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

int cage_init_ensure(const struct uc_config *cfg, int nsdir, int template_fd, const char *user,
		     struct cage_init *ci, struct uc_error *err)
{
	struct slot s = {.pidns = 0};
	snprintf(s.user, sizeof(s.user), "%s", user);
	if (cage_init_get(nsdir, user, ci) == 0) {
		/* and its handles are bound (a crash may have come between) */
		s.pidns = ci->pidns;
		if (cage_ns_alive(cfg, &s))
			return 0;
	}
	/* gone (or never started): what is left of the old pair is released,
	 * the slots built on it are no longer current */
	cage_init_stop(nsdir, user);
	return start_init(nsdir, template_fd, user, ci, err);
}

void cage_init_stop(int nsdir, const char *user)
{
	struct cage_init ci;
	if (cage_init_get(nsdir, user, &ci) == 0) {
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
	char n[NAME_MAX + 1];
	if (statepath_ns_name(user, "pid", n, sizeof(n)) == 0)
		nsfs_release(nsdir, n);
	if (statepath_ns_name(user, "ipc", n, sizeof(n)) == 0)
		nsfs_release(nsdir, n);
	_cleanup_close_ int ud = slots_user_dir(nsdir, user, false);
	if (ud >= 0)
		unlinkat(ud, "init", 0);
}
