/* Streaming SHA-256 (librpmio's digest API, as objkey): for archives. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	void *ctx;
};

int sha256_begin(struct sha256 *h);
void sha256_update(struct sha256 *h, const void *data, size_t len);
/* The digest as 64 lowercase hex digits (+ NUL); h is finished. */
void sha256_end_hex(struct sha256 *h, char hex[65]);
/* SHA-256 of the first `limit` bytes of fd (limit < 0: all of it), read
 * with pread from offset 0; *bytes (may be NULL): how many were read. 0 or
 * -errno. */
int sha256_fd_hex(int fd, int64_t limit, char hex[65], uint64_t *bytes);
/* The same, also handing every block read to each(arg, block, len): one
 * read of the file for the digest and whatever else the caller sums. */
int sha256_fd_hex_each(int fd, int64_t limit, char hex[65], uint64_t *bytes,
		       void (*each)(void *arg, const void *block, size_t len), void *arg);
