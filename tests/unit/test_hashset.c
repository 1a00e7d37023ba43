/* lib/hashset.c: the inode set and the string set, through their growth
 * (every entry found again after each rehash), values, borrowed keys, and
 * keys that collide in their hash slots or share long prefixes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hashset.h"

#define N 50000

static void test_inoset(void **state)
{
	struct inoset s = {0};
	bool added;
	assert_null(inoset_find(&s, 1, 1)); /* empty: no table yet */
	for (uint64_t i = 0; i < N; i++) {
		/* the same ino on two devices, and inos a power of two apart */
		struct inoset_ent *e = inoset_get(&s, i % 2, (i / 2) << 10, &added);
		assert_non_null(e);
		assert_true(added);
		e->value = i;
	}
	assert_int_equal(s.n, N);
	for (uint64_t i = 0; i < N; i++) {
		struct inoset_ent *e = inoset_find(&s, i % 2, (i / 2) << 10);
		assert_non_null(e);
		assert_int_equal(e->value, i);
	}
	assert_null(inoset_find(&s, 2, 0));
	assert_null(inoset_find(&s, 0, 1));
	struct inoset_ent *e = inoset_get(&s, 1, 0, &added);
	assert_false(added);
	assert_int_equal(e->value, 1); /* kept, not reset */
	assert_int_equal(s.n, N);
	inoset_release(&s);
	assert_int_equal(s.n, 0);
}

static void test_strset(void **state)
{
	struct strset s = {0};
	char buf[600];
	assert_false(strset_contains(&s, "x"));
	size_t v;
	assert_false(strset_get(&s, "x", &v));
	/* long shared prefixes (paths): only the tail differs */
	memset(buf, 'p', 500);
	for (int i = 0; i < N; i++) {
		snprintf(buf + 500, 100, "/%d", i);
		assert_int_equal(strset_put(&s, buf, (size_t)i), 1);
	}
	assert_int_equal(strset_add(&s, ""), 1);
	assert_int_equal(strset_add(&s, ""), 0);
	assert_int_equal(s.n, N + 1);
	for (int i = 0; i < N; i++) {
		snprintf(buf + 500, 100, "/%d", i);
		assert_true(strset_get(&s, buf, &v));
		assert_int_equal(v, i);
	}
	snprintf(buf + 500, 100, "/%d", N);
	assert_false(strset_contains(&s, buf));
	/* put updates, insert keeps and reports the old value */
	snprintf(buf + 500, 100, "/7");
	assert_int_equal(strset_put(&s, buf, 70), 0);
	size_t old = 0;
	assert_int_equal(strset_insert(&s, buf, 700, &old), 0);
	assert_int_equal(old, 70);
	assert_true(strset_get(&s, buf, &v));
	assert_int_equal(v, 70);
	/* the set owns its copies: the caller's buffer changes nothing */
	snprintf(buf, sizeof(buf), "mine");
	assert_int_equal(strset_add(&s, buf), 1);
	buf[0] = 'y';
	assert_true(strset_contains(&s, "mine"));
	assert_false(strset_contains(&s, "yine"));
	strset_release(&s);
	assert_int_equal(s.n, 0);
}

static void test_borrow(void **state)
{
	static char keys[1000][8];
	struct strset s = {.borrow = true};
	for (int i = 0; i < 1000; i++) {
		snprintf(keys[i], sizeof(keys[i]), "k%d", i);
		assert_int_equal(strset_insert(&s, keys[i], (size_t)i, NULL), 1);
	}
	size_t v;
	for (int i = 0; i < 1000; i++) {
		assert_true(strset_get(&s, keys[i], &v));
		assert_int_equal(v, i);
	}
	char probe[8];
	snprintf(probe, sizeof(probe), "k999");
	assert_true(strset_contains(&s, probe)); /* found by content, not pointer */
	strset_release(&s);			 /* frees no key */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_inoset),
	    cmocka_unit_test(test_strset),
	    cmocka_unit_test(test_borrow),
	};
	return cmocka_run_group_tests_name("hashset", tests, NULL, NULL);
}
