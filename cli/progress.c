#include "cli/progress.h"

#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

static void print(void *ctx, const char *what, const char *phase, uint64_t done, uint64_t total,
		  bool last)
{
	(void)ctx;
	fprintf(stderr, "\r%s: %s %" PRIu64 "/%" PRIu64 "%s", what, phase, done, total,
		last ? "\n" : "");
}

struct uc_progress cli_progress(const struct cli *cli)
{
	if (cli->json || cli->verbosity < 0 || !isatty(STDERR_FILENO))
		return (struct uc_progress){0};
	return (struct uc_progress){.fn = print};
}
