/* The export archive's manifest (export/xman.c): parsed or refused naming
 * UNICAGE-MANIFEST:LINE; what parses formats to a text that parses again
 * to the same text (a format and its parser agree). */
#include "tests/fuzz/fuzz.h"

#include "export/xman.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xman m, m2;
	struct uc_error err = {0};
	int r = xman_parse(&m, (const char *)data, size, &err);
	FUZZ_ASSERT(r == 0 || strncmp(err.msg, XMAN_NAME, strlen(XMAN_NAME)) == 0);
	if (r == 0) {
		for (size_t i = 0; i < m.paths.n; i++)
			FUZZ_ASSERT(m.paths.v[i][0] && strncmp(m.paths.v[i], "../", 3) &&
				    m.paths.v[i][0] != '/');
		char *t1 = NULL, *t2 = NULL;
		size_t l1 = 0, l2 = 0;
		FUZZ_ASSERT(xman_format(&m, &t1, &l1) == 0);
		int r2 = xman_parse(&m2, t1, l1, &err);
		if (r2 != 0)
			fprintf(stderr, "written back, refused: %s\n", err.msg);
		FUZZ_ASSERT(r2 == 0);
		FUZZ_ASSERT(xman_format(&m2, &t2, &l2) == 0);
		FUZZ_ASSERT(l1 == l2 && memcmp(t1, t2, l1) == 0);
		free(t1);
		free(t2);
		xman_release(&m2);
	}
	xman_release(&m);
	return 0;
}
