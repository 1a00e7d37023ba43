/* A verb's counters (a struct of uint64_t or atomic_ullong fields) printed
 * as "  name  value" lines or as JSON keys, from one table: skel's and
 * unify's statistics. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/json.h"

struct cli_counter {
	const char *key; /* the field's name: the JSON key and the label */
	size_t off;	 /* offsetof the field */
};
#define CLI_COUNTER(type, field)                                                                   \
	{                                                                                          \
#field, offsetof(type, field)                                                      \
	}

struct cli_counters {
	const struct cli_counter *v;
	size_t n;
	bool atomic; /* the fields are atomic_ullong (filled by threads) */
};

uint64_t cli_counter_get(const struct cli_counters *c, const void *s, size_t i);
/* Every counter as a key of the JSON object being written. */
void cli_counters_json(const struct cli_counters *c, const void *s, struct json *j);
/* Every counter on a line of its own: "  key  value". */
void cli_counters_print(const struct cli_counters *c, const void *s, FILE *o);
