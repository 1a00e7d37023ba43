/* JSON writer and the control-panel envelope (lib/json.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"

struct buf {
	char *data;
	size_t len;
	FILE *f;
};

static void buf_open(struct buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->f = open_memstream(&b->data, &b->len);
}

static const char *buf_text(struct buf *b)
{
	fflush(b->f);
	return b->data;
}

static void buf_close(struct buf *b)
{
	fclose(b->f);
	free(b->data);
}

static void test_envelope_ok(void **st)
{
	struct buf b;
	struct json j;
	buf_open(&b);
	json_init(&j, b.f);
	json_envelope_begin(&j);
	json_array_begin(&j);
	json_object_begin(&j);
	json_kv_string(&j, "path", "/usr/bin/x");
	json_kv_uint(&j, "size", 42);
	json_kv_bool(&j, "ok", true);
	json_key(&j, "link");
	json_null(&j);
	json_key(&j, "flags");
	json_array_begin(&j);
	json_string(&j, "config");
	json_string(&j, "noreplace");
	json_array_end(&j);
	json_object_end(&j);
	json_int(&j, -7);
	json_array_end(&j);
	json_envelope_end(&j);
	assert_string_equal(buf_text(&b),
			    "{\"data\":[{\"path\":\"/usr/bin/x\",\"size\":42,\"ok\":true,"
			    "\"link\":null,\"flags\":[\"config\",\"noreplace\"]},-7],"
			    "\"metadata\":{\"result\":\"ok\"}}\n");
	buf_close(&b);
}

static void test_envelope_error(void **st)
{
	struct buf b;
	buf_open(&b);
	json_envelope_error(b.f, UC_NOTFOUND, "package \"x\" not found");
	assert_string_equal(buf_text(&b),
			    "{\"data\":null,\"metadata\":{\"result\":\"NotFound\",\"message\":"
			    "\"package \\\"x\\\" not found\"}}\n");
	buf_close(&b);
	static const struct {
		enum uc_kind k;
		const char *name;
	} kinds[] = {{UC_BADREQUEST, "BadRequest"},
		     {UC_PERMISSION, "PermissionDenied"},
		     {UC_INTERNAL, "InternalAPIError"},
		     {UC_NOTFOUND, "NotFound"}};
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(uc_kind_name(kinds[i].k), kinds[i].name);
}

static void test_escaping(void **st)
{
	struct buf b;
	struct json j;
	buf_open(&b);
	json_init(&j, b.f);
	/* quotes, backslash, control characters, valid UTF-8, invalid bytes */
	json_string(&j, "a\"b\\c\n\t\x01 \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xff\xc3(");
	assert_string_equal(buf_text(&b), "\"a\\\"b\\\\c\\n\\t\\u0001 \xc3\xa9 \xe2\x82\xac "
					  "\xf0\x9f\x98\x80 \\u00ff\\u00c3(\"");
	buf_close(&b);
	buf_open(&b);
	json_init(&j, b.f);
	json_string(&j, "\xc0\xaf\xed\xa0\x80"); /* overlong '/', a surrogate */
	assert_string_equal(buf_text(&b), "\"\\u00c0\\u00af\\u00ed\\u00a0\\u0080\"");
	buf_close(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_envelope_ok),
	    cmocka_unit_test(test_envelope_error),
	    cmocka_unit_test(test_escaping),
	};
	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
