#include "cli/counters.h"

#include <inttypes.h>
#include <stdatomic.h>

uint64_t cli_counter_get(const struct cli_counters *c, const void *s, size_t i)
{
	const char *p = (const char *)s + c->v[i].off;
	return c->atomic ? (uint64_t)atomic_load((const atomic_ullong *)p) : *(const uint64_t *)p;
}

void cli_counters_json(const struct cli_counters *c, const void *s, struct json *j)
{
	for (size_t i = 0; i < c->n; i++)
		json_kv_uint(j, c->v[i].key, cli_counter_get(c, s, i));
}

void cli_counters_print(const struct cli_counters *c, const void *s, FILE *o)
{
	for (size_t i = 0; i < c->n; i++)
		fprintf(o, "  %-22s %" PRIu64 "\n", c->v[i].key, cli_counter_get(c, s, i));
}
