/* t-enter.sh's probe, built static by the test and run inside a cage:
 *   enter-probe handle|sockdiag|userns|tiocsti|session|fds|findkey|connect NAME|listen NAME
 *   enter-probe addkey CMD...   (on the host: a key in a new session keyring, then CMD)
 * Prints "<what>: ok" or "<what>: <errno name>" and exits 0. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <linux/netlink.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

static int say(const char *what, long r)
{
	printf("%s: %s\n", what, r < 0 ? strerrorname_np(errno) : "ok");
	return 0;
}

static socklen_t abstract(struct sockaddr_un *a, const char *name)
{
	*a = (struct sockaddr_un){.sun_family = AF_UNIX};
	memcpy(a->sun_path + 1, name, strlen(name));
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";
	struct sockaddr_un a;
	if (!strcmp(m, "handle")) {
		struct {
			struct file_handle h;
			unsigned char b[128];
		} fh = {.h.handle_bytes = 128};
		int fd = open("/etc", O_RDONLY | O_DIRECTORY);
		return say("open_by_handle_at", syscall(SYS_open_by_handle_at, fd, &fh.h, O_RDONLY));
	}
	if (!strcmp(m, "sockdiag"))
		return say("sock_diag", socket(AF_NETLINK, SOCK_RAW, NETLINK_SOCK_DIAG));
	if (!strcmp(m, "userns"))
		return say("unshare(CLONE_NEWUSER)", unshare(CLONE_NEWUSER));
	if (!strcmp(m, "tiocsti")) {
		const char *s = "echo INJECTED\n";
		long r = 0;
		for (; *s && r == 0; s++)
			r = ioctl(0, TIOCSTI, s);
		return say("TIOCSTI", r);
	}
	if (!strcmp(m, "session")) {
		printf("session leader: %s, terminal: %s\n", getsid(0) == getpid() ? "yes" : "no",
		       open("/dev/tty", O_RDWR) >= 0 ? "yes" : "no");
		return 0;
	}
	if (!strcmp(m, "fds")) {
		for (int fd = 0; fd < 64; fd++)
			if (fcntl(fd, F_GETFD) >= 0)
				printf("%d ", fd);
		printf("\n");
		return 0;
	}
	if (!strcmp(m, "addkey") && argc > 2) {
		syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, "t-enter");
		if (syscall(SYS_add_key, "user", "t-enter-secret", "s3cret", 6,
			    KEY_SPEC_SESSION_KEYRING) < 0)
			return say("add_key", -1);
		execvp(argv[2], argv + 2);
		return say("exec", -1);
	}
	if (!strcmp(m, "findkey"))
		return say("key", syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_SESSION_KEYRING, "user",
					  "t-enter-secret", 0));
	if (!strcmp(m, "connect") && argc > 2) {
		int s = socket(AF_UNIX, SOCK_STREAM, 0);
		socklen_t len = abstract(&a, argv[2]);
		return say("connect", connect(s, (struct sockaddr *)&a, len));
	}
	if (!strcmp(m, "listen") && argc > 2) {
		int s = socket(AF_UNIX, SOCK_STREAM, 0);
		socklen_t len = abstract(&a, argv[2]);
		if (bind(s, (struct sockaddr *)&a, len) < 0 || listen(s, 8) < 0)
			return say("listen", -1);
		for (;;)
			pause();
	}
	fprintf(stderr, "enter-probe: unknown probe '%s'\n", m);
	return 2;
}
