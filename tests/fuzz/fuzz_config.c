/* unicage.conf (lib/config.c): any input is parsed or refused with a
 * message naming the file, and a refused file leaves the defaults. */
#include "tests/fuzz/fuzz.h"

#include "lib/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct uc_config cfg;
	struct uc_error err = {0};
	if (uc_config_init(&cfg) < 0)
		abort();
	FILE *f = fuzz_file(data, size);
	int r = uc_config_parse(&cfg, f, "unicage.conf", &err);
	fclose(f);
	FUZZ_ASSERT(r == 0 || strncmp(err.msg, "unicage.conf:", 13) == 0);
	FUZZ_ASSERT(r == 0 || cfg.source == NULL); /* refused: nothing taken */
	uc_config_release(&cfg);
	return 0;
}
