/* users.enabled, users.disabled and config_dir/exclude/ files
 * (mount/policy.c, policy_parse_names): parsed or refused naming
 * file:line; names taken hold no blank, '/', ':' or control character and
 * come once each. */
#include "tests/fuzz/fuzz.h"

#include "mount/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strv names = STRV_INIT;
	struct uc_error err = {0};
	FILE *f = fuzz_file(data, size);
	int r = policy_parse_names(f, "exclude/panel", &names, &err);
	fclose(f);
	FUZZ_ASSERT(r == 0 || strncmp(err.msg, "exclude/panel:", 14) == 0);
	for (size_t i = 0; r == 0 && i < names.n; i++) {
		const unsigned char *n = (const unsigned char *)names.v[i];
		FUZZ_ASSERT(*n);
		for (; *n; n++)
			FUZZ_ASSERT(*n > ' ' && *n != 0x7f && *n != '/' && *n != ':');
		for (size_t j = 0; j < i; j++)
			FUZZ_ASSERT(strcmp(names.v[i], names.v[j]) != 0);
	}
	strv_clear(&names);
	return 0;
}
