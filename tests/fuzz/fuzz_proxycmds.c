/* proxy.commands (lib/proxycmds.c, proxy_commands_parse_file): parsed or
 * refused naming proxy.commands:LINE, nothing kept from a refused file; an
 * entry taken has a valid alias given once, a clean absolute program and
 * wrapper path, and a user name or none. A second file (the input again, as
 * custom.proxy.commands) replaces aliases and adds none twice. */
#include "tests/fuzz/fuzz.h"

#include "lib/path.h"
#include "lib/proxycmds.h"

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void check(const struct proxy_commands *c)
{
	const char **names = malloc((c->n + 1) * sizeof(*names));
	if (!names)
		abort();
	for (size_t i = 0; i < c->n; i++) {
		const struct proxy_command *p = &c->v[i];
		FUZZ_ASSERT(p->alias[0] && !strpbrk(p->alias, " \t\n/:="));
		FUZZ_ASSERT(path_is_clean_absolute(p->path) && strcmp(p->path, "/"));
		FUZZ_ASSERT(path_is_clean_absolute(p->wrapper));
		FUZZ_ASSERT(!strpbrk(p->user, " \t\n/:"));
		names[i] = p->alias;
	}
	/* sorted, not pairwise: the target must stay linear where the parser is */
	qsort(names, c->n, sizeof(*names), by_name);
	for (size_t i = 1; i < c->n; i++)
		FUZZ_ASSERT(strcmp(names[i - 1], names[i]) != 0);
	free(names);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int dfd = fuzz_dir();
	fuzz_put(dfd, "proxy.commands", data, size);
	char path[128];
	snprintf(path, sizeof(path), "%s/proxy.commands", fuzz_dir_path);
	struct proxy_commands c = {0};
	struct uc_error err = {0};
	int r = proxy_commands_parse_file(&c, path, "proxy.commands", &err);
	FUZZ_ASSERT(r == 0 || strncmp(err.msg, "proxy.commands:", 15) == 0);
	if (r == 0) {
		check(&c);
		size_t n = c.n;
		/* the same lines again, as a later file: each replaces its own */
		r = proxy_commands_parse_file(&c, path, "custom.proxy.commands", &err);
		FUZZ_ASSERT(r == 0 && c.n == n);
		check(&c);
		for (size_t i = 0; i < c.n && i < 64; i++) /* find is a linear search */
			FUZZ_ASSERT(proxy_commands_find(&c, c.v[i].alias, NULL) == &c.v[i]);
	}
	proxy_commands_release(&c);
	return 0;
}
