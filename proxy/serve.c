/* Serving one request (proxy/serve.h). */
#include "proxy/serve.h"

#include "lib/cleanup.h"
#include "lib/path.h"
#include "lib/users.h"
#include "lib/proxycmds.h"
#include "proxy/filter.h"
#include "proxy/peer.h"
#include "proxy/proto.h"
#include "proxy/run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_GROUPS 256
#define MAX_KEEP 16

struct request {
	char *buf;
	struct proxy_request req;
	int fds[3];
};

struct job {
	const struct uc_config *cfg;
	struct proxy_peer peer;
	struct uc_user caller, runas;
	bool have_runas;
	struct request rq;
	const struct proxy_command *cmd;
	int homefd; /* the caller's home on the host (O_PATH) */
	int keep[MAX_KEEP];
	int nkeep;
};

static int refuse(int conn, const struct uc_error *err)
{
	int code = err->kind ? (int)err->kind : 1;
	proxy_msg_send(conn, PXM_ERROR, code, err->msg);
	return code;
}

/* The administrator's mistake (a bad line of proxy.commands or of a
 * filter): the caller is told that much, the log gets file:line. */
static int admin_error(int conn)
{
	proxy_msg_send(conn, PXM_ERROR, UC_INTERNAL,
		       "the proxy's configuration has an error (unicage-proxyd's log says where)");
	return UC_INTERNAL;
}

/* ---- the request ---------------------------------------------------------- */

static int recv_request(int conn, struct request *rq, struct uc_error *err)
{
	rq->buf = malloc(PROXY_MAX_REQUEST);
	if (!rq->buf)
		return uc_fail(err, UC_INTERNAL, "out of memory");
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} u;
	/* a caller that connects and sends nothing does not keep a root
	 * process waiting for ever */
	struct timeval tmo = {10, 0};
	setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));
	struct iovec iov = {rq->buf, PROXY_MAX_REQUEST};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf)};
	ssize_t n = recvmsg(conn, &mh, MSG_CMSG_CLOEXEC);
	int nfds = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); n > 0 && c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		int *fds = (int *)CMSG_DATA(c);
		for (int i = 0; i < k; i++) {
			if (nfds < 3)
				rq->fds[nfds] = fds[i];
			else
				close(fds[i]);
			nfds++;
		}
	}
	struct timeval none = {0, 0};
	setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none));
	if (n <= 0)
		return uc_fail(err, UC_BADREQUEST, "no request");
	if ((mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || nfds != 3)
		return uc_fail(err, UC_BADREQUEST, "bad request (size or descriptors)");
	if (proxy_request_parse(rq->buf, (size_t)n, &rq->req) < 0)
		return uc_fail(err, UC_BADREQUEST, "malformed request");
	return 0;
}

static void request_release(struct request *rq)
{
	for (int i = 0; i < 3; i++)
		if (rq->fds[i] >= 0)
			close(rq->fds[i]);
	free(rq->buf);
}

/* ---- the caller's home ---------------------------------------------------- */

/* rel ("a/b") below the home, one component at a time, never through a
 * link, with the caller's fsuid: an O_PATH directory fd or -errno. */
static int walk_home(struct job *j, const char *rel, bool dir)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", rel);
	setfsgid(j->caller.gid);
	setfsuid(j->caller.uid);
	int fd = dup(j->homefd);
	char *save = NULL;
	for (char *c = strtok_r(buf, "/", &save); fd >= 0 && c; c = strtok_r(NULL, "/", &save)) {
		bool last = !save || !*save;
		int fl = O_PATH | O_NOFOLLOW | O_CLOEXEC | (last && !dir ? 0 : O_DIRECTORY);
		int next =
		    !strcmp(c, "..") || !strcmp(c, ".") ? (errno = EPERM, -1) : openat(fd, c, fl);
		int e = errno;
		close(fd);
		fd = next;
		errno = e;
	}
	int e = errno;
	setfsuid(0);
	setfsgid(0);
	return fd < 0 ? -e : fd;
}

/* The part of a cage path below the caller's home ("" for the home), or NULL. */
static const char *below_home(const struct job *j, const char *path)
{
	size_t n = strlen(j->caller.home);
	if (strncmp(path, j->caller.home, n) || (path[n] && path[n] != '/'))
		return NULL;
	return path + n + (path[n] == '/');
}

static int cwd_fd(struct job *j)
{
	const char *rel = j->rq.req.cwd[0] == '/' ? below_home(j, j->rq.req.cwd) : NULL;
	if (rel && *rel) {
		int fd = walk_home(j, rel, true);
		if (fd >= 0)
			return fd;
	}
	return dup(j->homefd);
}

/* restrict_path: the value opened in the home, the command gets its fd */
static int map_path(void *ctx, const char *value, char *out, size_t size, char *why, size_t whysize)
{
	struct job *j = ctx;
	char abs[PATH_MAX];
	if (value[0] == '/')
		snprintf(abs, sizeof(abs), "%s", value);
	else
		snprintf(abs, sizeof(abs), "%s/%s", j->rq.req.cwd, value);
	const char *rel = below_home(j, abs);
	int fd = rel && *rel && j->nkeep < MAX_KEEP ? walk_home(j, rel, false) : -EPERM;
	struct stat st;
	if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
		close(fd); /* O_PATH|O_NOFOLLOW opens a link itself: not a file */
		fd = -EPERM;
	}
	if (fd < 0)
		return snprintf(why, whysize, "'%s' is not a file in %s's home", value,
				j->caller.name),
		       -EPERM;
	j->keep[j->nkeep++] = fd;
	snprintf(out, size, "/proc/self/fd/%d", fd);
	return 0;
}

/* ---- who, what ------------------------------------------------------------ */

static int find_users(struct job *j, struct uc_error *err)
{
	if (users_lookup(j->cfg, j->peer.user, &j->caller, err) < 0)
		return uc_fail(err, UC_PERMISSION, "the cage's user %s is unknown", j->peer.user);
	if (j->caller.uid != j->peer.uid || j->peer.uid == 0)
		return uc_fail(err, UC_PERMISSION, "uid %u is not %s's: refused",
			       (unsigned)j->peer.uid, j->caller.name);
	if (j->cmd->user[0]) {
		if (users_lookup(j->cfg, j->cmd->user, &j->runas, err) < 0)
			return uc_fail(err, UC_INTERNAL, "%s: no user %s", j->cmd->alias,
				       j->cmd->user);
		j->have_runas = true;
	}
	_cleanup_close_ int root = open(j->cfg->sysroot, O_PATH | O_DIRECTORY | O_CLOEXEC);
	j->homefd = root < 0 ? -errno
			     : path_open_in_root(root, j->caller.home,
						 O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
	if (j->homefd < 0)
		return uc_fail_errno(err, -j->homefd, "%s's home %s", j->caller.name,
				     j->caller.home);
	return 0;
}

static const char *const env_allowed[] = {
    "TERM=", "LANG=", "LC_", "TZ=", "COLUMNS=", "LINES=", NULL};

/* No value that names a file: a locale or terminfo path, a TZ file
 * (TZ=Europe/Paris is a name below the zoneinfo directory: kept). */
static bool env_value_ok(const char *e)
{
	const char *v = strchr(e, '=');
	if (!v || strlen(e) >= 1024)
		return false;
	v++;
	if (!strncmp(e, "TZ=", 3))
		return *v != '/' && *v != ':' && !strstr(v, "..");
	return !strchr(v, '/');
}

static int build_env(struct job *j, struct strv *env)
{
	char b[PATH_MAX + 32];
	const struct uc_user *u = &j->caller;
	int r = 0;
	r |= strv_push(env, "PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
	snprintf(b, sizeof(b), "HOME=%s", u->home);
	r |= strv_push(env, b);
	snprintf(b, sizeof(b), "USER=%s", u->name);
	r |= strv_push(env, b);
	snprintf(b, sizeof(b), "LOGNAME=%s", u->name);
	r |= strv_push(env, b);
	snprintf(b, sizeof(b), "SHELL=%s", u->shell && *u->shell ? u->shell : "/bin/sh");
	r |= strv_push(env, b);
	snprintf(b, sizeof(b), "PROXYEXEC_UID=%u", (unsigned)u->uid);
	r |= strv_push(env, b);
	snprintf(b, sizeof(b), "PROXYEXEC_GID=%u", (unsigned)u->gid);
	r |= strv_push(env, b);
	for (uint32_t i = 0; i < j->rq.req.envc; i++) {
		const char *e = j->rq.req.envp[i];
		for (size_t k = 0; env_allowed[k]; k++)
			if (!strncmp(e, env_allowed[k], strlen(env_allowed[k])) && env_value_ok(e))
				r |= strv_push(env, e);
	}
	return r ? -ENOMEM : 0;
}

static int build_argv(struct job *j, struct strv *argv, struct uc_error *err)
{
	struct proxy_filter f;
	int r = proxy_filter_load(j->cfg, j->cmd->alias, &f, err);
	if (r < 0)
		return -ENOEXEC; /* the admin's error */
	const char *base = strrchr(j->cmd->path, '/') + 1;
	char why[512] = "";
	r = strv_push(argv, base);
	if (r == 0)
		r = proxy_filter_apply(&f, j->caller.name, (int)j->rq.req.argc, j->rq.req.argv,
				       map_path, j, argv, why, sizeof(why));
	proxy_filter_release(&f);
	if (r == -EPERM)
		return uc_fail(err, UC_PERMISSION, "%s: %s", j->cmd->alias, why);
	return r < 0 ? uc_fail(err, UC_INTERNAL, "out of memory") : 0;
}

/* ---- running -------------------------------------------------------------- */

static bool setid_program(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && (st.st_mode & (S_ISUID | S_ISGID));
}

static pid_t start(struct job *j, struct strv *argv, struct strv *env, struct uc_error *err)
{
	gid_t groups[MAX_GROUPS];
	int ng = users_groups(j->cfg, &j->caller, groups, MAX_GROUPS);
	_cleanup_close_ int cwd = cwd_fd(j);
	const struct uc_user *ru = j->have_runas ? &j->runas : &j->caller;
	struct proxy_spawn s = {
	    .path = j->cmd->path,
	    .argv = argv->v,
	    .envp = env->v,
	    .fds = {j->rq.fds[0], j->rq.fds[1], j->rq.fds[2]},
	    .cwdfd = cwd,
	    .ruid = j->caller.uid,
	    .euid = ru->uid,
	    .rgid = j->caller.gid,
	    .egid = ru->gid,
	    .groups = groups,
	    .ngroups = ng,
	    .lim = j->peer.lim,
	    /* another user's ids are what the exec must keep; a setuid or
	     * setgid program needs its bits (crontab): both are what the host
	     * would run for her anyway */
	    .no_new_privs = !j->have_runas && !setid_program(j->cmd->path),
	    .keep = j->keep,
	    .nkeep = j->nkeep,
	};
	if (cwd < 0)
		return uc_fail_errno(err, errno, "%s's home", j->caller.name);
	char msg[400];
	pid_t pid = proxy_spawn(&s, msg, sizeof(msg));
	if (pid < 0)
		return uc_fail(err, pid == -ENOENT ? UC_NOTFOUND : UC_INTERNAL, "%s", msg);
	return pid;
}

static bool forwarded(int sig)
{
	/* the wrapper's list (proxy/wrapper.c, doc/proxy.md) */
	static const int ok[] = {SIGHUP,  SIGINT,  SIGQUIT,  SIGTERM, SIGUSR1,
				 SIGUSR2, SIGALRM, SIGWINCH, SIGCONT};
	for (size_t i = 0; i < UC_ARRAY_SIZE(ok); i++)
		if (ok[i] == sig)
			return true;
	return false;
}

/* To the command itself, through its pidfd: not to its process group,
 * whose members may run with other ids (exim's delivery processes), which
 * root's kill would reach past the kernel's permission check (review
 * finding). */
static void signal_job(int pfd, pid_t pid, int sig)
{
	if (pfd < 0 || syscall(SYS_pidfd_send_signal, pfd, sig, NULL, 0) < 0)
		kill(pid, sig);
}

/* Relay the caller's signals until the command ends; its wait status. */
static int relay(int conn, pid_t pid)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	bool hung = false;
	for (;;) {
		struct pollfd p[2] = {{pfd, POLLIN, 0}, {hung ? -1 : conn, POLLIN, 0}};
		if (poll(p, 2, pfd < 0 ? 100 : -1) < 0 && errno != EINTR)
			break;
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			if (pfd >= 0)
				close(pfd);
			return st;
		}
		if (p[1].revents & POLLIN) {
			struct proxy_msg m;
			ssize_t n = recv(conn, &m, sizeof(m), MSG_DONTWAIT);
			if (n == (ssize_t)sizeof(m) && m.magic == PROXY_MAGIC &&
			    m.type == PXM_SIGNAL && forwarded(m.value))
				signal_job(pfd, pid, m.value);
			else if (n == 0)
				p[1].revents |= POLLHUP;
		}
		if (!hung && (p[1].revents & (POLLHUP | POLLERR))) {
			hung = true; /* the caller is gone: as a terminal hangup */
			signal_job(pfd, pid, SIGHUP);
		}
	}
	int st = 0;
	waitpid(pid, &st, 0);
	return st;
}

int proxy_serve(const struct uc_config *cfg, int conn, struct uc_error *errp)
{
	struct job j = {.cfg = cfg, .homefd = -1, .rq = {.fds = {-1, -1, -1}}};
	struct uc_error err = {0};
	struct proxy_commands cmds = {0};
	struct strv argv = STRV_INIT, env = STRV_INIT;
	int code = 0;
	/* the request first: a refusal then always reaches a wrapper that is
	 * done sending */
	if (recv_request(conn, &j.rq, &err) < 0 ||
	    proxy_peer_identify(cfg, conn, &j.peer, &err) < 0) {
		code = refuse(conn, &err);
		goto out;
	}
	if (proxy_commands_load(cfg, &cmds, &err) < 0) {
		code = admin_error(conn);
		goto out;
	}
	j.cmd = *j.rq.req.alias ? proxy_commands_find(&cmds, j.rq.req.alias, NULL)
				: proxy_commands_find_exe(&cmds, cfg->sysroot, j.rq.req.exe);
	if (!j.cmd) {
		uc_fail(&err, UC_NOTFOUND, "no proxied command %s",
			*j.rq.req.alias ? j.rq.req.alias : j.rq.req.exe);
		code = refuse(conn, &err);
		goto out;
	}
	pid_t pid = -1;
	int r = find_users(&j, &err);
	if (r == 0 && (r = build_argv(&j, &argv, &err)) == -ENOEXEC) {
		code = admin_error(conn);
		goto out;
	}
	if (r < 0 || build_env(&j, &env) < 0 || (pid = start(&j, &argv, &env, &err)) < 0) {
		code = refuse(conn, &err);
		goto out;
	}
	for (int i = 0; i < 3; i++) { /* the command holds them now */
		close(j.rq.fds[i]);
		j.rq.fds[i] = -1;
	}
	proxy_msg_send(conn, PXM_EXIT, relay(conn, pid), NULL);
out:
	for (int i = 0; i < j.nkeep; i++)
		close(j.keep[i]);
	if (j.homefd >= 0)
		close(j.homefd);
	strv_clear(&argv);
	strv_clear(&env);
	proxy_commands_release(&cmds);
	request_release(&j.rq);
	proxy_peer_release(&j.peer);
	user_release(&j.caller);
	if (j.have_runas)
		user_release(&j.runas);
	*errp = err;
	return code;
}
