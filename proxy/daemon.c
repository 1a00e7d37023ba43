/* unicage-proxyd: runs the few commands a cage cannot (passwd, crontab,
 * sendmail) outside every cage, for callers the kernel names
 * (doc/proxy.md). Root; one process per connection.
 *
 *   unicage-proxyd [--foreground] [-c FILE] [--socket PATH] [-v]
 */
#include "lib/cleanup.h"
#include "lib/config.h"
#include "lib/error.h"
#include "lib/tsv.h"
#include "lib/log.h"
#include "proxy/listen.h"
#include "proxy/peer.h"
#include "proxy/proto.h"
#include "proxy/serve.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

static bool foreground;

/* Every line logged: what a caller chose (an alias, an argument, a path in
 * a refusal) goes through the project's one escaping (lib/tsv.h: no
 * control byte is left, a newline is \n, ESC \x1b), so she cannot forge a
 * line or reach the terminal of whoever reads the log. */
static void say(int prio, const char *what, const char *msg)
{
	char *esc = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&esc, &n);
	if (m) {
		tsv_put(m, msg);
		fclose(m);
	}
	if (!esc)
		msg = "(a message this process could not escape)";
	if (foreground)
		fprintf(stderr, "unicage-proxyd: %s%s\n", what, esc ? esc : msg);
	else
		syslog(prio, "%s%s", what, esc ? esc : msg);
	free(esc);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: unicage-proxyd [--foreground] [-c FILE] [--socket PATH] [-v]\n\n"
		"Runs the commands of proxy.commands for callers in cages.\n"
		"  --foreground    stay in the foreground, log to stderr (else: detach, syslog)\n"
		"  -c, --config    unicage.conf to use (also UNICAGE_CONFIG)\n"
		"  --socket PATH   listen there (default run_dir/proxy/proxyexec.sock;\n"
		"                  a socket from systemd, LISTEN_FDS, comes first)\n"
		"  -v              log every refusal\n");
}

static int detach(void)
{
	pid_t p = fork();
	if (p < 0)
		return -errno;
	if (p > 0)
		_exit(0);
	setsid();
	int n = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (n >= 0) {
		dup2(n, 0);
		dup2(n, 1);
		dup2(n, 2);
		close(n);
	}
	return chdir("/") < 0 ? -errno : 0;
}

/* Serving processes that run: at most MAX_PER_UID per caller's uid (a
 * caged user cannot fill the machine with root processes), MAX_KIDS in
 * all for callers in a cage, and MAX_UNCAGED for the others, counted
 * apart: a caller outside every cage is refused anyway, and her
 * connections (32 per uid, from as many uids as a host has) must not take
 * the places of caged users' (review finding: they did, before she was
 * refused). Which pool is the accept loop's cheap guess
 * (proxy_peer_caged); the serving process checks for real. Reaped before
 * each accept's count (SIGCHLD stays default: zombies wait for the next
 * connection, bounded by the same table). */
#define MAX_KIDS 1024
#define MAX_UNCAGED 64
#define MAX_PER_UID 32

struct kid {
	pid_t pid;
	uid_t uid;
	bool caged;
};
static struct kid kids[MAX_KIDS + MAX_UNCAGED];

static void reap(void)
{
	pid_t p;
	while ((p = waitpid(-1, NULL, WNOHANG)) > 0)
		for (size_t i = 0; i < UC_ARRAY_SIZE(kids); i++)
			if (kids[i].pid == p)
				kids[i].pid = 0;
}

static int uid_kids(uid_t uid)
{
	int n = 0;
	for (size_t i = 0; i < UC_ARRAY_SIZE(kids); i++)
		n += kids[i].pid && kids[i].uid == uid;
	return n;
}

/* A free slot for uid in its pool, or -1 when it or the pool has too many. */
static int kid_slot(uid_t uid, bool caged)
{
	int free_slot = -1, n = 0, pool = 0;
	for (int i = 0; i < (int)UC_ARRAY_SIZE(kids); i++) {
		if (!kids[i].pid) {
			if (free_slot < 0)
				free_slot = i;
			continue;
		}
		n += kids[i].uid == uid;
		pool += kids[i].caged == caged;
	}
	return n >= MAX_PER_UID || pool >= (caged ? MAX_KIDS : MAX_UNCAGED) ? -1 : free_slot;
}

static void serve_one(const struct uc_config *cfg, int lfd, int c, bool verbose)
{
	close(lfd);
	signal(SIGPIPE, SIG_IGN);
	struct uc_error err = {0};
	int code = proxy_serve(cfg, c, &err);
	if (code == UC_INTERNAL || (code && verbose))
		say(code == UC_INTERNAL ? LOG_ERR : LOG_NOTICE, "refused: ", err.msg);
	_exit(code);
}

static void serve_forever(const struct uc_config *cfg, int lfd, bool verbose)
{
	for (;;) {
		int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0) {
			if (errno != EINTR && errno != ECONNABORTED)
				say(LOG_ERR, "accept: ", strerror(errno));
			continue;
		}
		reap();
		struct ucred uc;
		socklen_t len = sizeof(uc);
		bool caged = false;
		int slot = -1;
		/* the uid's own count first: a uid over it costs the loop no
		 * lookup of its pid namespace */
		if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &uc, &len) == 0 &&
		    uid_kids(uc.uid) < MAX_PER_UID) {
			caged = proxy_peer_caged(cfg, c);
			slot = kid_slot(uc.uid, caged);
		}
		if (slot < 0) {
			proxy_msg_send(c, PXM_ERROR, UC_PERMISSION, "too many requests at once");
			close(c);
			continue;
		}
		pid_t p = fork();
		if (p == 0)
			serve_one(cfg, lfd, c, verbose);
		if (p < 0)
			say(LOG_ERR, "fork: ", strerror(errno));
		else
			kids[slot] = (struct kid){p, uc.uid, caged};
		close(c);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"foreground", no_argument, NULL, 'f'},   {"config", required_argument, NULL, 'c'},
	    {"socket", required_argument, NULL, 's'}, {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},	      {NULL, 0, NULL, 0}};
	const char *config = NULL, *sock = NULL;
	bool verbose = false;
	int o;
	while ((o = getopt_long(argc, argv, "c:vh", opts, NULL)) != -1) {
		switch (o) {
		case 'f':
			foreground = true;
			break;
		case 'c':
			config = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 3;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 3;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "unicage-proxyd: must run as root\n");
		return 2;
	}
	struct uc_config cfg;
	struct uc_error err = {0};
	uc_log_init(0);
	if (uc_config_init(&cfg) < 0 || uc_config_load(&cfg, config, &err) < 0) {
		fprintf(stderr, "unicage-proxyd: %s\n", err.msg);
		return err.kind ? (int)err.kind : 1;
	}
	int lfd = proxy_listen(&cfg, sock, &err);
	if (lfd < 0) {
		fprintf(stderr, "unicage-proxyd: %s\n", err.msg);
		return err.kind ? (int)err.kind : 1;
	}
	signal(SIGPIPE, SIG_IGN);
	if (!foreground) {
		openlog("unicage-proxyd", LOG_PID, LOG_DAEMON);
		if (detach() < 0)
			return 1;
	}
	serve_forever(&cfg, lfd, verbose);
	return 1;
}
