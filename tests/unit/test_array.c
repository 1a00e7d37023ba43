/* Array growth (lib/array.c): doubling, and a count whose byte size would
 * wrap refused with -ENOMEM and nothing changed (no short buffer). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/array.h"

struct rec {
	char name[40];
	uint64_t size;
};

static void test_grow(void **state)
{
	(void)state;
	struct rec *v = NULL;
	size_t cap = 0, n = 0;
	for (unsigned i = 0; i < 1000; i++) {
		assert_int_equal(UC_GROW(&v, &cap, n + 1), 0);
		assert_true(cap >= n + 1);
		v[n++] = (struct rec){.size = i};
	}
	assert_int_equal(cap, 1024); /* 16 doubled */
	for (unsigned i = 0; i < 1000; i++)
		assert_int_equal(v[i].size, i);
	/* room already: nothing moves */
	struct rec *before = v;
	assert_int_equal(UC_GROW(&v, &cap, 10), 0);
	assert_ptr_equal(v, before);
	assert_int_equal(cap, 1024);
	/* a jump past double: exactly a power of two that holds it */
	assert_int_equal(UC_GROW(&v, &cap, 5000), 0);
	assert_int_equal(cap, 8192);
	free(v);
}

static void test_overflow(void **state)
{
	(void)state;
	struct rec *v = NULL;
	size_t cap = 0;
	assert_int_equal(UC_GROW(&v, &cap, 4), 0);
	v[0].size = 42;
	struct rec *before = v;
	size_t cap_before = cap;
	/* need * elem wraps around SIZE_MAX: refused, not a small buffer */
	size_t huge = SIZE_MAX / sizeof(struct rec) + 2;
	assert_int_equal(UC_GROW(&v, &cap, huge), -ENOMEM);
	assert_ptr_equal(v, before);
	assert_int_equal(cap, cap_before);
	/* the doubling itself would wrap */
	assert_int_equal(UC_GROW(&v, &cap, SIZE_MAX), -ENOMEM);
	assert_int_equal(cap, cap_before);
	/* a byte size that fits size_t but is more than any object can be */
	assert_int_equal(UC_GROW(&v, &cap, PTRDIFF_MAX / sizeof(struct rec) + 1), -ENOMEM);
	assert_int_equal(cap, cap_before);
	assert_int_equal(v[0].size, 42);
	/* the raw call with a byte-sized element and a wrapping capacity */
	void *p = NULL;
	size_t c = SIZE_MAX / 2 + 1;
	assert_int_equal(uc_grow(&p, &c, SIZE_MAX, 1), -ENOMEM);
	assert_null(p);
	assert_int_equal(c, SIZE_MAX / 2 + 1);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_grow),
	    cmocka_unit_test(test_overflow),
	};
	return cmocka_run_group_tests_name("array", tests, NULL, NULL);
}
