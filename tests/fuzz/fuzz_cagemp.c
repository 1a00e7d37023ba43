/* cage.mp (mount/cagemp.c): parsed or refused naming file:line; an entry
 * taken is a clean absolute path below /, listed once, with an octal mode
 * of permission bits for @ lines. */
#include "tests/fuzz/fuzz.h"

#include "lib/path.h"
#include "mount/cagemp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cage_mp mp;
	struct uc_error err = {0};
	FILE *f = fuzz_file(data, size);
	int r = cagemp_parse(&mp, f, "cage.mp", &err);
	fclose(f);
	FUZZ_ASSERT(r == 0 || strncmp(err.msg, "cage.mp:", 8) == 0);
	FUZZ_ASSERT(r == 0 || mp.n == 0);
	for (size_t i = 0; r == 0 && i < mp.n; i++) {
		FUZZ_ASSERT(path_is_clean_absolute(mp.v[i].path) && strcmp(mp.v[i].path, "/"));
		FUZZ_ASSERT(mp.v[i].mode <= 07777);
		for (size_t j = 0; j < i; j++)
			FUZZ_ASSERT(strcmp(mp.v[j].path, mp.v[i].path) != 0);
	}
	cagemp_release(&mp);
	return 0;
}
