/* Streaming SHA-256 (librpmio's digest API, as objkey): for archives. */
#pragma once

#include <stddef.h>

struct sha256 {
	void *ctx;
};

int sha256_begin(struct sha256 *h);
void sha256_update(struct sha256 *h, const void *data, size_t len);
/* The digest as 64 lowercase hex digits (+ NUL); h is finished. */
void sha256_end_hex(struct sha256 *h, char hex[65]);
