/* The cage archive manifest (export/xman.c): format then parse gives the
 * same thing back, names with newlines and tabs included; bad manifests are
 * refused naming the line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/xman.h"

#define H1 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define H2 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static void test_round_trip(void **state)
{
	struct xman m, back;
	struct uc_error err = {0};
	xman_init(&m);
	snprintf(m.host, sizeof(m.host), "%s", "host1");
	snprintf(m.user, sizeof(m.user), "%s", "alice");
	snprintf(m.gen, sizeof(m.gen), "%s", "gen-000007");
	snprintf(m.gen_sha, sizeof(m.gen_sha), "%s", H2);
	m.uid = 1001;
	m.gid = 1002;
	m.created = 1790000000;
	m.enabled = true;
	assert_int_equal(strv_push(&m.peruser, "/var/cache/app 0700"), 0);
	assert_int_equal(xman_add_file(&m, "upper/a b", H1), 0);
	assert_int_equal(xman_add_file(&m, "upper/new\nline\tand\\slash", H2), 0);
	assert_int_equal(xman_add_file(&m, "upper/ctl\x01\r\x1b[0m\x7f", H1), 0);
	assert_int_equal(xman_add_file(&m, "upper/a b", H2), -EEXIST);
	char *text;
	size_t len;
	assert_int_equal(xman_format(&m, &text, &len), 0);
	assert_int_equal(xman_parse(&back, text, len, &err), 0);
	assert_non_null(strstr(text, "unicage-export 2\n"));
	assert_non_null(strstr(text, " upper/ctl\\x01\\x0d\\x1b[0m\\x7f\n"));
	assert_string_equal(xman_file_hex(&back, "upper/ctl\x01\r\x1b[0m\x7f"), H1);
	assert_string_equal(back.user, "alice");
	assert_string_equal(back.host, "host1");
	assert_string_equal(back.gen, "gen-000007");
	assert_string_equal(back.gen_sha, H2);
	assert_int_equal(back.uid, 1001);
	assert_int_equal(back.gid, 1002);
	assert_true(back.enabled);
	assert_false(back.with_home);
	assert_int_equal(back.created, 1790000000);
	assert_int_equal(back.paths.n, 3);
	assert_string_equal(xman_file_hex(&back, "upper/a b"), H1);
	assert_string_equal(xman_file_hex(&back, "upper/new\nline\tand\\slash"), H2);
	assert_null(xman_file_hex(&back, "upper/other"));
	assert_string_equal(back.peruser.v[0], "/var/cache/app 0700");
	free(text);
	xman_release(&m);
	xman_release(&back);
}

/* An archive of the version-1 writer (before lib/tsv.c): a name's control
 * bytes other than tab and newline raw; it still imports. */
static void test_version1(void **state)
{
	static const char v1[] =
	    "unicage-export 1\nuser a\ngeneration g\nfile " H1 " upper/raw\x01\r\x1b[0m\n"
	    "file " H2 " upper/a\\tb\\nc\\\\d\n";
	struct xman m;
	struct uc_error err = {0};
	if (xman_parse(&m, v1, strlen(v1), &err) != 0)
		fail_msg("%s", err.msg);
	assert_string_equal(xman_file_hex(&m, "upper/raw\x01\r\x1b[0m"), H1);
	assert_string_equal(xman_file_hex(&m, "upper/a\tb\nc\\d"), H2);
	xman_release(&m);
}

static void expect_bad(const char *text, const char *msg)
{
	struct xman m;
	struct uc_error err = {0};
	assert_int_not_equal(xman_parse(&m, text, strlen(text), &err), 0);
	assert_int_equal(err.kind, UC_BADREQUEST);
	if (!strstr(err.msg, msg))
		fail_msg("'%s' does not say '%s'", err.msg, msg);
	xman_release(&m);
}

static void test_bad(void **state)
{
	expect_bad("tar-manifest 1\n", "UNICAGE-MANIFEST:1: not a unicage cage archive");
	expect_bad("unicage-export 3\nuser a\ngeneration g\n", "format version 3");
	expect_bad("unicage-export 1\nuser a\ngeneration g\nfile nothex upper/x\n",
		   "UNICAGE-MANIFEST:4: bad value for 'file'");
	expect_bad("unicage-export 1\nuser a\ngeneration g\nfile " H1 " upper/x\nfile " H1
		   " upper/x\n",
		   "UNICAGE-MANIFEST:5: file listed twice");
	expect_bad("unicage-export 1\nuser a\ngeneration g\nuid -1\n", "UNICAGE-MANIFEST:4");
	expect_bad("unicage-export 1\nuser a b\ngeneration g\n", "UNICAGE-MANIFEST:2");
	expect_bad("unicage-export 1\nsurprise 1\n", "unknown key 'surprise'");
	expect_bad("unicage-export 1\ngeneration g\n", "no user or generation");
	expect_bad("unicage-export 1\nuser a\ngeneration g\nfile " H1 " upper/bad\\escape\n",
		   "UNICAGE-MANIFEST:4");
	/* version 2 (lib/tsv.h): no raw control byte, no escape tsv_put does
	 * not write */
	expect_bad("unicage-export 2\nuser a\ngeneration g\nfile " H1 " upper/raw\x01\n",
		   "UNICAGE-MANIFEST:4: bad value for 'file'");
	expect_bad("unicage-export 2\nuser a\ngeneration g\nfile " H1 " upper/x\\x41\n",
		   "UNICAGE-MANIFEST:4: bad value for 'file'");
	/* an archive entry name that is empty, climbs or is absolute */
	expect_bad("unicage-export 1\nuser a\ngeneration g\nfile " H1 " \n",
		   "UNICAGE-MANIFEST:4: bad value for 'file': '' is empty");
	expect_bad("unicage-export 1\nuser a\ngeneration g\nfile " H1 " ../etc/x\n",
		   "UNICAGE-MANIFEST:4: bad value for 'file'");
	expect_bad("unicage-export 1\nuser a\ngeneration g\nfile " H1 " upper/../../x\n",
		   "'upper/../../x' is a path with a '..' component");
	expect_bad("unicage-export 1\nuser a\ngeneration g\nfile " H1 " /etc/x\n",
		   "UNICAGE-MANIFEST:4: bad value for 'file': '/etc/x' is an absolute path");
	expect_bad("unicage-export 1\nuser a\ngeneration g\nfile " H1 " upper//x\n",
		   "'upper//x' is not a clean relative path");
	/* blank lines count: the bad line is the 6th of the file */
	expect_bad("unicage-export 1\n\nuser a\n\ngeneration g\nuid x\n",
		   "UNICAGE-MANIFEST:6: bad value for 'uid'");
	expect_bad("unicage-export 1\nuser a\nuser b\ngeneration g\n",
		   "UNICAGE-MANIFEST:3: 'user' given twice");
	struct xman m;
	struct uc_error err = {0};
	assert_int_not_equal(xman_parse(&m, "unicage-export 1\nuser a\0b\n", 26, &err), 0);
	assert_non_null(strstr(err.msg, "NUL"));
	xman_release(&m);
}

/* No host line (gethostname gave nothing): parsed, written back without
 * one, parsed again (the writer wrote "host " which its parser refused). */
static void test_no_host(void **state)
{
	static const char text[] = "unicage-export 1\nuser a\ngeneration g\n";
	struct xman m, back;
	struct uc_error err = {0};
	assert_int_equal(xman_parse(&m, text, strlen(text), &err), 0);
	assert_string_equal(m.host, "");
	char *out;
	size_t len;
	assert_int_equal(xman_format(&m, &out, &len), 0);
	assert_null(strstr(out, "host"));
	assert_int_equal(xman_parse(&back, out, len, &err), 0);
	assert_string_equal(back.user, "a");
	free(out);
	xman_release(&m);
	xman_release(&back);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_bad),
	    cmocka_unit_test(test_no_host),
	    cmocka_unit_test(test_version1),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
