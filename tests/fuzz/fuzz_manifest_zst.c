/* manifest.zst as stored (skel/manifest.c): any bytes are read or refused
 * as damaged, in bounded memory and time (a small file that expands to
 * gigabytes is refused, not decompressed whole). */
#include "tests/fuzz/fuzz.h"

#include "skel/manifest.h"

static int count(const struct manifest_rec *r, void *arg)
{
	FUZZ_ASSERT(r->path[0] == '/');
	++*(size_t *)arg;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int dfd = fuzz_dir();
	fuzz_put(dfd, "manifest.zst", data, size);
	char gen[64];
	size_t n = 0;
	struct uc_error err = {0};
	int r = manifest_read(dfd, gen, count, &n, &err);
	FUZZ_ASSERT(r == 0 || (err.kind == UC_BADREQUEST && strstr(err.msg, "manifest.zst")));
	FUZZ_ASSERT(r == 0 || n == 0); /* nothing used before the whole file is checked */
	return 0;
}
