/* A small streaming JSON writer and the control-panel envelope
 * {"data": ..., "metadata": {"result": "ok"}}. Output is written as it is
 * produced, so a verb can stream a list of a million files in bounded memory. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/error.h"

#define JSON_MAX_DEPTH 32

struct json {
	FILE *f;
	int depth;
	bool need_comma[JSON_MAX_DEPTH];
	bool after_key;
};

void json_init(struct json *j, FILE *f);
void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);
void json_key(struct json *j, const char *key);
/* Strings: UTF-8 passes through; control characters are escaped; bytes that
 * are not valid UTF-8 (file names can hold any byte) are written as \u00XX,
 * their Latin-1 code point, so the output always parses. */
void json_string(struct json *j, const char *s);
void json_int(struct json *j, int64_t v);
void json_uint(struct json *j, uint64_t v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);

/* Convenience: key + value. */
void json_kv_string(struct json *j, const char *key, const char *s);
void json_kv_uint(struct json *j, const char *key, uint64_t v);
void json_kv_int(struct json *j, const char *key, int64_t v);
void json_kv_bool(struct json *j, const char *key, bool v);

/* {"data": — the caller writes one value — then envelope_end closes with
 * "metadata": {"result": "ok"}. */
void json_envelope_begin(struct json *j);
void json_envelope_end(struct json *j);
/* The same with another result (a report whose data is the answer but
 * which did not succeed: check) and a message (NULL: none). */
void json_envelope_end_result(struct json *j, const char *result, const char *message);
/* A whole error envelope: {"data": null, "metadata": {"result": Kind, "message": msg}}. */
void json_envelope_error(FILE *f, enum uc_kind kind, const char *msg);
