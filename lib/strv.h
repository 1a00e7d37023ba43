/* A growable, NULL-terminated vector of owned strings. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct strv {
	char **v; /* NULL-terminated when n > 0 */
	size_t n;
	size_t cap;
};

#define STRV_INIT                                                                                  \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

/* Append a copy of s (or of its first len bytes). Returns 0 or -ENOMEM. */
int strv_push(struct strv *sv, const char *s);
int strv_pushn(struct strv *sv, const char *s, size_t len);
/* Append s itself; the vector takes ownership (freed on error too). */
int strv_push_owned(struct strv *sv, char *s);
bool strv_contains(const struct strv *sv, const char *s);
void strv_clear(struct strv *sv);
/* Replace dst's contents with a deep copy of src. */
int strv_copy(struct strv *dst, const struct strv *src);
/* Strip leading and trailing whitespace in place; returns the new start. */
char *str_trim(char *s);

/* Split s at any of the separator characters, skipping empty items. */
int strv_split(struct strv *sv, const char *s, const char *seps);
