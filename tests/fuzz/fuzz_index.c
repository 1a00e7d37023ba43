/* A generation's index (skel/index.c): read or refused (UC_BADREQUEST, and
 * update then reads every file again); an entry taken has a class the
 * skeleton knows and a key that is 64 hex digits or none. */
#include "tests/fuzz/fuzz.h"

#include "skel/index.h"

#include <ctype.h>

static bool key_ok(const char *k)
{
	if (!k[0])
		return true;
	for (size_t i = 0; i < 64; i++)
		if (!isxdigit((unsigned char)k[i]))
			return false;
	return k[64] == '\0';
}

static int each(void *ctx, const struct idx_ent *e)
{
	FUZZ_ASSERT(key_ok(e->key) && e->cls && strchr("sc-xw", e->cls));
	++*(size_t *)ctx;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int dfd = fuzz_dir();
	fuzz_put(dfd, "index", data, size);
	struct skel_index ix;
	struct uc_error err = {0};
	int r = index_read(&ix, dfd, &err);
	FUZZ_ASSERT(r == 0 || err.kind == UC_BADREQUEST);
	for (size_t i = 0; r == 0 && i < ix.n; i++) {
		size_t one = 0;
		each(&one, &ix.v[i]);
		FUZZ_ASSERT(index_find(&ix, ix.v[i].path) != NULL);
	}
	size_t n = 0;
	int r2 = index_each(dfd, each, &n, &err);
	FUZZ_ASSERT((r == 0) == (r2 == 0));
	FUZZ_ASSERT(r != 0 || n == ix.n);
	index_release(&ix);
	return 0;
}
