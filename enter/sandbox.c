#include "enter/sandbox.h"

#include "lib/cleanup.h"
#include "enter/landlock.h"
#include "enter/pty.h"
#include "enter/seccomp.h"
#include "lib/log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/keyctl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Every fd above 2 closed but fds 3..3+N-1 (--preserve-fds: they survive
 * the exec) and unicage's own sb->keep (close-on-exec, above them). */
static int keep_fds(const struct sandbox *sb, struct uc_error *err)
{
	unsigned n = sb->preserve_fds;
	if (n > SANDBOX_MAX_PRESERVE_FDS)
		return uc_fail(err, UC_BADREQUEST, "--preserve-fds %u: at most %d", n,
			       SANDBOX_MAX_PRESERVE_FDS);
	for (unsigned fd = 3; fd < 3 + n; fd++) {
		int fl = fcntl((int)fd, F_GETFD);
		if (fl < 0 || fcntl((int)fd, F_SETFD, fl & ~FD_CLOEXEC) < 0)
			return uc_fail(err, UC_BADREQUEST,
				       "--preserve-fds %u: descriptor %u is not open", n, fd);
	}
	/* the ranges between the kept ones, in order (at most a few) */
	unsigned lo = 3 + n;
	for (;;) {
		unsigned next = ~0U;
		for (unsigned i = 0; i < sb->n_keep; i++)
			if (sb->keep[i] >= 0 && (unsigned)sb->keep[i] >= lo &&
			    (unsigned)sb->keep[i] < next)
				next = (unsigned)sb->keep[i];
		if (next == ~0U)
			break;
		if (next < 3 + n)
			return uc_fail(err, UC_BADREQUEST,
				       "--preserve-fds %u: descriptor %u is unicage's own", n,
				       next);
		if (next > lo && syscall(SYS_close_range, lo, next - 1, 0) < 0)
			return uc_fail_errno(err, errno, "closing the caller's descriptors");
		lo = next + 1;
	}
	if (syscall(SYS_close_range, lo, ~0U, 0) < 0)
		return uc_fail_errno(err, errno, "closing the caller's descriptors");
	return 0;
}

static volatile pid_t waited_child = -1; /* -1 once reaped (see join.c) */

static void forward(int sig)
{
	pid_t c = waited_child;
	if (c > 0)
		kill(c, sig);
}

/* The caller leads its process group (an interactive shell's job): setsid
 * is refused there, so the command's side is a child, and this process
 * stays in the caller's session, passing the terminal's signals on and
 * leaving with the command's status. */
static int session_by_fork(struct uc_error *err)
{
	static const int sigs[] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2, SIGCONT};
	/* handlers before the fork: a signal in between is passed on too */
	struct sigaction sa = {.sa_handler = forward, .sa_flags = SA_RESTART}, dfl = {0};
	dfl.sa_handler = SIG_DFL;
	for (size_t i = 0; i < UC_ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
	fflush(NULL);
	pid_t p = fork();
	if (p == 0) {
		for (size_t i = 0; i < UC_ARRAY_SIZE(sigs); i++)
			sigaction(sigs[i], &dfl, NULL);
		return setsid() < 0 ? uc_fail_errno(err, errno, "setsid") : 0;
	}
	if (p < 0)
		return uc_fail_errno(err, errno, "fork");
	waited_child = p;
	int st;
	while (waitpid(p, &st, 0) < 0)
		if (errno != EINTR)
			_exit(1);
	waited_child = -1;
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

int sandbox_detach(const struct sandbox *sb, struct uc_error *err)
{
	int r = keep_fds(sb, err);
	if (r < 0)
		return r;
	if (sb->pty)
		return pty_relay(sb->tty_owner, sb->pty_fds ? sb->pty_fds : 7, err);
	/* no shared controlling terminal: TIOCSTI and /dev/tty need one. A
	 * child-to-be starts its own session: a second one here would cost a
	 * new scheduler group (autogroup), and the caller's Ctrl-C could not
	 * reach the command through this process any more */
	if (sb->child_session)
		return 0;
	if (setsid() >= 0)
		return 0;
	if (errno != EPERM)
		return uc_fail_errno(err, errno, "setsid");
	return session_by_fork(err);
}

int sandbox_cap_allowlist(const int *caps, unsigned n, struct uc_error *err)
{
	/* beyond libcap's CAP_LAST_CAP too: a newer kernel's new capability
	 * is not on the list either (EINVAL past the kernel's last) */
	for (int c = 0; c < 64; c++) {
		bool keep = false;
		for (unsigned i = 0; i < n; i++)
			keep |= caps[i] == c;
		if (!keep && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return uc_fail_errno(err, errno, "dropping capability %d", c);
	}
	cap_t now = cap_get_proc(), want = cap_init();
	int rc = now && want ? 0 : -1;
	for (unsigned i = 0; rc == 0 && i < n; i++) {
		cap_flag_value_t has = CAP_CLEAR;
		cap_value_t v = caps[i];
		if (cap_get_flag(now, v, CAP_PERMITTED, &has) == 0 && has == CAP_SET)
			rc = cap_set_flag(want, CAP_PERMITTED, 1, &v, CAP_SET) |
			     cap_set_flag(want, CAP_EFFECTIVE, 1, &v, CAP_SET);
	}
	if (rc == 0)
		rc = cap_set_proc(want);
	cap_free(now);
	cap_free(want);
	if (rc < 0 || prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return uc_fail_errno(err, errno, "cutting capabilities to enter_caps");
	return 0;
}

unsigned sandbox_scopes(enum sandbox_who who)
{
	return LL_SCOPE_ABSTRACT_UNIX | (who == SANDBOX_ROOT ? LL_SCOPE_SIGNAL : 0);
}

unsigned sandbox_filter_flags(const struct sandbox *sb)
{
	return (sb->who == SANDBOX_ROOT ? CAGE_FILTER_ROOT : 0) |
	       (sb->user_namespaces ? CAGE_FILTER_USERNS : 0);
}

/* A new anonymous session keyring, owned by whoever we are now (the user,
 * after her ids): the caller's keys are no longer possessed. */
int sandbox_new_keyring(struct uc_error *err)
{
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) >= 0 || errno == ENOSYS)
		return 0;
	return uc_fail_errno(err, errno, "a new session keyring");
}

static int scope(enum sandbox_who who, struct uc_error *err)
{
	struct uc_error e = {0};
	int r = landlock_scope(sandbox_scopes(who), &e);
	if (r == -EOPNOTSUPP) {
		static bool said;
		if (!said)
			uc_log(UC_LOG_WARN,
			       "%s: abstract unix sockets and signals outside the cage "
			       "are not fenced off (kernel >= 6.12 does)",
			       e.msg);
		said = true;
		return 0;
	}
	if (r < 0)
		*err = e;
	return r;
}

int sandbox_walls(const struct sandbox *sb, struct uc_error *err)
{
	/* Landlock and seccomp need it without CAP_SYS_ADMIN; root loses
	 * nothing by it (cages are nosuid) */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return uc_fail_errno(err, errno, "no_new_privs");
	int r = scope(sb->who, err);
	return r < 0 ? r : cage_filter_load(sandbox_filter_flags(sb), err);
}

int sandbox_apply(const struct sandbox *sb, struct uc_error *err)
{
	int r = 0;
	if (sb->pty && (r = pty_take_ctty(__builtin_ctz(sb->pty_fds ? sb->pty_fds : 7), err)) < 0)
		return r;
	if (sb->who == SANDBOX_ROOT && (r = sandbox_cap_allowlist(sb->caps, sb->n_caps, err)) < 0)
		return r;
	/* before the filter: it refuses keyctl to root */
	if ((r = sandbox_new_keyring(err)) < 0 || sb->who == SANDBOX_UNCAGED)
		return r;
	return sandbox_walls(sb, err);
}
