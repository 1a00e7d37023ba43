/* Generation names and current (skel/current.c): one strict parser, a
 * reader that refuses what is not a generation, a switch by rename. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "skel/current.h"

static void test_parse(void **state)
{
	(void)state;
	bool tmp;
	assert_int_equal(skel_gen_parse("gen-000001", NULL), 1);
	assert_int_equal(skel_gen_parse("gen-123456", NULL), 123456);
	assert_int_equal(skel_gen_parse("gen-1234567", NULL), 1234567);
	assert_int_equal(skel_gen_parse("gen-4294967295", NULL), 4294967295u);
	const char *bad[] = {
	    "gen-000000", "gen-00001",	    "gen-0000001",    "gen--00001",	 "gen- 00001",
	    "gen-+00001", "gen-000001x",    "gen-4294967296", "gen-99999999999", "gen-",
	    "Gen-000001", "gen-000001.tmp", "current",	      "gen-000001/",	 ""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		if (skel_gen_parse(bad[i], NULL) != 0)
			fail_msg("accepted '%s'", bad[i]);
	}
	assert_int_equal(skel_gen_parse("gen-000007.tmp", &tmp), 7);
	assert_true(tmp);
	assert_int_equal(skel_gen_parse("gen-000007", &tmp), 7);
	assert_false(tmp);
	assert_int_equal(skel_gen_parse("gen-000007.tmpx", &tmp), 0);
}

static void test_current(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_current.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char skel[PATH_MAX];
	snprintf(skel, sizeof(skel), "%s/skel", dir);
	assert_int_equal(mkdir(skel, 0700), 0);
	int fd = open(skel, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	struct uc_config cfg = {.state_dir = dir};
	struct uc_error err = {0};
	char gen[64];
	assert_int_equal(skel_current_read(fd, gen, sizeof(gen)), -ENOENT);
	assert_true(skel_current_gen(&cfg, gen, sizeof(gen), &err) < 0);
	assert_int_equal(err.kind, UC_NOTFOUND);
	assert_int_equal(skel_current_switch(fd, "gen-000002"), 0);
	assert_int_equal(skel_current_read(fd, gen, sizeof(gen)), 0);
	assert_string_equal(gen, "gen-000002");
	assert_int_equal(skel_current_gen(&cfg, gen, sizeof(gen), &err), 0);
	assert_string_equal(gen, "gen-000002");
	/* a current that names something else is not a generation */
	assert_int_equal(skel_current_switch(fd, "../../etc"), 0);
	assert_int_equal(skel_current_read(fd, gen, sizeof(gen)), -EINVAL);
	assert_true(skel_current_gen(&cfg, gen, sizeof(gen), &err) < 0);
	/* too long for the caller's buffer: refused, not cut */
	assert_int_equal(skel_current_switch(fd, "gen-000003"), 0);
	char small[8];
	assert_int_equal(skel_current_read(fd, small, sizeof(small)), -ENAMETOOLONG);
	unlinkat(fd, "current", 0);
	close(fd);
	rmdir(skel);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_current),
	};
	return cmocka_run_group_tests_name("current", tests, NULL, NULL);
}
