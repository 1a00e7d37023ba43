/* conf.d cfg files, black.list and rpm.list parsers (skel/conf.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "skel/conf.h"

static int parse_cfg(struct skel_conf *c, const char *text, struct uc_error *err)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	memset(c, 0, sizeof(*c));
	int r = skel_cfg_parse(c, f, "x.cfg", err);
	fclose(f);
	return r;
}

static void test_cfg_good(void **state)
{
	struct skel_conf c;
	struct uc_error err = {0};
	assert_int_equal(parse_cfg(&c,
				   "# CageFS style\n"
				   "[openssh-clients]\n"
				   "comment=OpenSSH Clients\n"
				   "paths=/etc/ssh/ssh_config, /usr/bin/ssh,\n"
				   "    /usr/bin/scp, /usr/lib/ssh/*\n"
				   "  # an indented comment\n"
				   "devices = /dev/ptmx\n"
				   "; another comment\n"
				   "\n"
				   "[mail]\n"
				   "paths: /usr/sbin/sendmail\n"
				   "users=postfix, mail\n"
				   "groups=postdrop\n",
				   &err),
			 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.v[0].name, "openssh-clients");
	assert_string_equal(c.v[0].comment, "OpenSSH Clients");
	assert_int_equal(c.v[0].paths.n, 4);
	assert_string_equal(c.v[0].paths.v[2], "/usr/bin/scp");
	assert_string_equal(c.v[0].paths.v[3], "/usr/lib/ssh/*");
	assert_int_equal(c.v[0].devices.n, 1);
	assert_string_equal(c.v[0].where, "x.cfg:2");
	assert_int_equal(c.v[1].users.n, 2);
	assert_string_equal(c.v[1].users.v[1], "mail");
	assert_string_equal(c.v[1].groups.v[0], "postdrop");
	skel_conf_release(&c);
}

/* The CageFS documentation's format: no [section] line at all. */
static void test_cfg_no_section(void **state)
{
	struct skel_conf c;
	struct uc_error err = {0};
	FILE *f = fmemopen((void *)"comment=Bash shell\npaths=/bin/bash, /lib64/libtinfo.so.6\n"
				   "[more]\npaths=/usr/bin/ls\n",
			   strlen("comment=Bash shell\npaths=/bin/bash, /lib64/libtinfo.so.6\n"
				  "[more]\npaths=/usr/bin/ls\n"),
			   "r");
	memset(&c, 0, sizeof(c));
	assert_int_equal(skel_cfg_parse(&c, f, "/etc/unicage/conf.d/bash.cfg", &err), 0);
	fclose(f);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.v[0].name, "bash");
	assert_string_equal(c.v[0].comment, "Bash shell");
	assert_int_equal(c.v[0].paths.n, 2);
	assert_string_equal(c.v[0].paths.v[1], "/lib64/libtinfo.so.6");
	assert_string_equal(c.v[0].where, "/etc/unicage/conf.d/bash.cfg:1");
	assert_string_equal(c.v[1].name, "more");
	skel_conf_release(&c);
	/* paths= alone, file name without .cfg */
	assert_int_equal(parse_cfg(&c, "paths=/bin\n", &err), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.v[0].name, "x");
	assert_string_equal(c.v[0].paths.v[0], "/bin");
	skel_conf_release(&c);
}

static void test_cfg_bad(void **state)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
	    {"[a]\nfoo=1\n", "x.cfg:2: unknown key 'foo'"},
	    {"[a]\njust words\n", "x.cfg:2: expected 'key = value'"},
	    {"[a\n", "x.cfg:1: expected '[section]'"},
	    {"[a b]\n", "x.cfg:1: bad section name"},
	    {"[a]\npaths=/usr/bin, relative/x\n",
	     "x.cfg:2: paths: 'relative/x' is not an absolute"},
	    {"[a]\npaths=/usr/../etc\n", "x.cfg:2: paths: '/usr/../etc'"},
	    {"[a]\npaths=/usr/bin,\n  bin/x\n", "x.cfg:2: paths: 'bin/x'"},
	    {"[a]\ndevices=/etc/x\n", "x.cfg:2: devices: '/etc/x' is not below /dev"},
	    {"[a]\nusers=ro/ot\n", "x.cfg:2: users: 'ro/ot' is not a user"},
	    /* the whole host */
	    {"[a]\ncomment=x\npaths=/usr/bin,/\n", "x.cfg:3: paths: '/' is the whole host"},
	    {"[a]\npaths=\n  /*\n", "x.cfg:2: paths: '/*' is the whole host"},
	    {"[a]\ndevices=/dev\n", "x.cfg:2: devices: '/dev' is not below /dev"},
	    {"[a]\ndevices=/dev/null,/dev/*\n", "x.cfg:2: devices: '/dev/*' is not below /dev"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct skel_conf c;
		struct uc_error err = {0};
		assert_int_not_equal(parse_cfg(&c, cases[i].text, &err), 0);
		assert_int_equal(err.kind, UC_BADREQUEST);
		if (strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)) != 0)
			fail_msg("case %zu: '%s' does not start with '%s'", i, err.msg,
				 cases[i].msg);
		skel_conf_release(&c);
	}
}

static void test_lists(void **state)
{
	struct strv sv = STRV_INIT;
	struct uc_error err = {0};
	static const char black[] = "# black\n/etc/shadow\n\n  /usr/bin/su*  \n/etc/shadow\n";
	FILE *f = fmemopen((void *)black, sizeof(black) - 1, "r");
	assert_int_equal(skel_list_parse(&sv, f, "black.list", true, &err), 0);
	fclose(f);
	assert_int_equal(sv.n, 2); /* duplicates once */
	assert_string_equal(sv.v[1], "/usr/bin/su*");
	static const char bad[] = "/ok\netc/passwd\n";
	f = fmemopen((void *)bad, sizeof(bad) - 1, "r");
	assert_int_not_equal(skel_list_parse(&sv, f, "black.list", true, &err), 0);
	fclose(f);
	assert_string_equal(err.msg, "black.list:2: 'etc/passwd' is not an absolute path or glob");
	strv_clear(&sv);
	static const char rpms[] = "bash\ncoreutils-9.1-1.el9.x86_64\n# c\n";
	f = fmemopen((void *)rpms, sizeof(rpms) - 1, "r");
	assert_int_equal(skel_list_parse(&sv, f, "rpm.list", false, &err), 0);
	fclose(f);
	assert_int_equal(sv.n, 2);
	static const char badrpm[] = "bash zsh\n";
	f = fmemopen((void *)badrpm, sizeof(badrpm) - 1, "r");
	assert_int_not_equal(skel_list_parse(&sv, f, "rpm.list", false, &err), 0);
	fclose(f);
	assert_string_equal(err.msg, "rpm.list:1: 'bash zsh' is not a package name");
	strv_clear(&sv);
	/* control characters and globs: rpm.list names packages, never patterns */
	static const char *const badnames[] = {"ba*sh\n", "bash?\n", "a\001b\n", "a\033[31m\n",
					       "p[ab]\n", "x\x7f\n", "-bash\n"};
	for (size_t i = 0; i < sizeof(badnames) / sizeof(badnames[0]); i++) {
		f = fmemopen((void *)badnames[i], strlen(badnames[i]), "r");
		assert_int_not_equal(skel_list_parse(&sv, f, "rpm.list", false, &err), 0);
		fclose(f);
		assert_non_null(strstr(err.msg, "rpm.list:1: "));
		strv_clear(&sv);
	}
}

/* 20,000 names with a repeat of each (the duplicate check is a hash set; a
 * search of the list per line took ~0.9 s), and custom.black.list's
 * repeats of black.list's entries dropped too. */
static void test_lists_many(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	for (int i = 0; i < 40000; i++)
		fprintf(m, "pkg%d\n", i % 20000);
	fclose(m);
	struct strv sv = STRV_INIT;
	struct uc_error err = {0};
	FILE *f = fmemopen(text, len, "r");
	assert_int_equal(skel_list_parse(&sv, f, "rpm.list", false, &err), 0);
	fclose(f);
	assert_int_equal(sv.n, 20000);
	assert_string_equal(sv.v[19999], "pkg19999");
	strv_clear(&sv);
	free(text);
	static const char one[] = "/a\n/b\n", two[] = "/b\n/c\n/a\n";
	f = fmemopen((void *)one, sizeof(one) - 1, "r");
	assert_int_equal(skel_list_parse(&sv, f, "black.list", true, &err), 0);
	fclose(f);
	f = fmemopen((void *)two, sizeof(two) - 1, "r");
	assert_int_equal(skel_list_parse(&sv, f, "custom.black.list", true, &err), 0);
	fclose(f);
	assert_int_equal(sv.n, 3);
	assert_string_equal(sv.v[2], "/c");
	strv_clear(&sv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cfg_good),	   cmocka_unit_test(test_cfg_bad),
	    cmocka_unit_test(test_cfg_no_section), cmocka_unit_test(test_lists),
	    cmocka_unit_test(test_lists_many),
	};
	return cmocka_run_group_tests_name("skel-conf", tests, NULL, NULL);
}
