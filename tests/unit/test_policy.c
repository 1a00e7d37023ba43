/* The name lists of mount/policy.c (users.enabled, users.disabled,
 * exclude/ files): names once each, bad lines refused naming file:line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mount/policy.h"

static int parse(const char *text, size_t len, struct strv *out, struct uc_error *err)
{
	FILE *f = fmemopen((void *)text, len, "r");
	assert_non_null(f);
	int r = policy_parse_names(f, "exclude/panel", out, err);
	fclose(f);
	return r;
}

static void test_names(void **state)
{
	static const char text[] = "# panel accounts\nadmin\n\n  alice  \nadmin\nbob\n";
	struct strv sv = STRV_INIT;
	struct uc_error err = {0};
	assert_int_equal(parse(text, sizeof(text) - 1, &sv, &err), 0);
	assert_int_equal(sv.n, 3);
	assert_string_equal(sv.v[1], "alice");
	/* a second file appends what the first lacks */
	assert_int_equal(parse("bob\ncarol\n", 10, &sv, &err), 0);
	assert_int_equal(sv.n, 4);
	assert_string_equal(sv.v[3], "carol");
	strv_clear(&sv);
}

static void test_bad(void **state)
{
	static const char *const bad[] = {"ok\nbad name\n", "a/b\n", "a:b\n", "a\033[2Jb\n",
					  "a\x7f\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct strv sv = STRV_INIT;
		struct uc_error err = {0};
		assert_int_not_equal(parse(bad[i], strlen(bad[i]), &sv, &err), 0);
		assert_int_equal(err.kind, UC_BADREQUEST);
		if (!strstr(err.msg, i == 0 ? "exclude/panel:2: " : "exclude/panel:1: "))
			fail_msg("case %zu: '%s'", i, err.msg);
		strv_clear(&sv);
	}
}

/* 20,000 names and their repeats (a hash set; it searched the list per line) */
static void test_many(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	for (int i = 0; i < 40000; i++)
		fprintf(m, "user%d\n", i % 20000);
	fclose(m);
	struct strv sv = STRV_INIT;
	struct uc_error err = {0};
	assert_int_equal(parse(text, len, &sv, &err), 0);
	assert_int_equal(sv.n, 20000);
	strv_clear(&sv);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_bad),
	    cmocka_unit_test(test_many),
	};
	return cmocka_run_group_tests_name("cage users", tests, NULL, NULL);
}
