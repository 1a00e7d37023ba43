/* A proxy filter, filters/ALIAS.json (proxy/filter.c, json-c): the input up
 * to a line "--" is the JSON, each line after it an argument of a call.
 * Parsed or refused naming f.json:LINE; restrict_path never without
 * strict_options; then proxy_filter_apply on the arguments: accepted or
 * refused with a reason, the same twice, and a strict filter that allows
 * nothing lets no option through. */
#include "tests/fuzz/fuzz.h"

#include "proxy/filter.h"

#define MAXARG 64

static int map(void *ctx, const char *value, bool write, char *out, size_t size, char *why,
	       size_t whysize)
{
	(void)ctx;
	(void)write;
	if (value[0] == '\0' || strstr(value, "..")) {
		snprintf(why, whysize, "bad path");
		return -EPERM;
	}
	snprintf(out, size, "/proc/self/fd/3");
	return 0;
}

/* argv[1..] from the lines of s (argv[0] is not looked at). */
static int split_args(char *s, const char **argv)
{
	int argc = 0;
	argv[argc++] = "cmd";
	while (s && *s && argc < MAXARG) {
		char *nl = strchr(s, '\n');
		if (nl)
			*nl = '\0';
		argv[argc++] = s;
		s = nl ? nl + 1 : NULL;
	}
	return argc;
}

static void apply(const struct proxy_filter *f, int argc, const char **argv)
{
	struct strv out = STRV_INIT, again = STRV_INIT;
	char why[256] = "", why2[256] = "";
	int r = proxy_filter_apply(f, "alice", argc, argv, map, NULL, &out, why, sizeof(why));
	int r2 = proxy_filter_apply(f, "alice", argc, argv, map, NULL, &again, why2, sizeof(why2));
	FUZZ_ASSERT(r == 0 || r == -EPERM);
	FUZZ_ASSERT(r == r2 && (r < 0 || out.n == again.n));
	FUZZ_ASSERT(r == 0 || why[0]);
	for (size_t i = 0; r == 0 && i < out.n; i++)
		FUZZ_ASSERT(strcmp(out.v[i], again.v[i]) == 0);
	/* strict, nothing allowed: no option passes (an argument before any
	 * "--" that starts with '-' and is not "-" alone) */
	if (r == 0 && f->strict && !f->allow.n && !f->restrict_path.n && !f->restrict_path_write.n)
		for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
			FUZZ_ASSERT(argv[i][0] != '-' || !argv[i][1]);
	strv_clear(&out);
	strv_clear(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = strndup((const char *)data, size);
	if (!s)
		abort();
	char *args = strstr(s, "\n--\n");
	if (args) {
		*args = '\0';
		args += 4;
	}
	struct proxy_filter f;
	struct uc_error err = {0};
	int r = proxy_filter_parse(s, "f.json", &f, &err);
	FUZZ_ASSERT(r == 0 || strncmp(err.msg, "f.json:", 7) == 0);
	FUZZ_ASSERT(r < 0 || (!f.restrict_path.n && !f.restrict_path_write.n) || f.strict);
	if (r == 0) {
		const char *argv[MAXARG];
		int argc = split_args(args, argv);
		apply(&f, argc, argv);
	}
	proxy_filter_release(&f);
	free(s);
	return 0;
}
