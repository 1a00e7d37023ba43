/* lib/tsv.c, both ways: any string (the input up to its first NUL) written
 * by tsv_put holds no control byte and reads back the same; any input read
 * by tsv_unescape is refused or is the one spelling tsv_put writes of what
 * it gives (so a field has one written form), with TSV_RAW_CTRL too once
 * raw control bytes are put aside. */
#include "tests/fuzz/fuzz.h"

#include "lib/tsv.h"

static char *put(const char *s)
{
	char *esc = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&esc, &len);
	if (!m)
		abort();
	tsv_put(m, s);
	fclose(m);
	return esc;
}

static void write_read(const char *s)
{
	char *esc = put(s);
	for (const char *c = esc; *c; c++)
		FUZZ_ASSERT((unsigned char)*c >= 0x20 && *c != 0x7f);
	FUZZ_ASSERT(tsv_unescape(esc, 0) == 0 && strcmp(esc, s) == 0);
	free(esc);
}

static bool has_ctrl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static void read_write(const char *in, unsigned flags)
{
	char *s = strdup(in);
	if (!s)
		abort();
	if (tsv_unescape(s, flags) == 0) {
		FUZZ_ASSERT(!strpbrk(in, "\t\n"));
		FUZZ_ASSERT(flags || !has_ctrl(in));
		char *again = put(s);
		/* the raw control bytes of version 1 are written escaped */
		FUZZ_ASSERT(has_ctrl(in) || strcmp(again, in) == 0);
		free(again);
	}
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = strndup((const char *)data, size);
	if (!s)
		abort();
	write_read(s);
	read_write(s, 0);
	read_write(s, TSV_RAW_CTRL);
	free(s);
	return 0;
}
