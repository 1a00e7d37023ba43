/* Progress of a long library operation, handed to whoever asked for it
 * (the CLI prints it on a terminal: cli/progress.h). Library code never
 * prints: it says which phase, how far of how much, and when it is over;
 * how often it calls is its own choice (a few times a second at most). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct uc_progress {
	/* phase names the units too ("objects", "groups", "MB") */
	void (*fn)(void *ctx, const char *what, const char *phase, uint64_t done, uint64_t total,
		   bool last);
	void *ctx;
};

static inline void uc_progress(const struct uc_progress *p, const char *what, const char *phase,
			       uint64_t done, uint64_t total, bool last)
{
	if (p && p->fn)
		p->fn(p->ctx, what, phase, done, total, last);
}

static inline bool uc_progress_wanted(const struct uc_progress *p)
{
	return p && p->fn;
}
