/* vunify's exclude rules (unify/exclude.c, excludes_load): parsed or refused
 * naming the file:line; the rules taken then give a verdict for any path in
 * bounded time: the probes are fixed paths and the input's last line as a
 * path (fnmatch backtracks: a rule like *a*a*a*b against a long name is
 * where it would be slow). */
#include "tests/fuzz/fuzz.h"

#include "unify/exclude.h"

#include <limits.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int dfd = fuzz_dir();
	fuzz_put(dfd, "exclude", data, size);
	char path[128];
	snprintf(path, sizeof(path), "%s/exclude", fuzz_dir_path);
	struct excludes ex = {0};
	struct uc_error err = {0};
	int r = excludes_load(&ex, path, &err);
	FUZZ_ASSERT(r == 0 || strncmp(err.msg, path, strlen(path)) == 0);
	if (r == 0 && excludes_add_defaults(&ex) < 0)
		abort();
	for (size_t i = 0; r == 0 && i < ex.n; i++)
		FUZZ_ASSERT(ex.v[i].pattern && (!ex.v[i].anchored || ex.v[i].pattern[0] != '/'));
	char probe[PATH_MAX];
	const uint8_t *nl = size ? memrchr(data, '\n', size) : NULL;
	size_t off = nl ? (size_t)(nl - data) + 1 : 0, n = size - off;
	if (n > 255 * 4)
		n = 255 * 4;
	probe[0] = '/';
	memcpy(probe + 1, data + off, n);
	probe[n + 1] = '\0';
	static const char *const fixed[] = {"/", "/etc/passwd", "/usr/lib/python3/x.pyc",
					    "/var/cache/a/b", "/home/u/.cache"};
	for (size_t i = 0; r == 0 && i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		(void)excludes_match(&ex, fixed[i], i % 2);
		(void)excludes_include_below(&ex, fixed[i]);
	}
	if (r == 0 && strlen(probe) == n + 1) {
		(void)excludes_match(&ex, probe, false);
		(void)excludes_match(&ex, probe, true);
		(void)excludes_include_below(&ex, probe);
	}
	excludes_release(&ex);
	return 0;
}
