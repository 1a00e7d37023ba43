/* Reading the project's text inputs (unicage.conf, conf.d, lists, cage.mp):
 * one place that numbers lines for "FILE:LINE" messages and refuses NUL bytes. */
#pragma once

#include <stdint.h>
#include <stdio.h>

#include "lib/error.h"

/* Called per line (with its newline); where is "NAME:N". <0 stops the read. */
typedef int (*uc_line_fn)(char *line, const char *where, unsigned lineno, void *arg,
			  struct uc_error *err);

/* fn for every line of f; a line holding a NUL byte is UC_BADREQUEST. */
int uc_read_lines(FILE *f, const char *name, uc_line_fn fn, void *arg, struct uc_error *err);

/* Strict numbers of those records and lists: digits of base (10 or 8)
 * only, a '-' first for the signed one; no blank, no '+', no wrap: a value
 * above max (or outside int64_t) is -EINVAL, where strtoul would turn
 * "4294967296" into 0 and "-1" into 4294967295. *end (may be NULL) gets
 * the first byte after the digits, which the caller checks. */
int uc_parse_u64(const char *s, int base, uint64_t max, uint64_t *out, char **end);
int uc_parse_s64(const char *s, int64_t *out, char **end);
