/* The passwd/group reader (lib/pwfile.c): empty fields kept, lines of any
 * length, comments and blank lines, malformed lines named file:line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/pwfile.h"

static FILE *mem(const char *text)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	assert_non_null(f);
	return f;
}

static void test_empty_fields(void **state)
{
	FILE *f = mem("wheel::10:alice\n"
		      "users:x:100:\n"
		      "staff:x:50\n"
		      "nogid:x\n"
		      "alice:x:1001:1001::/home/alice:\n");
	struct pwfile p;
	struct uc_error err = {0};
	pwfile_init(&p, f, "group", PWFILE_GROUP);
	assert_int_equal(pwfile_next(&p, &err), 1);
	assert_string_equal(p.field[0], "wheel");
	assert_string_equal(p.field[1], "");
	assert_string_equal(p.field[2], "10");
	assert_string_equal(p.field[3], "alice");
	assert_int_equal(pwfile_next(&p, &err), 1);
	assert_string_equal(p.field[3], "");
	/* glibc reads a group without the members' colon */
	assert_int_equal(pwfile_next(&p, &err), 1);
	assert_string_equal(p.field[0], "staff");
	assert_string_equal(p.field[2], "50");
	assert_string_equal(p.field[3], "");
	/* too few: the gid is missing */
	assert_int_equal(pwfile_next(&p, &err), -EINVAL);
	assert_string_equal(err.msg, "group:4: 2 fields, expected 4");
	/* a passwd line read as a group file has too many fields */
	assert_int_equal(pwfile_next(&p, &err), -EINVAL);
	assert_string_equal(err.msg, "group:5: 7 fields, expected 4");
	assert_int_equal(pwfile_next(&p, &err), 0);
	pwfile_release(&p);
	fclose(f);

	f = mem("alice:x:1001:1001::/home/alice:\n"
		"bob:x:1002:1002:Bob\n" /* glibc: no home, no shell */
		"carol:x:1003\n");	/* no gid: malformed */
	pwfile_init(&p, f, "passwd", PWFILE_PASSWD);
	assert_int_equal(pwfile_next(&p, &err), 1);
	assert_string_equal(p.field[4], "");
	assert_string_equal(p.field[5], "/home/alice");
	assert_string_equal(p.field[6], "");
	assert_int_equal(pwfile_next(&p, &err), 1);
	assert_string_equal(p.field[4], "Bob");
	assert_string_equal(p.field[5], "");
	assert_string_equal(p.field[6], "");
	assert_int_equal(pwfile_next(&p, &err), -EINVAL);
	assert_string_equal(err.msg, "passwd:3: 3 fields, expected 7");
	assert_int_equal(pwfile_next(&p, &err), 0);
	pwfile_release(&p);
	fclose(f);
}

static void test_long_lines(void **state)
{
	/* a group with 20,000 members (a long "users" line), then one more */
	size_t cap = 20000 * 12 + 64, off = 0;
	char *text = malloc(cap);
	assert_non_null(text);
	off += (size_t)snprintf(text + off, cap - off, "users:x:100:");
	for (int i = 0; i < 20000; i++)
		off += (size_t)snprintf(text + off, cap - off, "%su%05d", i ? "," : "", i);
	snprintf(text + off, cap - off, "\nwheel::10:u19999\n");
	FILE *f = mem(text);
	struct pwfile p;
	struct uc_error err = {0};
	pwfile_init(&p, f, "group", PWFILE_GROUP);
	assert_int_equal(pwfile_next(&p, &err), 1);
	assert_true(pwfile_member(p.field[3], "u19999"));
	assert_true(pwfile_member(p.field[3], "u00000"));
	assert_false(pwfile_member(p.field[3], "u2"));
	assert_int_equal(pwfile_next(&p, &err), 1);
	assert_string_equal(p.field[0], "wheel");
	assert_int_equal(p.lineno, 2);
	assert_int_equal(pwfile_next(&p, &err), 0);
	pwfile_release(&p);
	fclose(f);
	free(text);
}

static void test_comments_blank(void **state)
{
	FILE *f = mem("# a comment\n"
		      "\n"
		      "   \t\n"
		      "root:x:0:0:root:/root:/bin/bash\n"
		      "#alice:x:1001:1001::/home/alice:/bin/sh\n"
		      "bin:x:1:1:bin:/bin:/sbin/nologin"); /* no newline at the end */
	struct pwfile p;
	struct uc_error err = {0};
	pwfile_init(&p, f, "passwd", PWFILE_PASSWD);
	assert_int_equal(pwfile_next(&p, &err), 1);
	assert_string_equal(p.field[0], "root");
	assert_int_equal(p.lineno, 4);
	assert_int_equal(pwfile_next(&p, &err), 1);
	assert_string_equal(p.field[0], "bin");
	assert_string_equal(p.field[6], "/sbin/nologin");
	assert_int_equal(p.lineno, 6);
	assert_int_equal(pwfile_next(&p, &err), 0);
	pwfile_release(&p);
	fclose(f);
}

static void test_malformed(void **state)
{
	static const char text[] = "root:x:0:0:root:/root:/bin/bash\n"
				   "broken line\n"
				   ":x:5:5::/:/bin/sh\n"
				   "a:x:1:1:gecos:/home/a:/bin/sh:extra\n"
				   "nul\0:x:2:2::/:/bin/sh\n"
				   "bob:x:1002:1002:Bob:/home/bob:/bin/bash\n";
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");
	struct pwfile p;
	struct uc_error err = {0};
	pwfile_init(&p, f, "/etc/passwd", PWFILE_PASSWD);
	assert_int_equal(pwfile_next(&p, &err), 1);
	static const char *const msgs[] = {
	    "/etc/passwd:2: 1 fields, expected 7",
	    "/etc/passwd:3: empty name",
	    "/etc/passwd:4: 8 fields, expected 7",
	    "/etc/passwd:5: NUL byte in line",
	};
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(pwfile_next(&p, &err), -EINVAL);
		assert_int_equal(err.kind, UC_BADREQUEST);
		assert_string_equal(err.msg, msgs[i]);
	}
	/* the reader goes on after a bad line: the caller chooses */
	assert_int_equal(pwfile_next(&p, &err), 1);
	assert_string_equal(p.field[0], "bob");
	assert_string_equal(p.field[4], "Bob");
	assert_int_equal(pwfile_next(&p, &err), 0);
	pwfile_release(&p);
	fclose(f);
}

static void test_ids_members(void **state)
{
	unsigned id = 7;
	assert_int_equal(pwfile_id("0", &id), 0);
	assert_int_equal(id, 0);
	assert_int_equal(pwfile_id("4294967294", &id), 0);
	assert_int_equal(id, 4294967294u);
	static const char *const bad[] = {
	    "", "-1", "+1", " 1", "1 ", "1x", "4294967295", "4294967296", "99999999999999999999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_int_equal(pwfile_id(bad[i], &id), -EINVAL);
	assert_true(pwfile_member("alice", "alice"));
	assert_true(pwfile_member("bob,,alice,", "alice"));
	assert_false(pwfile_member("alicex,xalice", "alice"));
	assert_false(pwfile_member("", "alice"));
	assert_false(pwfile_member(",,", ""));
}

static void test_member_gids(void **state)
{
	FILE *f = mem("root:x:0:\n"
		      "wheel::10:alice,bob\n"
		      "alice:x:1001:\n"
		      "broken line\n"
		      "users:x:100:bob,alice\n"
		      "again::10:alice\n"     /* the same gid twice: once */
		      "self:x:1001:alice\n"   /* the primary group: not again */
		      "nonum:x:1x:alice\n"    /* no id: skipped */
		      "last:x:200:alicex\n"); /* another name */
	gid_t gids[8] = {1001};
	int n = 1;
	assert_int_equal(pwfile_member_gids(f, "group", "alice", 1001, gids, &n, 8), 0);
	assert_int_equal(n, 3);
	assert_int_equal(gids[1], 10);
	assert_int_equal(gids[2], 100);
	rewind(f);
	n = 1; /* max: the list is cut, never overrun */
	assert_int_equal(pwfile_member_gids(f, "group", "alice", 1001, gids, &n, 2), 0);
	assert_int_equal(n, 2);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty_fields),   cmocka_unit_test(test_long_lines),
	    cmocka_unit_test(test_comments_blank), cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_ids_members),	   cmocka_unit_test(test_member_gids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
