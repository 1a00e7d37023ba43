/* A hand-made client of unicage-proxyd for tests/integration/t-proxy.sh:
 * sends the request it is told (alias, cwd, environment, arguments) with
 * fds 0-2, prints the answer: "exit N", "signal N" or "error N: text".
 *   uc-proxy-client ALIAS CWD [ENV=VALUE...] -- ARGS...
 * What a caller that does not use the wrapper can send. */
#include "proxy/proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 4)
		return 3;
	int i = 3;
	char **env = argv + 3;
	while (i < argc && strcmp(argv[i], "--"))
		i++;
	int envc = i - 3;
	if (i >= argc - 1)
		return 3;
	static char buf[PROXY_MAX_REQUEST];
	long n = proxy_request_encode(buf, sizeof(buf), argv[1], "/nonexistent", argv[2],
				      argc - i - 1, argv + i + 1, envc, env);
	const char *path = getenv("UNICAGE_PROXY_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path ? path : PROXY_SOCKET_IN_CAGE);
	int s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (n < 0 || s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return perror("connect"), 1;
	union {
		char b[CMSG_SPACE(3 * sizeof(int))];
		struct cmsghdr a;
	} u = {0};
	int fds[3] = {0, 1, 2};
	struct iovec iov = {buf, (size_t)n};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
			    .msg_controllen = sizeof(u.b)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(c), fds, sizeof(fds));
	sendmsg(s, &mh, MSG_NOSIGNAL);
	char rb[sizeof(struct proxy_msg) + PROXY_MAX_TEXT + 1];
	ssize_t r = recv(s, rb, sizeof(rb) - 1, 0);
	struct proxy_msg m;
	if (r < (ssize_t)sizeof(m))
		return puts("hangup"), 1;
	memcpy(&m, rb, sizeof(m));
	rb[r] = '\0';
	if (m.type == PXM_ERROR)
		printf("error %d: %s\n", m.value, rb + sizeof(m));
	else if (WIFSIGNALED(m.value))
		printf("signal %d\n", WTERMSIG(m.value));
	else
		printf("exit %d\n", WEXITSTATUS(m.value));
	return 0;
}
