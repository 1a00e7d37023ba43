/* Starting the command (proxy/run.h). */
#include "proxy/run.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

struct child_err {
	int step;
	int err;
};

static const char *const steps[] = {"descriptors",  "limits", "groups", "ids",
				    "no_new_privs", "cwd",    "exec"};

static void reset_signals(void)
{
	struct sigaction sa = {.sa_handler = SIG_DFL};
	for (int s = 1; s < NSIG; s++)
		sigaction(s, &sa, NULL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* The caller's fds as 0-2 (they may sit on 0-2 already, in any order). */
static int place_fds(const struct proxy_spawn *s)
{
	int hi[3];
	for (int i = 0; i < 3; i++)
		if ((hi[i] = fcntl(s->fds[i], F_DUPFD_CLOEXEC, 64)) < 0)
			return -1;
	for (int i = 0; i < 3; i++)
		if (dup2(hi[i], i) < 0)
			return -1;
	/* everything else closes at exec, but the files a filter opened */
	if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		return -1;
	for (int i = 0; i < s->nkeep; i++)
		if (fcntl(s->keep[i], F_SETFD, 0) < 0)
			return -1;
	return 0;
}

/* The caller's limits. One above what this process may raise to (no
 * CAP_SYS_RESOURCE) is cut to its own hard limit: lowering always works. */
static int set_limits(const struct proxy_spawn *s)
{
	for (int i = 0; s->lim && i < RLIM_NLIMITS; i++) {
		enum __rlimit_resource res = (enum __rlimit_resource)i;
		struct rlimit want = s->lim[i], have;
		if (setrlimit(res, &want) == 0)
			continue;
		if (errno != EPERM || getrlimit(res, &have) < 0)
			return -1;
		if (want.rlim_max > have.rlim_max)
			want.rlim_max = have.rlim_max;
		if (want.rlim_cur > want.rlim_max)
			want.rlim_cur = want.rlim_max;
		if (setrlimit(res, &want) < 0)
			return -1;
	}
	return 0;
}

/* Her login uid on the command, so that what it does is audited as hers:
 * only when this process has none (a daemon started by systemd: unset),
 * which the kernel lets a process set once; one started from a root
 * login keeps that login's uid (changing a set one needs
 * CAP_AUDIT_CONTROL, and audit's loginuid_immutable forbids it), as does
 * a kernel without audit. Nothing fails for it. */
static void set_loginuid(uint32_t loginuid)
{
	char b[16] = "";
	int fd = open("/proc/self/loginuid", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, b, sizeof(b) - 1);
	if (loginuid != UINT32_MAX && n > 0 && strtoul(b, NULL, 10) == UINT32_MAX) {
		int len = snprintf(b, sizeof(b), "%u", (unsigned)loginuid);
		if (pwrite(fd, b, (size_t)len, 0) < 0) {
			/* audit says no: the command keeps the daemon's */
		}
	}
	close(fd);
}

static void child(const struct proxy_spawn *s, int errfd)
{
	struct child_err ce = {0, 0};
	reset_signals();
	setsid();
	if (place_fds(s) < 0)
		goto fail;
	ce.step++;
	if (set_limits(s) < 0)
		goto fail;
	ce.step++;
	umask(s->umask);
	set_loginuid(s->loginuid);
	if (setgroups((size_t)s->ngroups, s->groups) < 0)
		goto fail;
	ce.step++;
	if (setresgid(s->rgid, s->egid, s->egid) < 0 || setresuid(s->ruid, s->euid, s->euid) < 0)
		goto fail;
	ce.step++;
	if (s->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		goto fail;
	ce.step++;
	/* with the command's ids: a directory it may not enter is refused */
	if (fchdir(s->cwdfd) < 0)
		goto fail;
	ce.step++;
	execve(s->path, s->argv, s->envp);
fail:
	ce.err = errno;
	if (write(errfd, &ce, sizeof(ce)) < 0) {
		/* nothing more to say */
	}
	_exit(127);
}

pid_t proxy_spawn(const struct proxy_spawn *s, char *msg, size_t size)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return snprintf(msg, size, "pipe"), -errno;
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		return snprintf(msg, size, "fork"), -e;
	}
	if (pid == 0) {
		close(p[0]);
		child(s, p[1]);
	}
	close(p[1]);
	struct child_err ce;
	ssize_t n;
	do
		n = read(p[0], &ce, sizeof(ce));
	while (n < 0 && errno == EINTR);
	close(p[0]);
	if (n == (ssize_t)sizeof(ce)) {
		snprintf(msg, size, "%s: %s: %s", s->path, steps[ce.step < 7 ? ce.step : 6],
			 strerror(ce.err));
		return -(ce.err ? ce.err : EIO); /* the child exits 127; the caller reaps it */
	}
	return pid;
}
