/* lib/tsv.c: the one escaping of the tab-separated records. Every string
 * round-trips and its written form holds no control byte; what tsv_put
 * never writes (unknown escapes, other spellings, raw control bytes) is
 * refused, and version-1 files' raw control bytes are read with
 * TSV_RAW_CTRL only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/tsv.h"

static char *put(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	tsv_put(f, s);
	fclose(f);
	return buf;
}

static void test_written(void **state)
{
	(void)state;
	static const char *const in[][2] = {
	    {"", ""},
	    {"plain path", "plain path"},
	    {"a\tb", "a\\tb"},
	    {"\n", "\\n"},
	    {"\\", "\\\\"},
	    {"x\\ty\nz\t", "x\\\\ty\\nz\\t"},
	    {"\x01\x1f\x7f\r", "\\x01\\x1f\\x7f\\x0d"},
	    {"\x1b[31m", "\\x1b[31m"},
	    {"\xc3\xa9\xff\x80", "\xc3\xa9\xff\x80"}, /* bytes >= 0x80 as they are */
	};
	for (size_t i = 0; i < sizeof(in) / sizeof(*in); i++) {
		char *buf = put(in[i][0]);
		assert_string_equal(buf, in[i][1]);
		for (const char *c = buf; *c; c++)
			assert_false((unsigned char)*c < 0x20 || *c == 0x7f);
		assert_int_equal(tsv_unescape(buf, 0), 0);
		assert_string_equal(buf, in[i][0]);
		free(buf);
	}
}

static void test_every_byte(void **state)
{
	(void)state;
	char s[256];
	for (int i = 1; i < 256; i++)
		s[i - 1] = (char)i;
	s[255] = '\0';
	char *buf = put(s);
	assert_int_equal(tsv_unescape(buf, 0), 0);
	assert_memory_equal(buf, s, 256);
	free(buf);
}

static void expect_refused(const char *in, unsigned flags)
{
	char *s = strdup(in);
	assert_non_null(s);
	if (tsv_unescape(s, flags) != -EINVAL)
		fail_msg("'%s' taken", in);
	free(s);
}

static void test_refused(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "end\\",
	    "\\q",
	    "\\r",
	    "\\0",
	    "\\x",
	    "\\x4",
	    "\\x41" /* 'A' */,
	    "\\x00",
	    "\\x1F",
	    "\\x09",
	    /* a tab: \t */ "\\x0a",
	    "\\x80",
	    "\\xg1",
	    "a\tb",
	    "a\nb",
	    "\x01",
	    "a\x7f",
	    "\r",
	    "\x1b[0m",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		expect_refused(bad[i], 0);
	/* version 1: raw control bytes taken, tab and newline and bad
	 * escapes still not */
	static const char *const bad_v1[] = {"a\tb", "a\nb", "\\q", "end\\", "\\x41"};
	for (size_t i = 0; i < sizeof(bad_v1) / sizeof(*bad_v1); i++)
		expect_refused(bad_v1[i], TSV_RAW_CTRL);
	char v1[] = "/a\x01\r\x1b\\\\b\\tc";
	assert_int_equal(tsv_unescape(v1, TSV_RAW_CTRL), 0);
	assert_string_equal(v1, "/a\x01\r\x1b\\b\tc");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_written),
	    cmocka_unit_test(test_every_byte),
	    cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests_name("tsv", tests, NULL, NULL);
}
