/* unicage.conf parser (lib/config.c): good and bad lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/config.h"

#include <sys/capability.h>

static int parse(struct uc_config *cfg, const char *text, struct uc_error *err)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int r = uc_config_parse(cfg, f, "test.conf", err);
	fclose(f);
	return r;
}

static void test_defaults(void **st)
{
	struct uc_config cfg;
	struct uc_error err = {0};
	assert_int_equal(uc_config_init(&cfg), 0);
	assert_string_equal(cfg.sysroot, "/");
	assert_string_equal(cfg.state_dir, "/var/lib/unicage");
	assert_int_equal(cfg.min_uid, 1000);
	assert_int_equal(cfg.local_paths.n, 7);
	assert_null(cfg.rpm_dbpath);
	assert_true(cfg.strip_suid);
	assert_int_equal(cfg.suid_allow.n, 0);
	unsetenv("UNICAGE_CONFIG");
	/* the default file is optional; cages_dir follows state_dir */
	if (uc_config_load(&cfg, NULL, &err) == 0 && !cfg.source)
		assert_string_equal(cfg.cages_dir, "/var/lib/unicage/cages");
	uc_config_release(&cfg);
}

static void test_good_lines(void **st)
{
	struct uc_config cfg;
	struct uc_error err = {0};
	uc_config_init(&cfg);
	assert_int_equal(parse(&cfg,
			       "# a comment\n"
			       "\n"
			       "   sysroot   =   /srv/host  \n"
			       "min_uid=500\n"
			       "\t# indented comment\n"
			       "local_paths = /etc, /var /opt/local\n"
			       "rpm_dbpath = /usr/lib/sysimage/rpm\n"
			       "strip_suid = No\n"
			       "suid_allow = /usr/bin/passwd,/usr/bin/sudo\n"
			       "passwd_file = /srv/passwd\n",
			       &err),
			 0);
	assert_string_equal(cfg.sysroot, "/srv/host");
	assert_int_equal(cfg.min_uid, 500);
	assert_int_equal(cfg.local_paths.n, 3);
	assert_string_equal(cfg.local_paths.v[2], "/opt/local");
	assert_string_equal(cfg.rpm_dbpath, "/usr/lib/sysimage/rpm");
	assert_false(cfg.strip_suid);
	assert_int_equal(cfg.suid_allow.n, 2);
	assert_string_equal(cfg.passwd_file, "/srv/passwd");
	assert_null(cfg.group_file);
	assert_string_equal(cfg.source, "test.conf");
	uc_config_release(&cfg);
}

struct bad {
	const char *text;
	const char *msg;
};

static void test_bad_lines(void **st)
{
	static const struct bad cases[] = {
	    {"nokey\n", "test.conf:1: expected 'key = value'"},
	    {"# ok\nfoo = 1\n", "test.conf:2: unknown key 'foo'"},
	    {"min_uid = -1\n", "test.conf:1: min_uid must be a non-negative integer"},
	    {"min_uid = 12abc\n", "test.conf:1: min_uid must be"},
	    {"min_uid = 99999999999\n", "test.conf:1: min_uid must be"},
	    {"sysroot = relative\n", "test.conf:1: sysroot must be a clean absolute path"},
	    {"sysroot = /a/../b\n", "test.conf:1: sysroot must be a clean absolute path"},
	    {"sysroot = /a//b\n", "test.conf:1: sysroot must be"},
	    {"sysroot =\n", "test.conf:1: 'sysroot' has no value"},
	    {"local_paths = /etc, var\n", "test.conf:1: local_paths must list clean absolute"},
	    {"min_uid = 1\n\nmin_uid = 2\n", "test.conf:3: 'min_uid' already set on line 1"},
	    {" = 3\n", "test.conf:1: unknown key ''"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct uc_config cfg;
		struct uc_error err = {0};
		uc_config_init(&cfg);
		assert_int_not_equal(parse(&cfg, cases[i].text, &err), 0);
		assert_int_equal(err.kind, UC_BADREQUEST);
		if (strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)) != 0)
			fail_msg("case %zu: got '%s', want '%s'", i, err.msg, cases[i].msg);
		/* all or nothing: the configuration in hand is unchanged */
		assert_string_equal(cfg.sysroot, "/");
		assert_int_equal(cfg.min_uid, 1000);
		assert_int_equal(cfg.local_paths.n, 7);
		uc_config_release(&cfg);
	}
}

/* enter_caps: the allowlist root keeps in a cage; enter_drop_caps is gone */
static void test_enter_caps(void **st)
{
	struct uc_config cfg;
	struct uc_error err = {0};
	uc_config_init(&cfg);
	/* the default: root of the cage's files, nothing else */
	assert_int_equal(cfg.n_enter_caps, 6);
	assert_int_equal(cfg.enter_caps[0], CAP_CHOWN);
	assert_false(cfg.cage_user_namespaces);
	for (unsigned i = 0; i < cfg.n_enter_caps; i++) {
		assert_int_not_equal(cfg.enter_caps[i], CAP_DAC_READ_SEARCH);
		assert_int_not_equal(cfg.enter_caps[i], CAP_SYS_ADMIN);
		assert_int_not_equal(cfg.enter_caps[i], CAP_SETFCAP);
		assert_int_not_equal(cfg.enter_caps[i], CAP_NET_ADMIN);
	}
	assert_int_equal(parse(&cfg,
			       "enter_caps = CAP_CHOWN, cap_fowner\n"
			       "cage_user_namespaces = yes\n",
			       &err),
			 0);
	assert_int_equal(cfg.n_enter_caps, 2);
	assert_int_equal(cfg.enter_caps[1], CAP_FOWNER);
	assert_true(cfg.cage_user_namespaces);
	assert_int_equal(parse(&cfg, "enter_caps = none\n", &err), 0);
	assert_int_equal(cfg.n_enter_caps, 0);
	uc_config_release(&cfg);

	static const struct bad cases[] = {
	    {"# old\nenter_drop_caps = CAP_SYS_ADMIN\n",
	     "test.conf:2: enter_drop_caps is gone: enter_caps replaces it"},
	    {"enter_caps = CAP_CHOWN CAP_NO_SUCH\n",
	     "test.conf:1: enter_caps: unknown capability 'CAP_NO_SUCH'"},
	    {"\n\nenter_caps = 21\n", "test.conf:3: enter_caps: unknown capability '21'"},
	    {"cage_user_namespaces = maybe\n",
	     "test.conf:1: cage_user_namespaces must be yes or no"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uc_config_init(&cfg);
		assert_int_not_equal(parse(&cfg, cases[i].text, &err), 0);
		assert_int_equal(err.kind, UC_BADREQUEST);
		if (strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)) != 0)
			fail_msg("case %zu: got '%s', want '%s'", i, err.msg, cases[i].msg);
		assert_int_equal(cfg.n_enter_caps, 6); /* unchanged */
		uc_config_release(&cfg);
	}
}

static void test_nul_byte(void **st)
{
	struct uc_config cfg;
	struct uc_error err = {0};
	static const char text[] = "sysroot = /\0x\n";
	uc_config_init(&cfg);
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");
	assert_int_not_equal(uc_config_parse(&cfg, f, "nul.conf", &err), 0);
	fclose(f);
	assert_string_equal(err.msg, "nul.conf:1: NUL byte in line");
	uc_config_release(&cfg);
}

static void test_missing_file(void **st)
{
	struct uc_config cfg;
	struct uc_error err = {0};
	uc_config_init(&cfg);
	assert_int_not_equal(uc_config_load(&cfg, "/nonexistent/unicage.conf", &err), 0);
	assert_int_equal(err.kind, UC_NOTFOUND);
	uc_config_release(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),	 cmocka_unit_test(test_good_lines),
	    cmocka_unit_test(test_bad_lines),	 cmocka_unit_test(test_nul_byte),
	    cmocka_unit_test(test_missing_file), cmocka_unit_test(test_enter_caps),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
