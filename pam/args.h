/* The module's arguments (doc/pam.md): config=/ABS/FILE, fail_open, debug.
 * In this header so the module and its fuzz target (tests/fuzz/fuzz_pamargs.c)
 * share the one parser: pam/ is not part of the library. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <string.h>

struct pam_args {
	const char *config; /* config=FILE (must exist); NULL: UC_DEFAULT_CONFIG when it
			       exists, else the built-in defaults (as the CLI) */
	bool fail_open;
	bool debug;
};

/* 0, or -EINVAL with *bad the argument refused: a typo must not silently
 * weaken anything (an unknown word, a relative or empty config=, a
 * config= given twice: which file would rule?). */
static inline int pam_args_parse(int argc, const char *const *argv, struct pam_args *a,
				 const char **bad)
{
	*a = (struct pam_args){.config = NULL};
	for (int i = 0; i < argc; i++) {
		const char *s = argv[i];
		if (strncmp(s, "config=", 7) == 0 && s[7] == '/' && !a->config)
			a->config = s + 7;
		else if (strcmp(s, "fail_open") == 0)
			a->fail_open = true;
		else if (strcmp(s, "debug") == 0)
			a->debug = true;
		else
			return *bad = s, -EINVAL;
	}
	return 0;
}
