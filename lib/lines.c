#include "lib/lines.h"

#include "lib/cleanup.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

int uc_read_lines(FILE *f, const char *name, uc_line_fn fn, void *arg, struct uc_error *err)
{
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned lineno = 0;
	char where[PATH_MAX + 32];
	while ((len = getline(&line, &cap, f)) >= 0) {
		snprintf(where, sizeof(where), "%s:%u", name, ++lineno);
		if (strlen(line) != (size_t)len)
			return uc_fail(err, UC_BADREQUEST, "%s: NUL byte in line", where);
		int r = fn(line, where, lineno, arg, err);
		if (r < 0)
			return r;
	}
	if (ferror(f))
		return uc_fail_errno(err, errno, "%s: read", name);
	return 0;
}

int uc_parse_u64(const char *s, int base, uint64_t max, uint64_t *out, char **end)
{
	char *e;
	if (*s < '0' || *s > (base == 8 ? '7' : '9'))
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(s, &e, base);
	if (errno || v > max)
		return -EINVAL;
	*out = v;
	if (end)
		*end = e;
	return 0;
}

int uc_parse_s64(const char *s, int64_t *out, char **end)
{
	char *e;
	if (!(*s >= '0' && *s <= '9') && !(*s == '-' && s[1] >= '0' && s[1] <= '9'))
		return -EINVAL;
	errno = 0;
	long long v = strtoll(s, &e, 10);
	if (errno)
		return -EINVAL;
	*out = v;
	if (end)
		*end = e;
	return 0;
}
