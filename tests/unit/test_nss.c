/* NSS modules named by nsswitch.conf (skel/nss.c): the services of every
 * database line, "files" first and always, each once; actions in brackets,
 * comments and names that are no module name are not modules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "skel/nss.h"

static void parse(const char *text, struct strv *out)
{
	FILE *f = text ? fmemopen((void *)text, strlen(text), "r") : NULL;
	assert_int_equal(nss_modules_parse(f, out), 0);
	if (f)
		fclose(f);
}

static void test_rhel(void **state)
{
	(void)state;
	struct strv sv = STRV_INIT;
	parse("# Running nscd with a secondary caching service like sssd may lead to\n"
	      "#passwd:    db files\n"
	      "passwd:     sss files\n"
	      "group:      sss files # systemd\n"
	      "hosts:      files dns myhostname\n"
	      "netgroup:   sss\n",
	      &sv);
	assert_int_equal(sv.n, 4);
	assert_string_equal(sv.v[0], "libnss_files.so.2");
	assert_string_equal(sv.v[1], "libnss_sss.so.2");
	assert_string_equal(sv.v[2], "libnss_dns.so.2");
	assert_string_equal(sv.v[3], "libnss_myhostname.so.2");
	strv_clear(&sv);
}

static void test_actions_and_junk(void **state)
{
	(void)state;
	struct strv sv = STRV_INIT;
	parse("passwd: compat [NOTFOUND=return] files\n"
	      "hosts: files [ SUCCESS = return ] mdns4_minimal[NOTFOUND=return] dns\n"
	      "bad line without colon\n"
	      "group: ../../evil x/y $(id)\n"
	      "shadow:\n",
	      &sv);
	assert_int_equal(sv.n, 4);
	assert_string_equal(sv.v[0], "libnss_files.so.2");
	assert_string_equal(sv.v[1], "libnss_compat.so.2");
	assert_string_equal(sv.v[2], "libnss_mdns4_minimal.so.2");
	assert_string_equal(sv.v[3], "libnss_dns.so.2");
	strv_clear(&sv);
}

static void test_absent(void **state)
{
	(void)state;
	struct strv sv = STRV_INIT;
	parse(NULL, &sv); /* no nsswitch.conf: glibc's default is files */
	assert_int_equal(sv.n, 1);
	assert_string_equal(sv.v[0], "libnss_files.so.2");
	strv_clear(&sv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rhel),
	    cmocka_unit_test(test_actions_and_junk),
	    cmocka_unit_test(test_absent),
	};
	return cmocka_run_group_tests_name("nss", tests, NULL, NULL);
}
