/* The cage-mode cache (mount/modecache.c): what is forced wins, a saved
 * answer is read back as written, anything else in the file is not an
 * answer. No root: run_dir is a temporary directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/config.h"
#include "mount/modecache.h"

static char run[64];

static int setup(void **state)
{
	snprintf(run, sizeof(run), "/tmp/uc-test-modecache.XXXXXX");
	assert_non_null(mkdtemp(run));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", run);
	return system(cmd);
}

static void put_cache(const char *text)
{
	char p[128];
	snprintf(p, sizeof(p), "%s/cage-mode", run);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_forced(void **state)
{
	struct uc_config cfg = {.run_dir = run, .cage_mode = UC_CAGE_BIND};
	enum uc_cage_mode m = UC_CAGE_AUTO;
	char why[128];
	put_cache("overlay probed\n"); /* not read: the configuration decides */
	assert_int_equal(modecache_known(&cfg, &m, why, sizeof(why)), 0);
	assert_int_equal(m, UC_CAGE_BIND);
	assert_non_null(strstr(why, "unicage.conf"));
}

static void test_round_trip(void **state)
{
	struct uc_config cfg = {.run_dir = run, .cage_mode = UC_CAGE_AUTO};
	enum uc_cage_mode m = UC_CAGE_AUTO;
	char why[128];
	assert_int_equal(modecache_known(&cfg, &m, why, sizeof(why)), -ENOENT);
	modecache_save(&cfg, UC_CAGE_BIND, "no data-only layers (EINVAL)");
	assert_int_equal(modecache_known(&cfg, &m, why, sizeof(why)), 0);
	assert_int_equal(m, UC_CAGE_BIND);
	assert_string_equal(why, "no data-only layers (EINVAL)");
	modecache_save(&cfg, UC_CAGE_OVERLAY, "");
	assert_int_equal(modecache_known(&cfg, &m, why, sizeof(why)), 0);
	assert_int_equal(m, UC_CAGE_OVERLAY);
	assert_string_equal(why, "");
	/* nothing of the temporary name is left */
	char p[128];
	snprintf(p, sizeof(p), "%s/cage-mode.%d", run, (int)getpid());
	assert_int_equal(access(p, F_OK), -1);
}

static void test_not_an_answer(void **state)
{
	struct uc_config cfg = {.run_dir = run, .cage_mode = UC_CAGE_AUTO};
	enum uc_cage_mode m = UC_CAGE_AUTO;
	char why[128];
	put_cache("auto whatever\n");
	assert_int_equal(modecache_known(&cfg, &m, why, sizeof(why)), -EINVAL);
	put_cache("overlayfs\n");
	assert_int_equal(modecache_known(&cfg, &m, why, sizeof(why)), -EINVAL);
	put_cache("");
	assert_int_equal(modecache_known(&cfg, &m, why, sizeof(why)), -ENOENT);
	assert_int_equal(m, UC_CAGE_AUTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_forced, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_not_an_answer, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
