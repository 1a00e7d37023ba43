#include "lib/xattrs.h"

#include "lib/cleanup.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

static bool skipped(const char *name)
{
	return strncmp(name, "trusted.overlay.", 16) == 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct xattr *)a)->name, ((const struct xattr *)b)->name);
}

static int read_value(int fd, const char *name, struct xattr *x)
{
	for (;;) {
		ssize_t n = fgetxattr(fd, name, NULL, 0);
		if (n < 0)
			return -errno;
		void *v = malloc(n ? (size_t)n : 1);
		if (!v)
			return -ENOMEM;
		ssize_t m = fgetxattr(fd, name, v, (size_t)n);
		if (m >= 0 && m <= n) {
			x->value = v;
			x->len = (size_t)m;
			return 0;
		}
		free(v);
		if (m < 0 && errno != ERANGE)
			return -errno;
		/* it grew in between: ask again */
	}
}

static ssize_t list_names(int fd, char **out)
{
	for (;;) {
		ssize_t n = flistxattr(fd, NULL, 0);
		if (n <= 0)
			return n < 0 && (errno == ENOTSUP || errno == EOPNOTSUPP) ? 0
			       : n < 0						  ? -errno
										  : 0;
		char *buf = malloc((size_t)n);
		if (!buf)
			return -ENOMEM;
		ssize_t m = flistxattr(fd, buf, (size_t)n);
		if (m >= 0) {
			*out = buf;
			return m;
		}
		free(buf);
		if (errno != ERANGE)
			return -errno;
	}
}

int xattrs_read(int fd, struct xattr_set *out)
{
	_cleanup_free_ char *names = NULL;
	memset(out, 0, sizeof(*out));
	ssize_t len = list_names(fd, &names);
	if (len <= 0)
		return (int)len;
	size_t count = 0;
	for (ssize_t i = 0; i < len; i += (ssize_t)strlen(names + i) + 1)
		count++;
	out->v = calloc(count, sizeof(*out->v));
	if (!out->v)
		return -ENOMEM;
	for (ssize_t i = 0; i < len; i += (ssize_t)strlen(names + i) + 1) {
		const char *name = names + i;
		if (skipped(name))
			continue;
		struct xattr *x = &out->v[out->n];
		int r = read_value(fd, name, x);
		if (r == -ENODATA)
			continue; /* removed since the listing */
		if (r < 0 || !(x->name = strdup(name))) {
			if (r == 0)
				free(x->value);
			xattrs_release(out);
			return r < 0 ? r : -ENOMEM;
		}
		out->n++;
	}
	qsort(out->v, out->n, sizeof(*out->v), cmp_name);
	return 0;
}

bool xattrs_equal(const struct xattr_set *a, const struct xattr_set *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i].name, b->v[i].name) != 0 || a->v[i].len != b->v[i].len ||
		    memcmp(a->v[i].value, b->v[i].value, a->v[i].len) != 0)
			return false;
	return true;
}

void xattrs_release(struct xattr_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].name);
		free(s->v[i].value);
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
}

int xattrs_apply(int fd, const struct xattr_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (fsetxattr(fd, s->v[i].name, s->v[i].value, s->v[i].len, 0) < 0)
			return -errno;
	return 0;
}
