/* rpm.list (skel/conf.c): parsed or refused naming file:line; a name taken
 * is a package name (no blank, '/', control character or glob), none twice;
 * what skel_rpmlist_write writes reads back the same. */
#include "tests/fuzz/fuzz.h"

#include "skel/conf.h"

#include <ctype.h>

static void check_name(const char *n)
{
	FUZZ_ASSERT(*n && n[0] != '-');
	for (const char *c = n; *c; c++)
		FUZZ_ASSERT(!iscntrl((unsigned char)*c) && !strchr(" /*?[]", *c));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strv rpms = STRV_INIT, back = STRV_INIT;
	struct uc_error err = {0};
	FILE *f = fuzz_file(data, size);
	int r = skel_list_parse(&rpms, f, "rpm.list", false, &err);
	fclose(f);
	FUZZ_ASSERT(r == 0 || strncmp(err.msg, "rpm.list:", 9) == 0);
	for (size_t i = 0; r == 0 && i < rpms.n; i++) {
		check_name(rpms.v[i]);
		for (size_t j = 0; j < i; j++)
			FUZZ_ASSERT(strcmp(rpms.v[j], rpms.v[i]) != 0);
	}
	if (r == 0) {
		char dir[128], path[160];
		snprintf(dir, sizeof(dir), "/proc/self/fd/%d", fuzz_dir());
		FUZZ_ASSERT(skel_rpmlist_write(dir, &rpms, &err) == 0);
		snprintf(path, sizeof(path), "%s/rpm.list", dir);
		FILE *b = fopen(path, "re");
		FUZZ_ASSERT(b && skel_list_parse(&back, b, path, false, &err) == 0);
		fclose(b);
		FUZZ_ASSERT(back.n == rpms.n);
		for (size_t i = 0; i < rpms.n; i++)
			FUZZ_ASSERT(strcmp(back.v[i], rpms.v[i]) == 0);
	}
	strv_clear(&rpms);
	strv_clear(&back);
	return 0;
}
