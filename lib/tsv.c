#include "lib/tsv.h"

#include <errno.h>
#include <string.h>

static const char hexd[] = "0123456789abcdef";

static inline int is_ctrl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* The length of the run of s that is written as it is. */
static size_t plain_run(const char *s)
{
	size_t n = 0;
	while (s[n] && s[n] != '\\' && !is_ctrl((unsigned char)s[n]))
		n++;
	return n;
}

void tsv_put(FILE *f, const char *s)
{
	/* runs between the bytes to escape in one fwrite each: a manifest
	 * or index writes a path per line (fputc per byte was a tenth of an
	 * init's user time) */
	for (;;) {
		size_t n = plain_run(s);
		fwrite(s, 1, n, f);
		s += n;
		if (!*s)
			return;
		unsigned char c = (unsigned char)*s++;
		fputc('\\', f);
		if (c == '\\' || c == '\t' || c == '\n') {
			fputc(c == '\t' ? 't' : c == '\n' ? 'n' : '\\', f);
			continue;
		}
		fputc('x', f);
		fputc(hexd[c >> 4], f);
		fputc(hexd[c & 15], f);
	}
}

static int hexval(char c)
{
	const char *p = c ? strchr(hexd, c) : NULL;
	return p ? (int)(p - hexd) : -1;
}

/* The escape at s (after its backslash): the byte, *len its length. */
static int unescape_one(const char *s, size_t *len)
{
	*len = 1;
	if (*s == '\\' || *s == 't' || *s == 'n')
		return *s == 't' ? '\t' : *s == 'n' ? '\n' : '\\';
	if (*s != 'x')
		return -EINVAL;
	int hi = hexval(s[1]), lo = hi < 0 ? -1 : hexval(s[2]);
	if (lo < 0)
		return -EINVAL;
	int c = hi << 4 | lo;
	/* only what tsv_put writes so: one spelling per byte */
	if (c == 0 || !is_ctrl((unsigned char)c) || c == '\t' || c == '\n')
		return -EINVAL;
	*len = 3;
	return c;
}

int tsv_unescape(char *s, unsigned flags)
{
	char *o = s;
	while (*s) {
		unsigned char c = (unsigned char)*s;
		if (c == '\t' || c == '\n' || (is_ctrl(c) && !(flags & TSV_RAW_CTRL)))
			return -EINVAL;
		if (c != '\\') {
			*o++ = *s++;
			continue;
		}
		size_t len;
		int b = unescape_one(s + 1, &len);
		if (b < 0)
			return -EINVAL;
		*o++ = (char)b;
		s += 1 + len;
	}
	*o = '\0';
	return 0;
}
