/* The wire format between the in-cage wrapper (unicage-proxyexec) and
 * unicage-proxyd (doc/proxy.md, "Protocol"). libc only: the wrapper is a
 * small static binary.
 *
 * One SOCK_SEQPACKET connection per command. The wrapper sends one request
 * (a header, then NUL-terminated strings: alias, exe, cwd, argv..., env...)
 * with its fds 0, 1, 2 attached (SCM_RIGHTS), then PXM_SIGNAL messages for
 * the signals it receives. The daemon answers PXM_EXIT (the wait status)
 * or PXM_ERROR (a kind of DESIGN.md's exit codes and a message). Nothing
 * in a request says who the caller is: the daemon asks the kernel. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "lib/proxypaths.h"

#define PROXY_MAGIC 0x58504355u /* "UCPX" */
#define PROXY_VERSION 1u
#define PROXY_MAX_REQUEST (128 * 1024)
#define PROXY_MAX_ARGS 4096
#define PROXY_MAX_TEXT 1024

struct proxy_req_hdr {
	uint32_t magic, version;
	uint32_t argc, envc;
};

enum proxy_msg_type {
	PXM_SIGNAL = 1, /* wrapper -> daemon: value = signal number */
	PXM_EXIT = 2,	/* daemon -> wrapper: value = wait status */
	PXM_ERROR = 3,	/* daemon -> wrapper: value = exit code, text = why */
};

struct proxy_msg {
	uint32_t magic;
	uint32_t type;
	int32_t value;
	uint32_t len; /* bytes of text that follow */
};

/* A parsed request: pointers into the buffer it was parsed from. */
struct proxy_request {
	const char *alias; /* "" when the wrapper was run by its command's name */
	const char *exe;   /* the wrapper's own path in the cage (/proc/self/exe) */
	const char *cwd;
	uint32_t argc, envc;
	const char *argv[PROXY_MAX_ARGS + 1];
	const char *envp[PROXY_MAX_ARGS + 1];
};

/* buf[0..len) into req: 0, or -EINVAL (bad magic, version, counts or
 * strings: every string NUL-terminated inside the buffer, nothing after). */
int proxy_request_parse(const char *buf, size_t len, struct proxy_request *req);

/* Encode a request into buf (size bytes): its length, or -E2BIG. */
long proxy_request_encode(char *buf, size_t size, const char *alias, const char *exe,
			  const char *cwd, int argc, char *const *argv, int envc,
			  char *const *envp);

/* One message with text (may be NULL) on fd: 0 or -errno. */
int proxy_msg_send(int fd, uint32_t type, int32_t value, const char *text);
