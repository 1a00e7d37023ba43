/* cage.mp parser (mount/cagemp.c): every kind, and bad lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mount/cagemp.h"

static int parse(struct cage_mp *mp, const char *text, struct uc_error *err)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int r = cagemp_parse(mp, f, "cage.mp", err);
	fclose(f);
	return r;
}

static void test_kinds(void **state)
{
	struct cage_mp mp;
	struct uc_error err = {0};
	assert_int_equal(parse(&mp,
			       "# CageFS mount points\n"
			       "/var/lib/mysql\n"
			       "!/usr/share/zoneinfo\n"
			       "  @/var/spool/cron,700  \n"
			       "\n"
			       "%/var/cache/php-sessions\n",
			       &err),
			 0);
	assert_int_equal(mp.n, 4);
	assert_int_equal(mp.v[0].kind, MP_SHARED);
	assert_string_equal(mp.v[0].path, "/var/lib/mysql");
	assert_int_equal(mp.v[1].kind, MP_READONLY);
	assert_int_equal(mp.v[2].kind, MP_PERUSER);
	assert_string_equal(mp.v[2].path, "/var/spool/cron");
	assert_int_equal(mp.v[2].mode, 0700);
	assert_int_equal(mp.v[3].kind, MP_SPLIT);
	cagemp_release(&mp);
}

static void test_bad(void **state)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
	    {"relative/path\n", "cage.mp:1: 'relative/path' is not a clean absolute path"},
	    {"/ok\n@/var/spool/cron\n", "cage.mp:2: '@/var/spool/cron' needs ,MODE"},
	    {"@/x,999\n", "cage.mp:1: bad MODE '999'"},
	    {"@/x,\n", "cage.mp:1: bad MODE"},
	    {"/a,700\n", "cage.mp:1: ',' only after @/path"},
	    {"!/\n", "cage.mp:1: '/' is not a clean absolute path"},
	    {"/a/../b\n", "cage.mp:1: '/a/../b'"},
	    {"/a\n%/a\n", "cage.mp:2: /a is listed twice"},
	    /* strtoul took these as modes */
	    {"@/x,+700\n", "cage.mp:1: bad MODE"},
	    {"@/x,-0\n", "cage.mp:1: bad MODE"},
	    {"@/x,0x1ff\n", "cage.mp:1: bad MODE"},
	    {"@/x,7 00\n", "cage.mp:1: bad MODE"},
	    {"@/x,10000\n", "cage.mp:1: bad MODE"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cage_mp mp;
		struct uc_error err = {0};
		assert_int_not_equal(parse(&mp, cases[i].text, &err), 0);
		assert_int_equal(err.kind, UC_BADREQUEST);
		if (strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)) != 0)
			fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, cases[i].msg);
		assert_int_equal(mp.n, 0);
	}
}

/* 20,000 lines (the duplicate check is a hash set, it searched the list
 * for each line), the repeat of the first found on the last. */
static void test_many(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	for (int i = 0; i < 20000; i++)
		fprintf(m, "@/srv/d%d,700\n", i);
	fprintf(m, "/srv/d0\n");
	fclose(m);
	struct cage_mp mp;
	struct uc_error err = {0};
	assert_int_not_equal(parse(&mp, text, &err), 0);
	assert_string_equal(err.msg, "cage.mp:20001: /srv/d0 is listed twice");
	text[len - strlen("/srv/d0\n")] = '\0';
	assert_int_equal(parse(&mp, text, &err), 0);
	assert_int_equal(mp.n, 20000);
	assert_string_equal(mp.v[19999].path, "/srv/d19999");
	cagemp_release(&mp);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kinds),
	    cmocka_unit_test(test_bad),
	    cmocka_unit_test(test_many),
	};
	return cmocka_run_group_tests_name("cage.mp", tests, NULL, NULL);
}
