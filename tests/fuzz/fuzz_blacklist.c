/* black.list (skel/conf.c) and its patterns (skel/wanted.c): parsed or
 * refused naming file:line, no entry twice; a plain path listed excludes
 * itself and what is below it, and matching any path terminates. */
#include "tests/fuzz/fuzz.h"

#include "skel/conf.h"
#include "skel/wanted.h"

#include <limits.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strv black = STRV_INIT;
	struct uc_error err = {0};
	FILE *f = fuzz_file(data, size);
	int r = skel_list_parse(&black, f, "black.list", true, &err);
	fclose(f);
	FUZZ_ASSERT(r == 0 || strncmp(err.msg, "black.list:", 11) == 0);
	static const char *const probes[] = {"/", "/etc", "/etc/passwd", "/usr/bin/x", "/a/b/c"};
	for (size_t i = 0; r == 0 && i < sizeof(probes) / sizeof(probes[0]); i++)
		(void)wanted_blacklisted(&black, probes[i]);
	for (size_t i = 0; r == 0 && i < black.n; i++) {
		const char *p = black.v[i];
		for (size_t j = 0; j < i; j++)
			FUZZ_ASSERT(strcmp(black.v[j], p) != 0);
		if (strpbrk(p, "*?[\\"))
			continue;
		struct strv one = {.v = (char **)&black.v[i], .n = 1};
		char below[PATH_MAX + 8];
		snprintf(below, sizeof(below), "%s/x", p);
		FUZZ_ASSERT(wanted_blacklisted(&one, p));
		FUZZ_ASSERT(strlen(p) + 2 >= PATH_MAX || wanted_blacklisted(&one, below));
	}
	strv_clear(&black);
	return 0;
}
