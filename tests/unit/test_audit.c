/* The audit line (lib/audit.c): fields in a fixed order, words that a user
 * may have chosen quoted and escaped (no newline, no quote, no control byte
 * reaches the log as itself), cut at the buffer without overrunning it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/audit.h"

static char line[2048];

static const char *fmt(const char *verb, char *const cages[], char *const cmd[], const char *res)
{
	uc_audit_format(line, sizeof(line), verb, cages, cmd, res);
	return line;
}

/* the line after " uid=N" and an auid= the test's process may or may not have */
static const char *after_ids(const char *l)
{
	const char *p = strstr(l, " uid=");
	assert_non_null(p);
	p = strchr(p + 1, ' ');
	if (p && !strncmp(p, " auid=", 6))
		p = strchr(p + 1, ' ');
	assert_non_null(p);
	return p;
}

static void test_fields(void **st)
{
	unsetenv("SUDO_USER");
	char *cages[] = {"alice", NULL}, *cmd[] = {"id", "-un", NULL};
	const char *l = fmt("exec", cages, cmd, NULL);
	char want[64];
	snprintf(want, sizeof(want), "exec cage=alice uid=%u", (unsigned)getuid());
	assert_int_equal(strncmp(l, want, strlen(want)), 0);
	assert_string_equal(after_ids(l), " cmd=id -un");
	setenv("SUDO_USER", "bob", 1);
	l = fmt("enter", cages, NULL, NULL);
	assert_string_equal(after_ids(l), " sudo_user=bob cmd=(shell)");
	char *two[] = {"alice", "carol", NULL}, *argv[] = {"remount", "--kill", "alice", NULL};
	l = fmt("remount", two, argv, NULL);
	assert_non_null(strstr(l, "remount cage=alice,carol uid="));
	assert_string_equal(after_ids(l), " sudo_user=bob cmd=remount --kill alice");
	l = fmt("remount-all", NULL, argv, "ok");
	assert_non_null(strstr(l, "remount-all cage=* uid="));
	assert_string_equal(after_ids(l), " sudo_user=bob result=ok cmd=remount --kill alice");
	unsetenv("SUDO_USER");
}

static void test_hostile_words(void **st)
{
	setenv("SUDO_USER", "x cmd=forged\nunicage: enter", 1);
	char *cages[] = {"al ice", NULL};
	char *cmd[] = {"sh", "-c", "echo 'hi'\n\033[2J\\", "", NULL};
	const char *l = fmt("exec", cages, cmd, NULL);
	assert_null(strchr(l, '\n'));
	assert_null(strchr(l, '\033'));
	assert_non_null(strstr(l, "exec cage='al ice' uid="));
	assert_string_equal(after_ids(l), " sudo_user='x cmd=forged\\x0aunicage: enter' cmd=sh -c "
					  "'echo \\x27hi\\x27\\x0a\\x1b[2J\\x5c' ''");
	unsetenv("SUDO_USER");
}

static void test_cut(void **st)
{
	char small[24];
	char *cages[] = {"alice", NULL}, *cmd[] = {"a-very-long-command-line", NULL};
	size_t n = uc_audit_format(small, sizeof(small), "exec", cages, cmd, NULL);
	assert_int_equal(n, sizeof(small) - 1);
	assert_int_equal(strlen(small), n);
	assert_int_equal(strncmp(small, "exec cage=alice uid=", 20), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fields),
	    cmocka_unit_test(test_hostile_words),
	    cmocka_unit_test(test_cut),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
