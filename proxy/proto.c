/* The request and message encoding (proxy/proto.h). */
#include "proxy/proto.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

static int take_string(const char *buf, size_t len, size_t *at, const char **out)
{
	const char *nul = *at < len ? memchr(buf + *at, '\0', len - *at) : NULL;
	if (!nul)
		return -EINVAL;
	*out = buf + *at;
	*at = (size_t)(nul - buf) + 1;
	return 0;
}

int proxy_request_parse(const char *buf, size_t len, struct proxy_request *req)
{
	struct proxy_req_hdr h;
	if (len < sizeof(h))
		return -EINVAL;
	memcpy(&h, buf, sizeof(h));
	if (h.magic != PROXY_MAGIC || h.version != PROXY_VERSION || h.argc == 0 ||
	    h.argc > PROXY_MAX_ARGS || h.envc > PROXY_MAX_ARGS)
		return -EINVAL;
	size_t at = sizeof(h);
	if (take_string(buf, len, &at, &req->alias) < 0 ||
	    take_string(buf, len, &at, &req->exe) < 0 || take_string(buf, len, &at, &req->cwd) < 0)
		return -EINVAL;
	req->argc = h.argc;
	req->envc = h.envc;
	for (uint32_t i = 0; i < h.argc; i++)
		if (take_string(buf, len, &at, &req->argv[i]) < 0)
			return -EINVAL;
	for (uint32_t i = 0; i < h.envc; i++)
		if (take_string(buf, len, &at, &req->envp[i]) < 0)
			return -EINVAL;
	req->argv[h.argc] = NULL;
	req->envp[h.envc] = NULL;
	return at == len ? 0 : -EINVAL;
}

static int put_string(char *buf, size_t size, size_t *at, const char *s)
{
	size_t n = strlen(s) + 1;
	if (*at + n > size)
		return -E2BIG;
	memcpy(buf + *at, s, n);
	*at += n;
	return 0;
}

long proxy_request_encode(char *buf, size_t size, const char *alias, const char *exe,
			  const char *cwd, int argc, char *const *argv, int envc, char *const *envp)
{
	if (argc <= 0 || argc > PROXY_MAX_ARGS || envc < 0 || envc > PROXY_MAX_ARGS ||
	    size < sizeof(struct proxy_req_hdr))
		return -E2BIG;
	struct proxy_req_hdr h = {PROXY_MAGIC, PROXY_VERSION, (uint32_t)argc, (uint32_t)envc};
	memcpy(buf, &h, sizeof(h));
	size_t at = sizeof(h);
	if (put_string(buf, size, &at, alias) < 0 || put_string(buf, size, &at, exe) < 0 ||
	    put_string(buf, size, &at, cwd) < 0)
		return -E2BIG;
	for (int i = 0; i < argc; i++)
		if (put_string(buf, size, &at, argv[i]) < 0)
			return -E2BIG;
	for (int i = 0; i < envc; i++)
		if (put_string(buf, size, &at, envp[i]) < 0)
			return -E2BIG;
	return (long)at;
}

int proxy_msg_send(int fd, uint32_t type, int32_t value, const char *text)
{
	char buf[sizeof(struct proxy_msg) + PROXY_MAX_TEXT];
	size_t n = text ? strnlen(text, PROXY_MAX_TEXT) : 0;
	struct proxy_msg m = {PROXY_MAGIC, type, value, (uint32_t)n};
	memcpy(buf, &m, sizeof(m));
	if (n)
		memcpy(buf + sizeof(m), text, n);
	ssize_t w = send(fd, buf, sizeof(m) + n, MSG_NOSIGNAL);
	return w < 0 ? -errno : 0;
}
