#include "lib/sha256.h"

#include <errno.h>
#include <rpm/rpmpgp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int sha256_begin(struct sha256 *h)
{
	h->ctx = rpmDigestInit(PGPHASHALGO_SHA256, RPMDIGEST_NONE);
	return h->ctx ? 0 : -ENOMEM;
}

void sha256_update(struct sha256 *h, const void *data, size_t len)
{
	rpmDigestUpdate(h->ctx, data, len);
}

void sha256_end_hex(struct sha256 *h, char hex[65])
{
	char *d = NULL;
	size_t len = 0;
	/* librpm's own hex (asAscii): no printf per byte */
	rpmDigestFinal(h->ctx, (void **)&d, &len, 1);
	h->ctx = NULL;
	snprintf(hex, 65, "%s", d && len >= 64 ? d : "");
	free(d);
}

int sha256_fd_hex(int fd, int64_t limit, char hex[65], uint64_t *bytes)
{
	return sha256_fd_hex_each(fd, limit, hex, bytes, NULL, NULL);
}

int sha256_fd_hex_each(int fd, int64_t limit, char hex[65], uint64_t *bytes,
		       void (*each)(void *arg, const void *block, size_t len), void *arg)
{
	struct sha256 h;
	if (sha256_begin(&h) < 0)
		return -ENOMEM;
	char buf[1 << 16];
	ssize_t n = 0;
	int64_t off = 0;
	while (limit < 0 || off < limit) {
		size_t want = limit < 0 || limit - off > (int64_t)sizeof(buf)
				  ? sizeof(buf)
				  : (size_t)(limit - off);
		if ((n = pread(fd, buf, want, off)) <= 0)
			break;
		sha256_update(&h, buf, (size_t)n);
		if (each)
			each(arg, buf, (size_t)n);
		off += n;
	}
	int r = n < 0 ? -errno : 0;
	sha256_end_hex(&h, hex);
	if (bytes)
		*bytes = (uint64_t)off;
	return r;
}
