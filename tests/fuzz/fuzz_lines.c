/* lib/lines.c: uc_read_lines hands over every byte of a file without NUL,
 * line by line, numbered from 1 (the escaping: fuzz_tsv.c). */
#include "tests/fuzz/fuzz.h"

#include "lib/lines.h"

struct acc {
	FILE *out;
	unsigned next;
};

static int take(char *line, const char *where, unsigned lineno, void *arg, struct uc_error *err)
{
	struct acc *a = arg;
	char w[32];
	snprintf(w, sizeof(w), "f:%u", lineno);
	FUZZ_ASSERT(lineno == ++a->next && strcmp(where, w) == 0);
	fputs(line, a->out);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *all = NULL;
	size_t len = 0;
	struct acc a = {open_memstream(&all, &len), 0};
	struct uc_error err = {0};
	FILE *f = fuzz_file(data, size);
	int r = uc_read_lines(f, "f", take, &a, &err);
	fclose(f);
	fclose(a.out);
	bool nul = memchr(data, 0, size) != NULL;
	FUZZ_ASSERT(nul ? r < 0 && strstr(err.msg, "NUL") : r == 0);
	FUZZ_ASSERT(nul || (len == size && memcmp(all, data, size) == 0));
	free(all);
	return 0;
}
