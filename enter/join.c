#include "enter/join.h"

#include "enter/sandbox.h"
#include "lib/cleanup.h"
#include "lib/path.h"
#include "lib/pwfile.h"
#include "lib/statepath.h"
#include "mount/pidns.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#define PATH_USER "/usr/local/bin:/usr/bin:/bin"
#define PATH_ROOT "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* ---- into the cage: namespaces, the front that waits -------------------- */

void cage_fds_close(struct cage_fds *f)
{
	int *v[] = {&f->mnt, &f->pid, &f->ipc};
	for (size_t i = 0; i < 3; i++)
		if (*v[i] >= 0) {
			close(*v[i]);
			*v[i] = -1;
		}
}

int cage_fds_open(const struct uc_config *cfg, const struct slot *s, struct cage_fds *f,
		  struct uc_error *err)
{
	char h[PATH_MAX];
	*f = (struct cage_fds){-1, -1, -1};
	int r = statepath_ns_slot(cfg, s->user, s->n, h, sizeof(h));
	if (r < 0)
		return path_fail(err, r, cfg->run_dir);
	f->mnt = open(h, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (f->mnt < 0)
		return uc_fail_errno(err, errno, "cage of %s (slot %u)", s->user, s->n);
	r = pidns_open(cfg, s, &f->pid, &f->ipc);
	if (r == -ESRCH)
		r = uc_fail(err, UC_NOTFOUND,
			    "the cage of %s lost its pid namespace (its init is gone): `unicage "
			    "mount %s` builds it again",
			    s->user, s->user);
	else if (r < 0)
		r = uc_fail_errno(err, -r, "the pid and IPC namespaces of %s", s->user);
	if (r < 0)
		cage_fds_close(f);
	return r;
}

/* 0 once reaped: a pid the kernel may give to another process is never
 * signalled (a signal to the front between the reap and its exit) */
static volatile pid_t front_child;

/* A signal for the command: passed on, unless the terminal sent it to our
 * process group, which the command is in too (it has it already). */
static void forward(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	pid_t c = front_child;
	if (c <= 0 || (si->si_code == SI_KERNEL && getpgid(c) == getpgrp()))
		return;
	kill(c, sig);
}

/* The caller of exec/enter, outside the cage: its command's status is
 * passed on as its own (a signal that killed the command kills it, without
 * a core), signals sent to it are passed to the command. */
static _Noreturn void front_wait(pid_t child)
{
	static const int sigs[] = {SIGHUP,  SIGINT,  SIGQUIT, SIGTERM,
				   SIGUSR1, SIGUSR2, SIGALRM, SIGWINCH};
	front_child = child;
	struct sigaction sa = {.sa_sigaction = forward, .sa_flags = SA_SIGINFO | SA_RESTART};
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < UC_ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
	int st;
	while (waitpid(child, &st, 0) < 0)
		if (errno != EINTR)
			_exit(1);
	front_child = 0;
	if (!WIFSIGNALED(st))
		_exit(WEXITSTATUS(st));
	int sig = WTERMSIG(st);
	signal(sig, SIG_DFL);
	setrlimit(RLIMIT_CORE, &(struct rlimit){0, 0});
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	_exit(128 + sig);
}

static int write_file(const char *path, const char *text)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t n = strlen(text);
	return fd >= 0 && write(fd, text, n) == (ssize_t)n ? 0 : -errno;
}

/* The root parent writes the new user namespace's maps: every id to
 * itself, so uid 0 there owns what uid 0 owns on the host, but only
 * through what the cage shows, and holds no capability of the host. */
static int map_all_ids(pid_t child)
{
	static const char map[] = "0 0 4294967295\n";
	char p[64];
	int r;
	snprintf(p, sizeof(p), "/proc/%d/uid_map", (int)child);
	if ((r = write_file(p, map)) < 0)
		return r;
	snprintf(p, sizeof(p), "/proc/%d/setgroups", (int)child);
	if ((r = write_file(p, "allow")) < 0)
		return r;
	snprintf(p, sizeof(p), "/proc/%d/gid_map", (int)child);
	return write_file(p, map);
}

/* The parent's half of root_session: the child has its user namespace
 * when it writes; it goes on when it reads "k". */
static void front_map(pid_t child, int sync)
{
	char c = 0;
	ssize_t n = read(sync, &c, 1);
	if (n == 0) { /* the child failed before (it said why): its status */
		close(sync);
		return;
	}
	int r = n == 1 && c == 'u' ? map_all_ids(child) : -EIO;
	if (r == 0 && write(sync, "k", 1) == 1) {
		close(sync);
		return;
	}
	fprintf(stderr, "unicage: error: the repair shell's user namespace: %s\n", strerror(-r));
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	_exit(1);
}

/* enter, in the child: a user namespace of its own whose map covers every
 * id (written by the parent: front_map). The cage's mount, pid and IPC
 * namespaces were joined before (they belong to the host's user namespace,
 * so root here cannot mount, unmount or remount in them; a copy of the
 * mount namespace would have every mount locked), and capabilities of the
 * host's user namespace are gone: no raw network, no kernel log, no
 * modules, no file handles, no BPF, no host-wide perf. Returns 0 in the
 * command's process. */
static int root_session(int sync, struct uc_error *err)
{
	char c = 'u';
	if (unshare(CLONE_NEWUSER) < 0)
		return uc_fail_errno(err, errno, "a user namespace for the repair shell");
	if (write(sync, &c, 1) != 1 || read(sync, &c, 1) != 1 || c != 'k')
		return uc_fail(err, UC_INTERNAL,
			       "the repair shell's user namespace was not mapped");
	close(sync);
	return 0;
}

/* Into the cage. The pid namespace is taken for the child (setns then fork:
 * the command is in it from its first instruction; fork fails if the
 * namespace's init is gone, so nothing ever runs outside). The caller
 * stays outside as the front (front_wait, never returns); the child joins
 * the IPC and mount namespaces and, for root, a user namespace, and
 * returns 0. */
static int join_slot(const struct uc_config *cfg, const struct slot *s, struct cage_fds *given,
		     bool root, bool new_session, struct uc_error *err)
{
	struct cage_fds f;
	int r = 0;
	if (given)
		f = *given, *given = (struct cage_fds){-1, -1, -1};
	else if ((r = cage_fds_open(cfg, s, &f, err)) < 0)
		return r;
	int sv[2] = {-1, -1};
	if (root && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		r = uc_fail_errno(err, errno, "socketpair");
	else if (setns(f.pid, CLONE_NEWPID) < 0)
		r = uc_fail_errno(err, errno, "joining the pid namespace of %s", s->user);
	/* a caller that ignores SIGCHLD (some daemons do, and exec keeps it)
	 * would have the command reaped by the kernel and its status lost:
	 * the front waits with the default, the command gets the caller's */
	struct sigaction chld, dfl = {.sa_handler = SIG_DFL};
	sigaction(SIGCHLD, &dfl, &chld);
	pid_t child = r < 0 ? -1 : (fflush(NULL), fork());
	if (child <= 0)
		sigaction(SIGCHLD, &chld, NULL);
	if (r == 0 && child < 0 && errno == ENOMEM)
		r = uc_fail(err, UC_NOTFOUND,
			    "the pid namespace of %s lost its init: `unicage mount %s` builds it "
			    "again",
			    s->user, s->user);
	else if (r == 0 && child < 0)
		r = uc_fail_errno(err, errno, "starting a process in the cage of %s", s->user);
	if (child > 0) {
		cage_fds_close(&f);
		if (root) {
			close(sv[1]);
			front_map(child, sv[0]);
		}
		front_wait(child);
	}
	if (r == 0) {
		/* root of the host until the ids change: not ptrace-able by a
		 * repair shell of this cage meanwhile (same uid 0) */
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		/* the command leads a session of its own without a terminal
		 * (the front took one already; with a relayed pty it keeps
		 * the pty's) */
		if (new_session && setsid() < 0)
			r = uc_fail_errno(err, errno, "setsid");
		else if (setns(f.ipc, CLONE_NEWIPC) < 0)
			r = uc_fail_errno(err, errno, "joining the IPC namespace of %s", s->user);
		/* lands in the cage's root: it was built with pivot_root */
		else if (setns(f.mnt, CLONE_NEWNS) < 0)
			r = uc_fail_errno(err, errno, "joining the cage of %s", s->user);
	}
	cage_fds_close(&f);
	if (sv[0] >= 0)
		close(sv[0]);
	if (r == 0 && root)
		r = root_session(sv[1], err);
	else if (sv[1] >= 0)
		close(sv[1]);
	return r;
}

int join_for_children(const struct uc_config *cfg, const struct slot *s, struct uc_error *err)
{
	struct cage_fds f;
	int r = cage_fds_open(cfg, s, &f, err);
	if (r < 0)
		return r;
	/* IPC and mount first: a failure leaves the caller's children where
	 * they were; the pid namespace last (its effect is only on children) */
	if (setns(f.ipc, CLONE_NEWIPC) < 0)
		r = uc_fail_errno(err, errno, "joining the IPC namespace of %s", s->user);
	else if (setns(f.mnt, CLONE_NEWNS) < 0)
		r = uc_fail_errno(err, errno, "joining the cage of %s", s->user);
	else if (setns(f.pid, CLONE_NEWPID) < 0)
		r = uc_fail_errno(err, errno, "joining the pid namespace of %s", s->user);
	cage_fds_close(&f);
	return r;
}

/* Right before exec: the command dies with its front (a killed caller
 * leaves nothing running in the cage on its behalf). Set last: a change of
 * ids clears it. The front is outside the pid namespace: getppid() is 0
 * while it lives. */
static int tie_to_front(struct uc_error *err)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return uc_fail_errno(err, errno, "PR_SET_PDEATHSIG");
	if (getppid() != 0)
		_exit(1); /* the front is gone already */
	return 0;
}

/* The root's shell from the cage's /etc/passwd if it is there and runs,
 * else /bin/bash, else /bin/sh. */
static void root_shell(char *buf, size_t size)
{
	snprintf(buf, size, "%s", access("/bin/bash", X_OK) == 0 ? "/bin/bash" : "/bin/sh");
	_cleanup_fclose_ FILE *f = fopen("/etc/passwd", "re");
	if (!f)
		return;
	struct pwfile p;
	struct uc_error e = {0};
	int r;
	pwfile_init(&p, f, "/etc/passwd", PWFILE_PASSWD);
	while ((r = pwfile_next(&p, &e)) != 0) {
		if (r < 0 && r != -EINVAL)
			break;
		if (r < 0 || strcmp(p.field[0], "root"))
			continue; /* a malformed line is skipped, as NSS skips it */
		const char *sh = p.field[6];
		if (sh[0] == '/' && access(sh, X_OK) == 0)
			snprintf(buf, size, "%s", sh);
		break;
	}
	pwfile_release(&p);
}

/* The user's groups as the cage's /etc/group has them (the cage's view is
 * the one that counts: it is what `id` inside shows). That file is the
 * cage directory's etc/group, bind-mounted read-only at the cage's /etc
 * (mount/assemble.c), read here from the host's side before the fork. An
 * empty password field (`wheel::10:alice`) is a field like any other. */
static int cage_groups(const struct join_req *r, gid_t *gids, int max)
{
	char path[PATH_MAX];
	int n = 0;
	gids[n++] = r->u->gid;
	if (statepath_cage_file(r->cfg, r->slot->uid, r->slot->user, "etc/group", path,
				sizeof(path)) < 0)
		return n;
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (f)
		pwfile_member_gids(f, path, r->u->name, r->u->gid, gids, &n, max);
	return n;
}

/* The groups become_user gives: the cage's (exec) or the host's (looked up
 * by the caller: NSS never runs in this file, the small front is linked
 * without it). */
static int user_groups(const struct join_req *r, gid_t *gids, int max)
{
	if (r->as == JOIN_USER)
		return cage_groups(r, gids, max);
	if (r->groups && r->ngroups > 0 && r->ngroups <= max) {
		memcpy(gids, r->groups, (size_t)r->ngroups * sizeof(*gids));
		return r->ngroups;
	}
	gids[0] = r->u->gid;
	return 1;
}

/* The clean environment. Root's repair shell reads no file of the user:
 * HOME is the cage's /root (root's rc files, not the user's), no readline
 * init file (a planted ~/.inputrc macro would run as root), no history
 * written. Nothing of the caller's environment but TERM and LANG (BASH_ENV,
 * ENV, PROMPT_COMMAND... are gone with clearenv). */
static int set_env(const struct join_req *r, const char *shell)
{
	const char *term = getenv("TERM"), *lang = getenv("LANG");
	char *t = term ? strdup(term) : NULL, *l = lang ? strdup(lang) : NULL;
	bool root = r->as == JOIN_ROOT;
	/* exec --keep-env: the caller's values, read before they are gone */
	struct exec_env_kept kept;
	int rc = exec_env_capture(r->env, &kept);
	if (rc == 0)
		rc = clearenv();
	if (rc == 0)
		rc = setenv("HOME", root ? "/root" : r->u->home, 1) |
		     setenv("USER", root ? "root" : r->u->name, 1) |
		     setenv("LOGNAME", root ? "root" : r->u->name, 1) | setenv("SHELL", shell, 1) |
		     setenv("PATH", root ? PATH_ROOT : PATH_USER, 1);
	if (rc == 0 && t)
		rc = setenv("TERM", t, 1);
	if (rc == 0 && l)
		rc = setenv("LANG", l, 1);
	if (rc == 0 && root) {
		char ps1[300];
		snprintf(ps1, sizeof(ps1), "[cage %s] \\u@\\h:\\w\\$ ", r->u->name);
		/* an empty HISTFILE: bash saves no history (not /dev/null,
		 * which a history writer might truncate or replace) */
		rc = setenv("PS1", ps1, 1) | setenv("UNICAGE_CAGE", r->u->name, 1) |
		     setenv("INPUTRC", "/dev/null", 1) | setenv("HISTFILE", "", 1);
	}
	/* the kept and --env values last: they win over the defaults (a CGI's
	 * own PATH, a panel's HOME); frees kept */
	int ra = exec_env_apply(r->env, &kept);
	rc = rc == 0 ? ra : rc;
	free(t);
	free(l);
	return rc == 0 ? 0 : -ENOMEM;
}

/* The user: groups, gid, uid (all three of each: nothing to regain), then
 * no_new_privs. The bounding set is emptied only for uid 0: a process of
 * another uid has no capability once setresuid() has run (no keep-caps,
 * ambient cleared below), and no_new_privs means no exec can give it one
 * (no setuid bit, no file capability; cage mounts are nosuid as well); a
 * new user namespace starts with a full bounding set of its own whatever
 * this one holds. The 41 prctl()s, each a new struct cred, were 8-15% of an
 * exec (doc/benchmarks.md, "exec"). */
static int become_user(const struct uc_user *u, const gid_t *gids, int n, struct uc_error *err)
{
	for (cap_value_t c = 0; u->uid == 0 && c <= CAP_LAST_CAP; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return uc_fail_errno(err, errno, "dropping the bounding set");
	if (setgroups((size_t)n, gids) < 0 || setresgid(u->gid, u->gid, u->gid) < 0 ||
	    setresuid(u->uid, u->uid, u->uid) < 0)
		return uc_fail_errno(err, errno, "taking %s's ids", u->name);
	if (u->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
		return uc_fail(err, UC_INTERNAL, "could regain root after taking %s's ids",
			       u->name);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return uc_fail_errno(err, errno, "no_new_privs");
	return 0;
}

/* exec without a command: the user's shell as a login shell ("-sh", as
 * login and `su -` start it: it reads her profile, with her ids). */
static void exec_login_shell(const char *shell)
{
	const char *base = strrchr(shell, '/');
	char arg0[NAME_MAX + 2];
	snprintf(arg0, sizeof(arg0), "-%.*s", NAME_MAX, base ? base + 1 : shell);
	char *argv[] = {arg0, NULL};
	execv(shell, argv);
}

/* Which of fds 0-2 are terminals (bits). */
static unsigned terminal_fds(void)
{
	unsigned m = 0;
	for (int fd = 0; fd < 3; fd++)
		m |= isatty(fd) ? 1u << fd : 0;
	return m;
}

/* What sandbox.h applies, for this entry. A caller's terminal is never
 * handed to the command, even as a plain descriptor: what the command
 * leaves behind (a daemon forked by alice's ~/.bash_profile, her PHP)
 * would keep it after unicage returns, read what the admin types next and
 * write escape sequences to it at leisure (sudo's use_pty, its default
 * since 1.9.14, for the same reason). A terminal on 0-2 is replaced by a
 * relayed pty, hung up when the command ends; --pty and enter's
 * interactive shell (and exec's login shell) get the pty on all three. */
static struct sandbox sandbox_of(const struct join_req *r)
{
	unsigned ttys = terminal_fds();
	bool all = r->pty || (!r->argv && (ttys & 1));
	return (struct sandbox){.who = r->as == JOIN_ROOT   ? SANDBOX_ROOT
				       : r->as == JOIN_USER ? SANDBOX_USER
							    : SANDBOX_UNCAGED,
				.user_namespaces = r->cfg->cage_user_namespaces,
				.caps = r->cfg->enter_caps,
				.n_caps = r->cfg->n_enter_caps,
				.preserve_fds = r->preserve_fds,
				.pty = all || ttys,
				.pty_fds = all ? 7 : ttys,
				.tty_owner = r->as == JOIN_ROOT ? 0 : r->u->uid,
				.keep = {r->fds ? r->fds->mnt : -1, r->fds ? r->fds->pid : -1,
					 r->fds ? r->fds->ipc : -1},
				.n_keep = r->fds ? 3 : 0,
				.child_session = r->as != JOIN_USER_UNCAGED};
}

int join_and_exec(const struct join_req *r, int *exit_code, struct uc_error *err)
{
	*exit_code = -1;
	int rc = 0;
	bool caged = r->as != JOIN_USER_UNCAGED, root = r->as == JOIN_ROOT;
	struct sandbox sb = sandbox_of(r);
	/* before joining: the pty comes from the host's devpts, and the
	 * relaying process stays outside the cage */
	if ((rc = sandbox_detach(&sb, err)) < 0)
		return rc;
	/* The user's groups and environment before the fork: every page the
	 * child writes is a copy of the front's, ~1.6 us each (doc/
	 * benchmarks.md, "exec"). The front's own environment is the
	 * command's from here on (it reads none of it again). Root's shell
	 * comes from the cage's view, after the join. */
	char shell[PATH_MAX];
	gid_t gids[256];
	int ngids = 0;
	if (!root) {
		snprintf(shell, sizeof(shell), "%s", r->u->shell[0] ? r->u->shell : "/bin/sh");
		ngids = user_groups(r, gids, 256);
		if ((rc = set_env(r, shell)) < 0)
			return uc_fail_errno(err, -rc, "environment");
	}
	/* the front stays outside, the child goes in (root: in a user
	 * namespace of its own) */
	if (caged &&
	    (rc = join_slot(r->cfg, r->slot, r->fds, root, !sb.pty, err)) < 0)
		return rc;
	/* root starts in the cage's /root (or /), not in the user's home */
	if (chdir(root ? "/root" : r->u->home) < 0 && chdir("/") < 0)
		return uc_fail_errno(err, errno, "chdir");
	if (root) {
		root_shell(shell, sizeof(shell));
		if ((rc = set_env(r, shell)) < 0)
			return uc_fail_errno(err, -rc, "environment");
	}
	if (!root && (rc = become_user(r->u, gids, ngids, err)) < 0)
		return rc;
	/* --cwd with the user's ids: what she may enter, seen from the cage */
	if (!root && r->env && r->env->cwd &&
	    (rc = exec_env_chdir(r->env->cwd, r->u->home, err)) < 0)
		return rc;
	if ((rc = sandbox_apply(&sb, err)) < 0 || (caged && (rc = tie_to_front(err)) < 0))
		return rc;
	fflush(NULL);
	if (r->argv) {
		execvp(r->argv[0], r->argv);
	} else if (!root) {
		exec_login_shell(shell);
	} else {
		/* a repair shell: bash reads no rc file, profile or history
		 * (the prompt that names the cage stays) */
		bool bash = strstr(shell, "bash") != NULL;
		char *argv[] = {shell, bash ? "--norc" : NULL, bash ? "--noprofile" : NULL, NULL};
		execv(shell, argv);
	}
	int e = errno;
	*exit_code = e == ENOENT ? 127 : 126;
	return uc_fail_errno(err, e, "%s", r->argv ? r->argv[0] : shell);
}
