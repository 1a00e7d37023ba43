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

void uc_put_escaped(FILE *f, const char *s)
{
	/* runs between the characters to escape in one fwrite each: a
	 * manifest or index writes a path per line (fputc per character was
	 * a tenth of an init's user time) */
	for (;;) {
		size_t n = strcspn(s, "\t\n\\");
		fwrite(s, 1, n, f);
		s += n;
		if (!*s)
			return;
		fputc('\\', f);
		fputc(*s == '\t' ? 't' : *s == '\n' ? 'n' : '\\', f);
		s++;
	}
}

char *uc_escape_log(char *buf, size_t size, const char *s)
{
	size_t o = 0;
	if (!size)
		return buf;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char e[5] = {(char)*p, 0};
		if (*p == '\\' || *p == '\n' || *p == '\r' || *p == '\t')
			snprintf(e, sizeof(e), "\\%c",
				 *p == '\n'   ? 'n'
				 : *p == '\r' ? 'r'
				 : *p == '\t' ? 't'
					      : '\\');
		else if (*p < 0x20 || *p == 0x7f)
			snprintf(e, sizeof(e), "\\x%02x", *p);
		size_t n = strlen(e);
		if (o + n >= size)
			break;
		memcpy(buf + o, e, n);
		o += n;
	}
	buf[o] = '\0';
	return buf;
}

char *uc_unescape(char *s)
{
	char *o = s, *r = s;
	for (; *s; s++) {
		if (*s == '\\' && s[1]) {
			s++;
			*o++ = *s == 't' ? '\t' : *s == 'n' ? '\n' : *s;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return r;
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
