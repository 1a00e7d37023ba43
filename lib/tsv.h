/* The one escaping of the project's tab-separated records (the generation
 * manifest, the skeleton index, the export manifest, rpm-files, elfdeps):
 * a field may hold any byte but NUL, and its written form holds no control
 * byte at all (no tab or newline to split a record, no escape sequence for
 * a terminal that shows a path):
 *
 *   \\  a backslash       \t  a tab        \n  a newline
 *   \xHH  any other byte 0x01..0x1f or 0x7f (two lowercase hex digits)
 *
 * Every other byte (0x80..0xff included) stands for itself. The reader is
 * strict: an escape not in this table (a lone backslash at the end, "\q",
 * "\x41", "\x00", "\x1F"), or a raw control byte, is an error (the caller
 * names file:line); so a written field has exactly one spelling, and
 * tsv_unescape(tsv_put(s)) == s for every s.
 *
 * Files of format version 1 (before this module) were written with the
 * first three escapes only and other control bytes raw: TSV_RAW_CTRL reads
 * those (raw control bytes other than tab and newline taken as they are;
 * the escapes as strict as ever, version 1 never wrote another one). */
#pragma once

#include <stdio.h>

enum { TSV_RAW_CTRL = 1 };

/* s escaped onto f. */
void tsv_put(FILE *f, const char *s);
/* Undo tsv_put in place: 0, or -EINVAL (s then undefined). */
int tsv_unescape(char *s, unsigned flags);
