/* unicage-proxyd: runs the few commands a cage cannot (passwd, crontab,
 * sendmail) outside every cage, for callers the kernel names
 * (doc/proxy.md). Root; one process per connection.
 *
 *   unicage-proxyd [--foreground] [-c FILE] [--socket PATH] [-v]
 */
#include "lib/config.h"
#include "lib/error.h"
#include "lib/log.h"
#include "proxy/listen.h"
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
#include <syslog.h>
#include <unistd.h>

static bool foreground;

static void say(int prio, const char *what, const char *msg)
{
	if (foreground)
		fprintf(stderr, "unicage-proxyd: %s%s\n", what, msg);
	else
		syslog(prio, "%s%s", what, msg);
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

static void serve_forever(const struct uc_config *cfg, int lfd, bool verbose)
{
	for (;;) {
		int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0) {
			if (errno != EINTR && errno != ECONNABORTED)
				say(LOG_ERR, "accept: ", strerror(errno));
			continue;
		}
		pid_t p = fork();
		if (p == 0) {
			close(lfd);
			signal(SIGCHLD, SIG_DFL);
			signal(SIGPIPE, SIG_IGN);
			struct uc_error err = {0};
			int code = proxy_serve(cfg, c, &err);
			if (code && verbose)
				say(LOG_NOTICE, "refused: ", err.msg);
			_exit(code);
		}
		if (p < 0)
			say(LOG_ERR, "fork: ", strerror(errno));
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
	/* serving processes are reaped by the kernel; each one waits for its
	 * own command */
	signal(SIGCHLD, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	if (!foreground) {
		openlog("unicage-proxyd", LOG_PID, LOG_DAEMON);
		if (detach() < 0)
			return 1;
	}
	serve_forever(&cfg, lfd, verbose);
	return 1;
}
