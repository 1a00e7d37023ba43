/* What a cage's /etc takes from conf.d (mount/etc.c, cage_etc_conf_load):
 * leniently, file by file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "mount/etc.h"

static void put(const char *dir, const char *name, const char *text)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_field_ok(void **state)
{
	assert_true(cage_etc_field_ok("/home/alice"));
	assert_true(cage_etc_field_ok("Alice Example, Room 1"));
	assert_true(cage_etc_field_ok(""));
	assert_false(cage_etc_field_ok("/home/x:0:0::/root:/bin/sh"));
	assert_false(cage_etc_field_ok("/bin/sh\nroot2::0:0::/:/bin/sh"));
	assert_false(cage_etc_field_ok("a\tb"));
	assert_false(cage_etc_field_ok("a\x7f"));
}

static void test_lenient(void **state)
{
	char root[] = "/tmp/test_etc.XXXXXX", confd[PATH_MAX];
	assert_non_null(mkdtemp(root));
	snprintf(confd, sizeof(confd), "%s/conf.d", root);
	struct skel_conf c;
	struct uc_error err = {0};
	/* no conf.d: nothing, no error */
	assert_int_equal(cage_etc_conf_load(root, &c, &err), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(mkdir(confd, 0755), 0);
	put(confd, "a.cfg", "[mail]\nusers=postfix\ngroups=postdrop\n");
	put(confd, "b.cfg", "[extra]\nusers=svc\nthis is not a key\n");
	put(confd, "c.cfg", "[web]\nusers=apache,\n    nginx\n");
	put(confd, "d.txt", "not a cfg at all\n");
	put(root, "black.list", "not/absolute\n"); /* never read by a mount */
	uc_log_init(-2);			   /* the warning is not this test's output */
	assert_int_equal(cage_etc_conf_load(root, &c, &err), 0);
	assert_int_equal(c.n, 2); /* a.cfg and c.cfg; b.cfg adds nothing */
	assert_string_equal(c.v[0].name, "mail");
	assert_string_equal(c.v[0].users.v[0], "postfix");
	assert_string_equal(c.v[0].groups.v[0], "postdrop");
	assert_string_equal(c.v[1].name, "web");
	assert_int_equal(c.v[1].users.n, 2);
	assert_string_equal(c.v[1].users.v[1], "nginx");
	skel_conf_release(&c);
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_field_ok), cmocka_unit_test(test_lenient)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
