/* conf.d/NAME.cfg (skel/conf.c): parsed or refused naming file:line; what
 * is taken is absolute, clean and never the whole host. */
#include "tests/fuzz/fuzz.h"

#include "skel/conf.h"

static void check_paths(const struct strv *sv, bool devices)
{
	for (size_t i = 0; i < sv->n; i++) {
		const char *p = sv->v[i];
		FUZZ_ASSERT(p[0] == '/' && p[1] != '\0' && !strstr(p, "//"));
		FUZZ_ASSERT(!strstr(p, "/../") && !strstr(p, "/./"));
		FUZZ_ASSERT(!devices || strncmp(p, "/dev/", 5) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct skel_conf c = {0};
	struct uc_error err = {0};
	FILE *f = fuzz_file(data, size);
	int r = skel_cfg_parse(&c, f, "conf.d/f.cfg", &err);
	fclose(f);
	FUZZ_ASSERT(r == 0 || strncmp(err.msg, "conf.d/f.cfg:", 13) == 0);
	for (size_t i = 0; r == 0 && i < c.n; i++) {
		check_paths(&c.v[i].paths, false);
		check_paths(&c.v[i].devices, true);
	}
	skel_conf_release(&c);
	return 0;
}
