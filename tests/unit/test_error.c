/* The error convention (lib/error.c): kinds from errno, and context put
 * around a callee's message without losing its kind, errno or the part
 * that says what to do. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "lib/error.h"

static void test_fail_errno(void **state)
{
	(void)state;
	struct uc_error e;
	uc_error_clear(&e);
	assert_int_equal(uc_fail_errno(&e, ENOENT, "open %s", "/x"), -ENOENT);
	assert_int_equal(e.kind, UC_NOTFOUND);
	assert_string_equal(e.msg, "open /x: No such file or directory");
	assert_int_equal(uc_fail_errno(&e, -EACCES, "y"), -EACCES);
	assert_int_equal(e.kind, UC_PERMISSION);
	assert_int_equal(uc_fail(&e, UC_BADREQUEST, "bad"), -EINVAL);
	assert_int_equal(uc_fail_errno(NULL, EPERM, "nobody listens"), -EPERM);
}

static void test_prefix_suffix(void **state)
{
	(void)state;
	struct uc_error e;
	uc_error_clear(&e);
	uc_fail_errno(&e, ENOSPC, "write %s", "f");
	assert_int_equal(uc_error_prefix(&e, -ENOSPC, "cage of %s", "alice"), -ENOSPC);
	assert_string_equal(e.msg, "cage of alice: write f: No space left on device");
	assert_int_equal(e.kind, UC_INTERNAL);
	assert_int_equal(e.errnum, ENOSPC);
	assert_int_equal(uc_error_suffix(&e, -5, "try %s", "again"), -5);
	assert_string_equal(e.msg, "cage of alice: write f: No space left on device; try again");
	assert_int_equal(uc_error_prefix(NULL, -1, "x"), -1);
}

/* a callee's message that fills msg: a prefix still comes first, and a
 * suffix (what to do) is never the part cut */
static void test_long(void **state)
{
	(void)state;
	struct uc_error e;
	char big[600];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	uc_fail(&e, UC_NOTFOUND, "%s", big);
	uc_error_suffix(&e, -ENOENT, "remove %s", "/state/imports/alice.intent");
	assert_true(strlen(e.msg) < sizeof(e.msg));
	const char *tail = "; remove /state/imports/alice.intent";
	assert_string_equal(e.msg + strlen(e.msg) - strlen(tail), tail);
	uc_fail(&e, UC_NOTFOUND, "%s", big);
	uc_error_prefix(&e, -ENOENT, "cage of %s", "bob");
	assert_memory_equal(e.msg, "cage of bob: aaa", 16);
	assert_int_equal(e.kind, UC_NOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fail_errno),
	    cmocka_unit_test(test_prefix_suffix),
	    cmocka_unit_test(test_long),
	};
	return cmocka_run_group_tests_name("error", tests, NULL, NULL);
}
