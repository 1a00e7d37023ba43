/* unicage-proxyexec: the one wrapper `unicage update` puts in the skeleton
 * at the path of every proxied command (doc/proxy.md). Static, libc only.
 *
 * Run by a command's name (/usr/bin/passwd in the cage), it asks
 * unicage-proxyd to run that command outside the cage: it sends its own
 * path (/proc/self/exe), its arguments, cwd and a few environment
 * variables, and its fds 0-2 as descriptors; it forwards the signals it
 * gets and ends as the command ended (its exit status, or the same
 * signal). Run as `unicage-proxyexec ALIAS ARGS...` it names the alias
 * itself. Nothing it sends says who the caller is: the daemon asks the
 * kernel.
 *
 * `crontab -e` is the one command done partly here: the editor must run in
 * the cage, on a copy in the cage's /tmp; `crontab -l` and the install
 * (`crontab -`, the copy on stdin) go through the daemon. `crontab FILE`
 * likewise sends FILE (opened in the cage) on stdin. */
#include "proxy/proto.h"

#include "lib/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define ME "unicage-proxyexec"

static int sigpipe_w = -1;
static const int forwarded[] = {SIGHUP,	 SIGINT,  SIGQUIT,  SIGTERM, SIGUSR1,
				SIGUSR2, SIGALRM, SIGWINCH, SIGCONT};
static const char *const env_sent[] = {"TERM=", "LANG=", "LC_", "TZ=", "COLUMNS=", "LINES=", NULL};

extern char **environ;

static void on_signal(int sig)
{
	int e = errno;
	unsigned char b = (unsigned char)sig;
	if (write(sigpipe_w, &b, 1) < 0) {
		/* the pipe is full: the signal is dropped */
	}
	errno = e;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path));
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

/* /run/unicage/proxy (overlay mode), else /dev/unicage-proxy (bind mode) */
static int connect_daemon(void)
{
	const char *path = getenv("UNICAGE_PROXY_SOCKET"); /* tests; who calls is the kernel's */
	if (path && *path)
		return connect_to(path);
	int fd = connect_to(PROXY_SOCKET_IN_CAGE);
	return fd == -ENOENT ? connect_to(PROXY_SOCKET_BIND_MODE) : fd;
}

static int send_request(int sock, const char *alias, const char *exe, int argc, char **argv,
			const int fds[3])
{
	static char buf[PROXY_MAX_REQUEST];
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)))
		snprintf(cwd, sizeof(cwd), "/");
	char *envp[64];
	int envc = 0;
	for (char **e = environ; e && *e && envc < 64; e++)
		for (size_t k = 0; env_sent[k]; k++)
			if (!strncmp(*e, env_sent[k], strlen(env_sent[k])) && envc < 64) {
				envp[envc++] = *e;
				break;
			}
	long n = proxy_request_encode(buf, sizeof(buf), alias, exe, cwd, argc, argv, envc, envp);
	if (n < 0)
		return (int)n;
	union {
		char b[CMSG_SPACE(3 * sizeof(int))];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof(u));
	struct iovec iov = {buf, (size_t)n};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof(u.b)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(3 * sizeof(int));
	memcpy(CMSG_DATA(c), fds, 3 * sizeof(int));
	return sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* The daemon's answer: a wait status (PXM_EXIT) or an exit code made into
 * one (PXM_ERROR, printed). */
static int await(int sock, int sigr)
{
	for (;;) {
		struct pollfd p[2] = {{sock, POLLIN, 0}, {sigr, POLLIN, 0}};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents & POLLIN) {
			unsigned char b;
			if (read(sigr, &b, 1) == 1)
				proxy_msg_send(sock, PXM_SIGNAL, b, NULL);
		}
		if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		char buf[sizeof(struct proxy_msg) + PROXY_MAX_TEXT + 1];
		ssize_t n = recv(sock, buf, sizeof(buf) - 1, 0);
		struct proxy_msg m;
		if (n < (ssize_t)sizeof(m))
			break;
		memcpy(&m, buf, sizeof(m));
		if (m.magic != PROXY_MAGIC)
			break;
		if (m.type == PXM_EXIT)
			return m.value;
		if (m.type == PXM_ERROR) {
			buf[n] = '\0';
			fprintf(stderr, ME ": %s\n", buf + sizeof(m));
			return (m.value & 0xff) << 8;
		}
	}
	fprintf(stderr, ME ": the proxy daemon hung up\n");
	return 1 << 8;
}

static int nullfd(void)
{
	return open("/dev/null", O_RDWR | O_CLOEXEC);
}

/* One proxied run with these descriptors: its wait status. */
static int proxied(const char *alias, const char *exe, int argc, char **argv, const int fds[3])
{
	static int sp[2] = {-1, -1};
	if (sp[0] < 0) {
		if (pipe2(sp, O_CLOEXEC | O_NONBLOCK) < 0)
			return 1 << 8;
		sigpipe_w = sp[1];
		struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESTART};
		for (size_t i = 0; i < UC_ARRAY_SIZE(forwarded); i++)
			sigaction(forwarded[i], &sa, NULL);
	}
	int sock = connect_daemon();
	if (sock < 0) {
		fprintf(stderr, ME ": cannot reach the proxy daemon at %s: %s\n",
			PROXY_SOCKET_IN_CAGE, strerror(-sock));
		return 1 << 8;
	}
	int use[3], opened[3] = {-1, -1, -1};
	for (int i = 0; i < 3; i++) {
		use[i] = fds[i];
		if (fcntl(use[i], F_GETFD) < 0) /* a closed fd travels as /dev/null */
			use[i] = opened[i] = nullfd();
	}
	int r = send_request(sock, alias, exe, argc, argv, use);
	for (int i = 0; i < 3; i++)
		if (opened[i] >= 0)
			close(opened[i]);
	if (r < 0 && r != -EPIPE) {
		fprintf(stderr, ME ": sending the request: %s\n", strerror(-r));
		close(sock);
		return 1 << 8;
	}
	/* EPIPE: the daemon answered already (a refusal): it is queued */
	int st = await(sock, sp[0]);
	close(sock);
	return st;
}

/* ---- crontab -e and crontab FILE ---------------------------------------- */

static int read_all(int fd, char **out, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *b = malloc(cap);
	ssize_t r;
	if (!b || lseek(fd, 0, SEEK_SET) < 0)
		return free(b), -1;
	while ((r = read(fd, b + n, cap - n)) > 0) {
		n += (size_t)r;
		if (n == cap) {
			char *nb = cap < (1u << 24) ? realloc(b, cap *= 2) : NULL;
			if (!nb)
				return free(b), -1;
			b = nb;
		}
	}
	*out = b;
	*len = n;
	return r < 0 ? (free(b), -1) : 0;
}

static int run_editor(const char *file)
{
	const char *ed = getenv("VISUAL");
	if (!ed || !*ed)
		ed = getenv("EDITOR");
	if (!ed || !*ed)
		ed = "vi";
	char cmd[4096];
	snprintf(cmd, sizeof(cmd), "%s \"$1\"", ed);
	pid_t p = fork();
	if (p == 0) {
		execl("/bin/sh", "sh", "-c", cmd, "sh", file, (char *)NULL);
		_exit(127);
	}
	int st = 0;
	while (p > 0 && waitpid(p, &st, 0) < 0 && errno == EINTR)
		;
	return p < 0 ? -1 : st;
}

static int crontab_edit(const char *alias, const char *exe)
{
	char tmp[] = "/tmp/crontab.XXXXXX";
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "crontab: /tmp: %s\n", strerror(errno));
		return 1 << 8;
	}
	int nul = nullfd();
	char *l[] = {"crontab", "-l", NULL};
	int fds[3] = {nul, fd, nul};
	if (proxied(alias, exe, 2, l, fds) != 0 && ftruncate(fd, 0) < 0) /* none yet: empty */
		fprintf(stderr, "crontab: %s: %s\n", tmp, strerror(errno));
	char *before = NULL, *after = NULL;
	size_t nb = 0, na = 0;
	int st = read_all(fd, &before, &nb) < 0 ? -1 : run_editor(tmp);
	close(fd);
	fd = open(tmp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC); /* the editor may have renamed */
	if (st != 0 || fd < 0 || read_all(fd, &after, &na) < 0) {
		fprintf(stderr, "crontab: the editor failed; the crontab is unchanged (%s kept)\n",
			tmp);
		st = 1 << 8;
	} else if (na == nb && !memcmp(before, after, na)) {
		fprintf(stderr, "crontab: no changes made to crontab\n");
		unlink(tmp);
	} else {
		char *in[] = {"crontab", "-", NULL};
		int f2[3] = {fd, 1, 2};
		lseek(fd, 0, SEEK_SET);
		st = proxied(alias, exe, 2, in, f2);
		if (st == 0)
			unlink(tmp);
	}
	free(before);
	free(after);
	if (fd >= 0)
		close(fd);
	close(nul);
	return st;
}

/* crontab with -e, or with one FILE: done here; else -1. */
static int crontab_special(const char *alias, const char *exe, int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "-e"))
		return crontab_edit(alias, exe);
	if (argc == 2 && argv[1][0] != '-') {
		int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "crontab: %s: %s\n", argv[1], strerror(errno));
			return 1 << 8;
		}
		char *in[] = {"crontab", "-", NULL};
		int fds[3] = {fd, 1, 2};
		int st = proxied(alias, exe, 2, in, fds);
		close(fd);
		return st;
	}
	return -1;
}

/* End as the command ended. */
static int finish(int st)
{
	if (WIFSIGNALED(st)) {
		int sig = WTERMSIG(st);
		struct rlimit none = {0, 0};
		setrlimit(RLIMIT_CORE, &none); /* the command dumped (or not); we don't */
		signal(sig, SIG_DFL);
		sigset_t s;
		sigemptyset(&s);
		sigaddset(&s, sig);
		sigprocmask(SIG_UNBLOCK, &s, NULL);
		raise(sig);
		return 128 + sig;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

int main(int argc, char **argv)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		fprintf(stderr, ME ": /proc/self/exe: %s\n", strerror(errno));
		return 1;
	}
	exe[n] = '\0';
	const char *base = strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe;
	const char *alias = "";
	if (!strcmp(base, ME)) {
		if (argc < 2 || argv[1][0] == '-') {
			fprintf(stderr, "usage: " ME " ALIAS [ARGS...]\n"
					"  (installed as a proxied command, it is that command)\n");
			return 3;
		}
		alias = argv[1];
		argv++;
		argc--;
	}
	if (!strcmp(*alias ? alias : base, "crontab")) {
		int st = crontab_special(alias, exe, argc, argv);
		if (st != -1)
			return finish(st);
	}
	int fds[3] = {0, 1, 2};
	return finish(proxied(alias, exe, argc, argv, fds));
}
