/* The layout's paths (lib/statepath.c) and the path builder under them
 * (path_fmt, lib/path.c): a state_dir near PATH_MAX is refused with
 * -ENAMETOOLONG, never cut into a shorter path that names something else. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/path.h"
#include "lib/statepath.h"

/* "/" followed by n-1 'a's: a directory name of exactly n bytes */
static char *long_dir(char *buf, size_t n)
{
	buf[0] = '/';
	memset(buf + 1, 'a', n - 1);
	buf[n] = '\0';
	return buf;
}

static struct uc_config cfg_of(char *dir)
{
	return (struct uc_config){
	    .state_dir = dir, .cages_dir = dir, .run_dir = dir, .config_dir = dir};
}

static void test_path_fmt(void **state)
{
	(void)state;
	char buf[8];
	assert_int_equal(path_fmt(buf, sizeof(buf), "%s/%s", "ab", "cdef"), 0);
	assert_string_equal(buf, "ab/cdef");
	/* one byte over: refused, and nothing of it is left in buf */
	assert_int_equal(path_fmt(buf, sizeof(buf), "%s/%s", "ab", "cdefg"), -ENAMETOOLONG);
	assert_string_equal(buf, "");
	assert_int_equal(path_join(buf, sizeof(buf), "abc", "defgh"), -ENAMETOOLONG);
	assert_string_equal(buf, "");
	struct uc_error err = {0};
	assert_int_equal(path_fail(&err, -ENAMETOOLONG, "/var/lib/x"), -ENAMETOOLONG);
	assert_int_equal(err.errnum, ENAMETOOLONG);
	assert_non_null(strstr(err.msg, "/var/lib/x..."));
}

/* Each place, with a directory 3 bytes short of PATH_MAX ("/ns", the
 * shortest suffix, does not fit with its NUL): every function refuses; the same calls with a short
 * directory give the layout of DESIGN.md. */
static void test_too_long(void **state)
{
	(void)state;
	static char dir[PATH_MAX];
	struct uc_config cfg = cfg_of(long_dir(dir, PATH_MAX - 3));
	char buf[PATH_MAX];
	int (*const plain[])(const struct uc_config *, char *, size_t) = {
	    statepath_skel,    statepath_pins,	    statepath_store,
	    statepath_objects, statepath_store_tmp, statepath_imports,
	    statepath_ns_dir,  statepath_proxy_dir, statepath_cage_mode,
	};
	for (size_t i = 0; i < UC_ARRAY_SIZE(plain); i++) {
		memset(buf, 'x', sizeof(buf));
		assert_int_equal(plain[i](&cfg, buf, sizeof(buf)), -ENAMETOOLONG);
		assert_string_equal(buf, "");
	}
	assert_int_equal(statepath_gen(&cfg, "g1", buf, sizeof(buf)), -ENAMETOOLONG);
	assert_int_equal(statepath_gen_file(&cfg, "g1", "tree", buf, sizeof(buf)), -ENAMETOOLONG);
	assert_int_equal(statepath_skel_file(&cfg, "current", buf, sizeof(buf)), -ENAMETOOLONG);
	assert_int_equal(statepath_pin(&cfg, "alice", 3, buf, sizeof(buf)), -ENAMETOOLONG);
	assert_int_equal(statepath_import(&cfg, "a.intent", buf, sizeof(buf)), -ENAMETOOLONG);
	assert_int_equal(statepath_users(&cfg, NULL, buf, sizeof(buf)), -ENAMETOOLONG);
	assert_int_equal(statepath_cage_dir(&cfg, 1001, "alice", buf, sizeof(buf)), -ENAMETOOLONG);
	assert_int_equal(statepath_cage_file(&cfg, 1001, "alice", "etc/passwd", buf, sizeof(buf)),
			 -ENAMETOOLONG);
	assert_int_equal(statepath_ns_slot(&cfg, "alice", 2, buf, sizeof(buf)), -ENAMETOOLONG);
	assert_int_equal(statepath_ns_kind(&cfg, "alice", "pid", buf, sizeof(buf)), -ENAMETOOLONG);
	assert_int_equal(statepath_custom_etc(&cfg, "alice", buf, sizeof(buf)), -ENAMETOOLONG);
	assert_int_equal(statepath_cage_prefix(&cfg, 1001, buf, sizeof(buf)), -ENAMETOOLONG);
	/* one byte shorter: "DIR/01" fills buf exactly, NUL included */
	cfg = cfg_of(long_dir(dir, PATH_MAX - 4));
	assert_int_equal(statepath_cage_prefix(&cfg, 1001, buf, sizeof(buf)), 0);
	assert_int_equal(strlen(buf), PATH_MAX - 1);
	assert_string_equal(buf + PATH_MAX - 4, "/01");
}

static void test_layout(void **state)
{
	(void)state;
	char dir[] = "/var/lib/unicage";
	struct uc_config cfg = cfg_of(dir);
	char cages[] = "/srv/cages", run[] = "/run/unicage", conf[] = "/etc/unicage";
	cfg.cages_dir = cages;
	cfg.run_dir = run;
	cfg.config_dir = conf;
	char buf[PATH_MAX];
	assert_int_equal(statepath_gen_file(&cfg, "g7", "manifest.zst", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/var/lib/unicage/skel/g7/manifest.zst");
	assert_int_equal(statepath_pin(&cfg, "bob", 4, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/var/lib/unicage/skel/pins/bob.4");
	assert_int_equal(statepath_objects(&cfg, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/var/lib/unicage/store/objects");
	assert_int_equal(statepath_users(&cfg, "mode", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/var/lib/unicage/users/mode");
	assert_int_equal(statepath_cage_dir(&cfg, 1207, "carol", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/srv/cages/07/carol");
	assert_int_equal(statepath_cage_file(&cfg, 5, "dan", "etc/passwd", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/srv/cages/05/dan/etc/passwd");
	assert_int_equal(statepath_ns_slot(&cfg, "bob", 2, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/run/unicage/ns/bob.2");
	assert_int_equal(statepath_ns_kind(&cfg, "bob", "ipc", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/run/unicage/ns/bob.ipc");
	assert_int_equal(statepath_custom_etc(&cfg, NULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/etc/unicage/custom.etc");
	assert_int_equal(statepath_custom_etc(&cfg, "bob", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/etc/unicage/custom.etc/bob");
	/* a name that is not one component never makes a cage directory */
	const char *bad[] = {"", ".", "..", "a/b", "../x"};
	for (size_t i = 0; i < UC_ARRAY_SIZE(bad); i++) {
		assert_int_equal(statepath_cage_dir(&cfg, 1, bad[i], buf, sizeof(buf)), -EINVAL);
		assert_int_equal(statepath_cage_file(&cfg, 1, bad[i], "etc", buf, sizeof(buf)),
				 -EINVAL);
	}
}

/* A slot's file name: two long user names that share their first 200
 * bytes were one handle name when cut at 200; now each has its own, and one
 * that cannot be a file name at all is refused. */
static void test_slot_names(void **state)
{
	(void)state;
	char a[256], b[256], na[NAME_MAX + 1], nb[NAME_MAX + 1];
	memset(a, 'u', 210);
	memcpy(b, a, 210);
	a[210] = 'a', b[210] = 'b';
	a[211] = b[211] = '\0';
	assert_int_equal(statepath_slot_name(a, 7, na, sizeof(na)), 0);
	assert_int_equal(statepath_slot_name(b, 7, nb, sizeof(nb)), 0);
	assert_string_not_equal(na, nb);
	assert_string_equal(na + 210, "a.7");
	assert_int_equal(statepath_ns_name(a, "pid", na, sizeof(na)), 0);
	assert_string_equal(na + 210, "a.pid");
	/* 253 bytes + ".12" is more than NAME_MAX */
	memset(a, 'u', 253);
	a[253] = '\0';
	assert_int_equal(statepath_slot_name(a, 12, na, sizeof(na)), -ENAMETOOLONG);
	assert_string_equal(na, "");
	assert_int_equal(statepath_ns_name(a, "ipc", na, sizeof(na)), -ENAMETOOLONG);
	char dir[] = "/run/unicage", buf[PATH_MAX];
	struct uc_config cfg = cfg_of(dir);
	assert_int_equal(statepath_ns_slot(&cfg, a, 12, buf, sizeof(buf)), -ENAMETOOLONG);
	assert_string_equal(buf, "");
	assert_int_equal(statepath_pin(&cfg, a, 12, buf, sizeof(buf)), -ENAMETOOLONG);
	assert_int_equal(statepath_slot_name("alice", 3, na, sizeof(na)), 0);
	assert_string_equal(na, "alice.3");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_path_fmt),
	    cmocka_unit_test(test_too_long),
	    cmocka_unit_test(test_layout),
	    cmocka_unit_test(test_slot_names),
	};
	return cmocka_run_group_tests_name("statepath", tests, NULL, NULL);
}
