/* Changing one key of unicage.conf (lib/config_write.c): comments and other
 * lines kept, a refused value changes nothing, the new sizes and keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/config.h"

static char dir[64], path[128];

static int setup(void **st)
{
	snprintf(dir, sizeof(dir), "/tmp/uc-cfgw.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/unicage.conf", dir);
	return 0;
}

static int teardown(void **st)
{
	unlink(path);
	rmdir(dir);
	return 0;
}

static void put(const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *get(void)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_replace_keeps_comments(void **st)
{
	struct uc_error err = {0};
	put("# top\nsysroot = /\n  min_uid =  500 \n# min_uid = 7\nstate_dir = /var/x");
	assert_int_equal(uc_config_set(path, "min_uid", "1200", &err), 0);
	assert_string_equal(get(), "# top\nsysroot = /\nmin_uid = 1200\n# min_uid = 7\n"
				   "state_dir = /var/x\n");
	/* a key not there yet is added at the end */
	assert_int_equal(uc_config_set(path, "cagefs_compat", "yes", &err), 0);
	assert_non_null(strstr(get(), "state_dir = /var/x\ncagefs_compat = yes\n"));
}

static void test_refused_changes_nothing(void **st)
{
	struct uc_error err = {0};
	put("# keep\nmin_uid = 500\n");
	assert_int_not_equal(uc_config_set(path, "min_uid", "many", &err), 0);
	assert_int_equal(err.kind, UC_BADREQUEST);
	assert_int_not_equal(uc_config_set(path, "min_uid", "1\nsysroot = /", &err), 0);
	assert_int_not_equal(uc_config_set(path, "no_such_key", "1", &err), 0);
	assert_string_equal(get(), "# keep\nmin_uid = 500\n");
}

static void test_created(void **st)
{
	struct uc_error err = {0};
	unlink(path);
	assert_int_equal(uc_config_set(path, "min_uid", "900", &err), 0);
	assert_string_equal(get(), "min_uid = 900\n");
}

static void test_new_keys(void **st)
{
	struct uc_config cfg;
	struct uc_error err = {0};
	put("import_max_entries = 12\nimport_max_size = 3G\ncagefs_compat = yes\n");
	assert_int_equal(uc_config_init(&cfg), 0);
	assert_int_equal(cfg.import_max_size, 64ull << 30);
	assert_int_equal(uc_config_load(&cfg, path, &err), 0);
	assert_int_equal(cfg.import_max_entries, 12);
	assert_int_equal(cfg.import_max_size, 3ull << 30);
	assert_true(cfg.cagefs_compat);
	uc_config_release(&cfg);
	static const char *const bad[] = {"import_max_size = 3X\n", "import_max_size = -1\n",
					  "import_max_size = 99999999999999999999\n",
					  "import_max_size = 17179869184T\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put(bad[i]);
		assert_int_equal(uc_config_init(&cfg), 0);
		assert_int_not_equal(uc_config_load(&cfg, path, &err), 0);
		assert_int_equal(err.kind, UC_BADREQUEST);
		uc_config_release(&cfg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_replace_keeps_comments, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refused_changes_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_created, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_new_keys, setup, teardown),
	};
	return cmocka_run_group_tests_name("config_write", tests, NULL, NULL);
}
