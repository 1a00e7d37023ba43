#include "lib/sha256.h"

#include <errno.h>
#include <rpm/rpmpgp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	void *d = NULL;
	size_t len = 0;
	rpmDigestFinal(h->ctx, &d, &len, 0);
	h->ctx = NULL;
	for (size_t i = 0; i < len && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", ((const uint8_t *)d)[i]);
	hex[64] = '\0';
	free(d);
}
