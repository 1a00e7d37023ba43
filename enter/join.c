#include "enter/join.h"

#include "lib/cleanup.h"
#include "lib/pwfile.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#define PATH_USER "/usr/local/bin:/usr/bin:/bin"
#define PATH_ROOT "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static int join_slot(const struct uc_config *cfg, const struct slot *s, struct uc_error *err)
{
	char h[PATH_MAX];
	cage_handle_path(cfg, s->user, s->n, h, sizeof(h));
	_cleanup_close_ int fd = open(h, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return uc_fail_errno(err, errno, "cage of %s (slot %u)", s->user, s->n);
	/* lands in the cage's root: it was built with pivot_root */
	if (setns(fd, CLONE_NEWNS) < 0)
		return uc_fail_errno(err, errno, "joining the cage of %s", s->user);
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
 * the one that counts: it is what `id` inside shows). An empty password
 * field (`wheel::10:alice`) is a field like any other. */
static int cage_groups(const struct uc_user *u, gid_t *gids, int max)
{
	int n = 0;
	gids[n++] = u->gid;
	_cleanup_fclose_ FILE *f = fopen("/etc/group", "re");
	if (f)
		pwfile_member_gids(f, "/etc/group", u->name, u->gid, gids, &n, max);
	return n;
}

static int set_env(const struct join_req *r, const char *shell)
{
	const char *term = getenv("TERM"), *lang = getenv("LANG");
	char *t = term ? strdup(term) : NULL, *l = lang ? strdup(lang) : NULL;
	bool root = r->as == JOIN_ROOT;
	int rc = clearenv();
	if (rc == 0)
		rc = setenv("HOME", r->u->home, 1) | setenv("USER", root ? "root" : r->u->name, 1) |
		     setenv("LOGNAME", root ? "root" : r->u->name, 1) | setenv("SHELL", shell, 1) |
		     setenv("PATH", root ? PATH_ROOT : PATH_USER, 1);
	if (rc == 0 && t)
		rc = setenv("TERM", t, 1);
	if (rc == 0 && l)
		rc = setenv("LANG", l, 1);
	if (rc == 0 && root) {
		char ps1[300];
		snprintf(ps1, sizeof(ps1), "[cage %s] \\u@\\h:\\w\\$ ", r->u->name);
		rc = setenv("PS1", ps1, 1) | setenv("UNICAGE_CAGE", r->u->name, 1);
	}
	free(t);
	free(l);
	return rc == 0 ? 0 : -ENOMEM;
}

/* Root in a cage: the listed capabilities leave the bounding set (for
 * good), then the permitted, effective and inheritable sets; ambient is
 * cleared. What is left cannot bring them back. */
static int drop_root_caps(const struct uc_config *cfg, struct uc_error *err)
{
	for (unsigned i = 0; i < cfg->n_drop_caps; i++)
		if (cap_drop_bound(cfg->drop_caps[i]) < 0 && errno != EINVAL)
			return uc_fail_errno(err, errno, "dropping capability %d",
					     cfg->drop_caps[i]);
	cap_t c = cap_get_proc();
	if (!c)
		return uc_fail_errno(err, errno, "cap_get_proc");
	cap_value_t v[64];
	for (unsigned i = 0; i < cfg->n_drop_caps; i++)
		v[i] = cfg->drop_caps[i];
	int rc = cap_set_flag(c, CAP_PERMITTED, (int)cfg->n_drop_caps, v, CAP_CLEAR) |
		 cap_set_flag(c, CAP_EFFECTIVE, (int)cfg->n_drop_caps, v, CAP_CLEAR) |
		 cap_set_flag(c, CAP_INHERITABLE, (int)cfg->n_drop_caps, v, CAP_CLEAR);
	if (rc == 0)
		rc = cap_set_proc(c);
	cap_free(c);
	if (rc < 0 || prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return uc_fail_errno(err, errno, "dropping capabilities");
	return 0;
}

/* The user: every capability out of the bounding set while we still may,
 * then groups, gid, uid (all three of each: nothing to regain), then
 * no_new_privs. */
static int become_user(const struct uc_user *u, bool caged, const gid_t *groups, int ngroups,
		       struct uc_error *err)
{
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return uc_fail_errno(err, errno, "dropping the bounding set");
	gid_t gids[256];
	int n = caged ? cage_groups(u, gids, 256) : 0;
	if (!caged) {
		/* the host's view, looked up by the caller (NSS never runs in
		 * this file: the small front is linked without it) */
		n = groups && ngroups > 0 && ngroups <= 256 ? ngroups : 1;
		if (groups && ngroups > 0 && ngroups <= 256)
			memcpy(gids, groups, (size_t)n * sizeof(*gids));
		else
			gids[0] = u->gid;
	}
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

/* enter: the session gets a pid namespace of its own, with its own procfs
 * on /proc (in a private copy of the cage's mount namespace). Root sessions
 * of two cages share uid 0 and the same capabilities, so in the host's pid
 * namespace each could see the other and walk /proc/PID/root into the other
 * cage; in their own they see only their own processes.
 *   caller (host pid ns)  waits, passes the session's status on
 *   pid 1 of the session  reaps, leaves with the command's status (the
 *                         session's other processes end with it)
 *   the command           capabilities cut, then exec'd
 * Returns 0 in the command's process; the others never return. */
static int root_session(struct uc_error *err)
{
	if (unshare(CLONE_NEWNS | CLONE_NEWPID) < 0)
		return uc_fail_errno(err, errno, "a pid namespace for the session");
	fflush(NULL);
	pid_t init = fork();
	if (init < 0)
		return uc_fail_errno(err, errno, "fork");
	int st;
	if (init > 0) {
		signal(SIGINT, SIG_IGN); /* the terminal's keys are the command's */
		signal(SIGQUIT, SIG_IGN);
		while (waitpid(init, &st, 0) < 0 && errno == EINTR)
			;
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	int fs = fsopen("proc", FSOPEN_CLOEXEC), m = -1;
	if (fs >= 0 && fsconfig(fs, FSCONFIG_SET_STRING, "hidepid", "invisible", 0) == 0 &&
	    fsconfig(fs, FSCONFIG_SET_STRING, "subset", "pid", 0) == 0 &&
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
		m = fsmount(fs, FSMOUNT_CLOEXEC,
			    MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (m < 0 || move_mount(m, "", AT_FDCWD, "/proc", MOVE_MOUNT_F_EMPTY_PATH) < 0) {
		fprintf(stderr, "unicage: error: the session's /proc: %s\n", strerror(errno));
		_exit(1); /* fail closed: no session that sees more than its own */
	}
	close(m);
	close(fs);
	pid_t cmd = fork();
	if (cmd < 0)
		_exit(1);
	if (cmd == 0)
		return 0;
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	int code = 1;
	for (;;) {
		pid_t p = wait(&st);
		if (p < 0 && errno == EINTR)
			continue;
		if (p < 0)
			break;
		if (p == cmd) {
			code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			break;
		}
	}
	_exit(code);
}

int join_and_exec(const struct join_req *r, int *exit_code, struct uc_error *err)
{
	*exit_code = -1;
	int rc = 0;
	if (r->as != JOIN_USER_UNCAGED && (rc = join_slot(r->cfg, r->slot, err)) < 0)
		return rc;
	if (r->as == JOIN_ROOT && (rc = root_session(err)) < 0)
		return rc;
	if (chdir(r->u->home) < 0 && chdir("/") < 0)
		return uc_fail_errno(err, errno, "chdir");
	char shell[PATH_MAX];
	if (r->as == JOIN_ROOT)
		root_shell(shell, sizeof(shell));
	else
		snprintf(shell, sizeof(shell), "%s", r->u->shell);
	if ((rc = set_env(r, shell)) < 0)
		return uc_fail_errno(err, -rc, "environment");
	if (r->as == JOIN_ROOT)
		rc = drop_root_caps(r->cfg, err);
	else
		rc = become_user(r->u, r->as == JOIN_USER, r->groups, r->ngroups, err);
	if (rc < 0)
		return rc;
	fflush(NULL);
	if (r->argv) {
		execvp(r->argv[0], r->argv);
	} else {
		/* a repair shell: bash without rc files keeps the prompt that
		 * names the cage */
		char *argv[] = {shell, strstr(shell, "bash") ? "--norc" : NULL, NULL};
		execv(shell, argv);
	}
	int e = errno;
	*exit_code = e == ENOENT ? 127 : 126;
	return uc_fail_errno(err, e, "%s", r->argv ? r->argv[0] : shell);
}
