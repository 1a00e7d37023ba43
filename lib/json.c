#include "lib/json.h"

#include <inttypes.h>
#include <string.h>

void json_init(struct json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
}

/* Separator before a value: a comma after a sibling, nothing after a key. */
static void before_value(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth > 0 && j->need_comma[j->depth - 1])
		fputc(',', j->f);
	if (j->depth > 0)
		j->need_comma[j->depth - 1] = true;
}

static void open_container(struct json *j, char c)
{
	before_value(j);
	fputc(c, j->f);
	if (j->depth < JSON_MAX_DEPTH)
		j->need_comma[j->depth] = false;
	j->depth++;
}

static void close_container(struct json *j, char c)
{
	if (j->depth > 0)
		j->depth--;
	fputc(c, j->f);
}

void json_object_begin(struct json *j)
{
	open_container(j, '{');
}

void json_object_end(struct json *j)
{
	close_container(j, '}');
}

void json_array_begin(struct json *j)
{
	open_container(j, '[');
}

void json_array_end(struct json *j)
{
	close_container(j, ']');
}

/* Length of the valid UTF-8 sequence at s, or 0 if it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n;
	uint32_t cp;
	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* reject overlong forms, surrogates and values past U+10FFFF */
	static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
	if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static void write_escaped(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	fputc('"', f);
	while (*s) {
		size_t n = utf8_len(s);
		if (n == 0) {
			fprintf(f, "\\u%04x", *s++);
			continue;
		}
		if (n > 1) {
			fwrite(s, 1, n, f);
			s += n;
			continue;
		}
		unsigned char c = *s++;
		switch (c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		default:
			if (c < 0x20 || c == 0x7f)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
		}
	}
	fputc('"', f);
}

void json_key(struct json *j, const char *key)
{
	before_value(j);
	write_escaped(j->f, key);
	fputc(':', j->f);
	j->after_key = true;
}

void json_string(struct json *j, const char *s)
{
	before_value(j);
	if (s)
		write_escaped(j->f, s);
	else
		fputs("null", j->f);
}

void json_int(struct json *j, int64_t v)
{
	before_value(j);
	fprintf(j->f, "%" PRId64, v);
}

void json_uint(struct json *j, uint64_t v)
{
	before_value(j);
	fprintf(j->f, "%" PRIu64, v);
}

void json_bool(struct json *j, bool v)
{
	before_value(j);
	fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j)
{
	before_value(j);
	fputs("null", j->f);
}

void json_kv_string(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_string(j, s);
}

void json_kv_uint(struct json *j, const char *key, uint64_t v)
{
	json_key(j, key);
	json_uint(j, v);
}

void json_kv_int(struct json *j, const char *key, int64_t v)
{
	json_key(j, key);
	json_int(j, v);
}

void json_kv_bool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	json_bool(j, v);
}

void json_envelope_begin(struct json *j)
{
	json_object_begin(j);
	json_key(j, "data");
}

void json_envelope_end(struct json *j)
{
	json_envelope_end_result(j, "ok", NULL);
}

void json_envelope_end_result(struct json *j, const char *result, const char *message)
{
	json_key(j, "metadata");
	json_object_begin(j);
	json_kv_string(j, "result", result);
	if (message)
		json_kv_string(j, "message", message);
	json_object_end(j);
	json_object_end(j);
	fputc('\n', j->f);
}

void json_envelope_error(FILE *f, enum uc_kind kind, const char *msg)
{
	struct json j;
	json_init(&j, f);
	json_object_begin(&j);
	json_key(&j, "data");
	json_null(&j);
	json_key(&j, "metadata");
	json_object_begin(&j);
	json_kv_string(&j, "result", uc_kind_name(kind));
	json_kv_string(&j, "message", msg);
	json_object_end(&j);
	json_object_end(&j);
	fputc('\n', f);
}
