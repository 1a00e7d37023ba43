/* The verb table (cli/cli.c): nearest verbs, the flags every verb carries,
 * user names a cage can have (mount/users_cagefs.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "cli/cli.h"
#include "mount/policy.h"

static void test_nearest(void **st)
{
	assert_string_equal(verb_nearest("mout")->name, "mount");
	assert_string_equal(verb_nearest("user-stauts")->name, "user-status");
	assert_string_equal(verb_nearest("enabel")->name, "enable");
	assert_string_equal(verb_nearest("remove-al")->name, "remove-all");
	assert_string_equal(verb_nearest("getpref")->name, "getprefix"); /* a unique prefix */
	assert_null(verb_nearest("xyzzy"));
	assert_null(verb_nearest(""));
}

static void test_table(void **st)
{
	static const char *const root[] = {
	    "init",	    "update",	    "gc",	    "mount", "umount",	   "enter", "exec",
	    "user-created", "user-renamed", "user-deleted", "clean", "remove-all", "enable"};
	for (size_t i = 0; i < sizeof(root) / sizeof(root[0]); i++) {
		const struct verb *v = verb_find(root[i]);
		assert_non_null(v);
		assert_true(v->flags & VERB_NEED_ROOT);
	}
	for (const struct verb *v = verbs; v->name; v++) {
		/* every verb parses its own argv or has run_verb load its config */
		assert_true(v->flags & (VERB_OWN_ARGS | VERB_NEEDS_CONFIG));
		assert_non_null(v->usage);
		assert_non_null(v->summary);
		/* a verb that takes no USER does not say it takes one */
		if (!strcmp(v->name, "enable-all") || !strcmp(v->name, "list") ||
		    !strcmp(v->name, "remount-all"))
			assert_null(strstr(v->usage, "USER..."));
	}
	assert_false(verb_find("list")->flags & VERB_NEED_ROOT);
	assert_false(verb_find("getprefix")->flags & VERB_NEED_ROOT);
}

static void test_names(void **st)
{
	static const char *const good[] = {"alice", "a", "web_1", "x.y", "u-2"};
	static const char *const bad[] = {"",	 ".",  "..",	  "../x",      "a/b", "a:b",
					  "a b", "-r", ".hidden", "tab\there", "nl\n"};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(policy_name_ok(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(policy_name_ok(bad[i]));
	char longname[300];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_false(policy_name_ok(longname));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_nearest),
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
