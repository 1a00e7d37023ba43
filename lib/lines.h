/* Reading the project's text inputs (unicage.conf, conf.d, lists, cage.mp):
 * one place that numbers lines for "FILE:LINE" messages and refuses NUL bytes. */
#pragma once

#include <stdio.h>

#include "lib/error.h"

/* Called per line (with its newline); where is "NAME:N". <0 stops the read. */
typedef int (*uc_line_fn)(char *line, const char *where, unsigned lineno, void *arg,
			  struct uc_error *err);

/* fn for every line of f; a line holding a NUL byte is UC_BADREQUEST. */
int uc_read_lines(FILE *f, const char *name, uc_line_fn fn, void *arg, struct uc_error *err);

/* The one escaping of the project's tab-separated records (manifest, index,
 * rpm-files, elfdeps): \t, \n and \\ written as backslash sequences, so a
 * path may hold any byte but NUL. */
void uc_put_escaped(FILE *f, const char *s);
/* Undo uc_put_escaped in place; returns s. */
char *uc_unescape(char *s);
