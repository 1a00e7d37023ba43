/* pam_unicage's arguments (pam/args.h): the input's lines are argv. Taken
 * only when every argument is one of config=/ABS (once), fail_open and
 * debug, and then each is reflected; else the argument named is one of
 * argv that is none of those. */
#include "tests/fuzz/fuzz.h"

#include "pam/args.h"

#define MAXARG 32

static bool known(const char *s)
{
	return strcmp(s, "fail_open") == 0 || strcmp(s, "debug") == 0 ||
	       (strncmp(s, "config=/", 8) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = strndup((const char *)data, size);
	if (!s)
		abort();
	const char *argv[MAXARG];
	int argc = 0;
	for (char *p = s; p && argc < MAXARG;) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		argv[argc++] = p;
		p = nl ? nl + 1 : NULL;
	}
	struct pam_args a;
	const char *bad = NULL;
	int r = pam_args_parse(argc, argv, &a, &bad);
	int configs = 0;
	bool all_known = true, fo = false, dbg = false;
	for (int i = 0; i < argc; i++) {
		all_known = all_known && known(argv[i]);
		configs += strncmp(argv[i], "config=", 7) == 0;
		fo = fo || strcmp(argv[i], "fail_open") == 0;
		dbg = dbg || strcmp(argv[i], "debug") == 0;
	}
	FUZZ_ASSERT((r == 0) == (all_known && configs <= 1));
	if (r == 0) {
		FUZZ_ASSERT(a.fail_open == fo && a.debug == dbg);
		FUZZ_ASSERT(configs ? a.config && a.config[0] == '/' : !a.config);
	} else {
		FUZZ_ASSERT(r == -EINVAL && bad);
		bool listed = false;
		for (int i = 0; i < argc; i++)
			listed = listed || argv[i] == bad;
		FUZZ_ASSERT(listed && (!known(bad) || strncmp(bad, "config=", 7) == 0));
	}
	free(s);
	return 0;
}
