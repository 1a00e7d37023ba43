/* The decompressed manifest (skel/manifest.c): the input is the text before
 * the checksum line; the target appends the right checksum and compresses
 * it, so every input reaches the record parser. Read or refused, never a
 * crash; records taken have absolute paths and ids that fit. */
#include "tests/fuzz/fuzz.h"

#include "lib/sha256.h"
#include "skel/manifest.h"

#include <zstd.h>

static int check(const struct manifest_rec *r, void *arg)
{
	FUZZ_ASSERT(r->path[0] == '/');
	FUZZ_ASSERT(strchr("fdlcbps", r->type) && r->type);
	FUZZ_ASSERT(r->mode <= 07777);
	++*(size_t *)arg;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sha256 h;
	char hex[65], tail[96];
	if (sha256_begin(&h) < 0)
		abort();
	sha256_update(&h, data, size);
	sha256_end_hex(&h, hex);
	int tn = snprintf(tail, sizeof(tail), "checksum sha256 %s\n", hex);
	size_t plain_len = size + (size_t)tn;
	uint8_t *plain = malloc(plain_len);
	size_t zcap = ZSTD_compressBound(plain_len);
	uint8_t *z = malloc(zcap);
	if (!plain || !z)
		abort();
	memcpy(plain, data, size);
	memcpy(plain + size, tail, (size_t)tn);
	size_t zn = ZSTD_compress(z, zcap, plain, plain_len, 1);
	if (ZSTD_isError(zn))
		abort();
	int dfd = fuzz_dir();
	fuzz_put(dfd, "manifest.zst", z, zn);
	free(plain);
	free(z);
	char gen[64];
	size_t n = 0;
	struct uc_error err = {0};
	int r = manifest_read(dfd, gen, check, &n, &err);
	FUZZ_ASSERT(r == 0 || (err.kind == UC_BADREQUEST && strstr(err.msg, "manifest.zst")));
	FUZZ_ASSERT(r == 0 || n == 0);
	return 0;
}
