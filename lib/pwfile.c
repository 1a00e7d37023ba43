#include "lib/pwfile.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void pwfile_init(struct pwfile *p, FILE *f, const char *name, unsigned nfields)
{
	memset(p, 0, sizeof(*p));
	p->f = f;
	p->name = name;
	p->nfields = nfields <= PWFILE_MAX_FIELDS ? nfields : PWFILE_MAX_FIELDS;
	/* up to the last field glibc needs: passwd's gid, group's gid, the
	 * password of shadow and gshadow (the same count as group: 3 then) */
	p->min = nfields == PWFILE_PASSWD ? 4 : nfields == PWFILE_SHADOW ? 2 : 3;
	if (p->min > p->nfields)
		p->min = p->nfields;
}

void pwfile_release(struct pwfile *p)
{
	free(p->line);
	p->line = NULL;
	p->cap = 0;
}

/* Split line at every ':' (strsep keeps empty fields): the number of fields
 * found, counting past nfields so that a line with too many is seen. */
static unsigned split(struct pwfile *p)
{
	char *c = p->line;
	unsigned n = 0;
	for (char *f; (f = strsep(&c, ":"));) {
		if (n < p->nfields)
			p->field[n] = f;
		n++;
	}
	return n;
}

int pwfile_next(struct pwfile *p, struct uc_error *err)
{
	ssize_t len;
	while ((len = getline(&p->line, &p->cap, p->f)) >= 0) {
		p->lineno++;
		if (len > 0 && p->line[len - 1] == '\n')
			p->line[--len] = '\0';
		if ((size_t)len != strlen(p->line))
			return uc_fail(err, UC_BADREQUEST, "%s:%u: NUL byte in line", p->name,
				       p->lineno);
		if (len == 0 || p->line[0] == '#' || strspn(p->line, " \t") == (size_t)len)
			continue;
		unsigned n = split(p);
		if (n > p->nfields || n < p->min)
			return uc_fail(err, UC_BADREQUEST, "%s:%u: %u fields, expected %u", p->name,
				       p->lineno, n, p->nfields);
		/* missing trailing fields: the NUL ending the name, an empty
		 * string inside the line (never written through) */
		for (; n < p->nfields; n++)
			p->field[n] = p->field[0] + strlen(p->field[0]);
		if (!p->field[0][0])
			return uc_fail(err, UC_BADREQUEST, "%s:%u: empty name", p->name, p->lineno);
		return 1;
	}
	if (ferror(p->f))
		return uc_fail_errno(err, errno ? errno : EIO, "%s: read", p->name);
	return 0;
}

int pwfile_id(const char *s, unsigned *id)
{
	if (!*s || strspn(s, "0123456789") != strlen(s))
		return -EINVAL; /* no sign, no space, no empty id */
	errno = 0;
	unsigned long long v = strtoull(s, NULL, 10);
	if (errno || v >= UINT32_MAX) /* (uid_t)-1 means "no change" to the kernel */
		return -EINVAL;
	*id = (unsigned)v;
	return 0;
}

bool pwfile_member(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *q = list; *q;) {
		size_t m = strcspn(q, ",");
		if (m == n && n && strncmp(q, name, n) == 0)
			return true;
		q += m + (q[m] == ',');
	}
	return false;
}

static bool has_gid(const gid_t *gids, int n, gid_t g)
{
	for (int i = 0; i < n; i++)
		if (gids[i] == g)
			return true;
	return false;
}

int pwfile_member_gids(FILE *f, const char *name, const char *user, gid_t primary, gid_t *gids,
		       int *n, int max)
{
	struct pwfile p;
	struct uc_error e = {0};
	int r, rc = 0;
	pwfile_init(&p, f, name, PWFILE_GROUP);
	while (*n < max && (r = pwfile_next(&p, &e)) != 0) {
		unsigned g;
		if (r < 0 && r != -EINVAL) {
			rc = r;
			break;
		}
		if (r < 0 || pwfile_id(p.field[2], &g) < 0 || (gid_t)g == primary ||
		    has_gid(gids, *n, (gid_t)g) || !pwfile_member(p.field[3], user))
			continue;
		gids[(*n)++] = (gid_t)g;
	}
	pwfile_release(&p);
	return rc;
}
