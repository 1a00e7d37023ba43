/* Object keys as hex (lib/objkey.c) and the TSV escaping of names
 * (lib/lines.c): both on every line of an index and a manifest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/objkey.h"

static void test_hex(void **state)
{
	(void)state;
	struct objkey k, k2;
	for (int i = 0; i < OBJKEY_LEN; i++)
		k.b[i] = (uint8_t)(i * 37 + 11);
	char hex[2 * OBJKEY_LEN + 1];
	objkey_hex(&k, hex);
	assert_int_equal(strlen(hex), 2 * OBJKEY_LEN);
	assert_int_equal(objkey_from_hex(hex, &k2), 0);
	assert_memory_equal(k.b, k2.b, OBJKEY_LEN);
	char up[sizeof(hex)];
	for (size_t i = 0; i < sizeof(hex); i++)
		up[i] = (char)(hex[i] >= 'a' && hex[i] <= 'f' ? hex[i] - 32 : hex[i]);
	assert_int_equal(objkey_from_hex(up, &k2), 0);
	assert_memory_equal(k.b, k2.b, OBJKEY_LEN);
	/* what sscanf's %2hhx let through, and short keys */
	char bad[sizeof(hex)];
	const char *subs[] = {" f", "+f", "-1", "0x", "g0", "\t0"};
	for (size_t s = 0; s < sizeof(subs) / sizeof(*subs); s++) {
		memcpy(bad, hex, sizeof(hex));
		memcpy(bad + 10, subs[s], 2);
		assert_int_equal(objkey_from_hex(bad, &k2), -EINVAL);
	}
	memcpy(bad, hex, sizeof(hex));
	bad[2 * OBJKEY_LEN - 1] = '\0';
	assert_int_equal(objkey_from_hex(bad, &k2), -EINVAL);
	assert_int_equal(objkey_from_hex("", &k2), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hex),
	};
	return cmocka_run_group_tests_name("objkey", tests, NULL, NULL);
}
