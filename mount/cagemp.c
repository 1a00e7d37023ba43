#include "mount/cagemp.h"

#include "lib/cleanup.h"
#include "lib/hashset.h"
#include "lib/lines.h"
#include "lib/path.h"
#include "lib/strv.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

struct mp_read {
	struct cage_mp *mp;
	struct strset seen; /* the paths so far (a search per line was quadratic) */
};

/* MODE of @/path,MODE: octal digits only, permission bits only (strtoul
 * took "+700", " 700" and "-0"). */
static int parse_mode(char *v, mode_t *mode)
{
	uint64_t m;
	char *end;
	v = str_trim(v);
	if (uc_parse_u64(v, 8, 07777, &m, &end) < 0 || *end)
		return -EINVAL;
	*mode = (mode_t)m;
	return 0;
}

static int parse_line(struct mp_read *rd, char *line, const char *where, struct uc_error *err)
{
	struct cage_mp *mp = rd->mp;
	char *s = str_trim(line);
	if (!*s || *s == '#')
		return 0;
	struct mp_entry e = {.kind = MP_SHARED};
	if (*s == '!' || *s == '@' || *s == '%') {
		e.kind = *s == '!' ? MP_READONLY : *s == '@' ? MP_PERUSER : MP_SPLIT;
		s++;
	}
	char *comma = strchr(s, ',');
	if (e.kind == MP_PERUSER) {
		if (!comma)
			return uc_fail(err, UC_BADREQUEST, "%s: '@%s' needs ,MODE (octal)", where,
				       s);
		*comma = '\0';
		if (parse_mode(comma + 1, &e.mode) < 0)
			return uc_fail(err, UC_BADREQUEST, "%s: bad MODE '%s' (octal, e.g. 700)",
				       where, comma + 1);
	} else if (comma) {
		return uc_fail(err, UC_BADREQUEST, "%s: ',' only after @/path", where);
	}
	s = str_trim(s);
	if (!path_is_clean_absolute(s) || strcmp(s, "/") == 0)
		return uc_fail(err, UC_BADREQUEST, "%s: '%s' is not a clean absolute path", where,
			       s);
	int added = strset_add(&rd->seen, s);
	if (added < 0)
		return uc_fail(err, UC_INTERNAL, "out of memory");
	if (added == 0)
		return uc_fail(err, UC_BADREQUEST, "%s: %s is listed twice", where, s);
	struct mp_entry *v = realloc(mp->v, (mp->n + 1) * sizeof(*v));
	if (v)
		mp->v = v;
	if (!v || !(e.path = strdup(s)))
		return uc_fail(err, UC_INTERNAL, "out of memory");
	v[mp->n++] = e;
	return 0;
}

static int mp_line(char *line, const char *where, unsigned lineno, void *arg, struct uc_error *err)
{
	return parse_line(arg, line, where, err);
}

int cagemp_parse(struct cage_mp *mp, FILE *f, const char *name, struct uc_error *err)
{
	memset(mp, 0, sizeof(*mp));
	struct mp_read rd = {.mp = mp};
	int r = uc_read_lines(f, name, mp_line, &rd, err);
	strset_release(&rd.seen);
	if (r < 0)
		cagemp_release(mp);
	return r;
}

int cagemp_load(struct cage_mp *mp, const char *config_dir, struct uc_error *err)
{
	char path[PATH_MAX];
	memset(mp, 0, sizeof(*mp));
	int r = path_join(path, sizeof(path), config_dir, "cagefs.mp");
	if (r < 0)
		return path_fail(err, r, config_dir); /* the longer name: then both fit */
	path_join(path, sizeof(path), config_dir, "cage.mp");
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f && errno == ENOENT) {
		/* a CageFS configuration (doc/cagefs.md): the same syntax */
		path_join(path, sizeof(path), config_dir, "cagefs.mp");
		f = fopen(path, "re");
	}
	if (!f)
		return errno == ENOENT ? 0 : uc_fail_errno(err, errno, "%s", path);
	return cagemp_parse(mp, f, path, err);
}

void cagemp_release(struct cage_mp *mp)
{
	for (size_t i = 0; i < mp->n; i++)
		free(mp->v[i].path);
	free(mp->v);
	memset(mp, 0, sizeof(*mp));
}
