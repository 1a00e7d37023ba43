#include "unify/exclude.h"

#include "lib/cleanup.h"
#include "lib/array.h"
#include "lib/lines.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const char *const defaults[] = {"/etc/",	  "/var/",  "/home/", "/root/", "/tmp/",
				       "/dev/",	  "/proc/", "/sys/",  "/run/",	"/mnt/",
				       "/media/", "/srv/",  "/boot/"};

int excludes_add(struct excludes *ex, const char *line, const char *where, struct uc_error *err)
{
	while (isspace((unsigned char)*line))
		line++;
	size_t len = strlen(line);
	while (len > 0 && isspace((unsigned char)line[len - 1]))
		len--;
	if (len == 0 || line[0] == '#')
		return 0;
	struct exclude_rule r = {0};
	if (line[0] == '+' || line[0] == '-') {
		r.include = line[0] == '+';
		line++;
		len--;
		while (len > 0 && isspace((unsigned char)*line)) {
			line++;
			len--;
		}
	}
	if (len == 0)
		return uc_fail(err, UC_BADREQUEST, "%s: empty pattern", where);
	if (line[0] == '/') {
		r.anchored = true;
		line++;
		len--;
	}
	while (len > 0 && line[len - 1] == '/') {
		r.dir_only = true;
		len--;
	}
	if (len == 0)
		return uc_fail(err, UC_BADREQUEST, "%s: pattern '/' would match the whole tree",
			       where);
	/* "//x" anchored is "/x", which no path relative to the root matches */
	if (memchr(line, '\0', len) || strstr(line, "//") || line[0] == '/')
		return uc_fail(err, UC_BADREQUEST, "%s: malformed pattern", where);
	if (UC_GROW(&ex->v, &ex->cap, ex->n + 1) < 0)
		return uc_fail(err, UC_INTERNAL, "out of memory");
	if (!(r.pattern = strndup(line, len)))
		return uc_fail(err, UC_INTERNAL, "out of memory");
	ex->v[ex->n++] = r;
	return 0;
}

static int exclude_line(char *line, const char *where, unsigned lineno, void *arg,
			struct uc_error *err)
{
	return excludes_add(arg, line, where, err);
}

int excludes_load(struct excludes *ex, const char *path, struct uc_error *err)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f)
		return uc_fail_errno(err, errno, "exclude list %s", path);
	return uc_read_lines(f, path, exclude_line, ex, err);
}

int excludes_add_defaults(struct excludes *ex)
{
	for (size_t i = 0; i < UC_ARRAY_SIZE(defaults); i++)
		if (excludes_add(ex, defaults[i], "default", NULL) < 0)
			return -ENOMEM;
	return 0;
}

/* Does rule r match exactly the path p ("a/b/c", no leading /)? */
static bool rule_matches(const struct exclude_rule *r, const char *p, bool is_dir)
{
	if (r->dir_only && !is_dir)
		return false;
	if (r->anchored)
		return fnmatch(r->pattern, p, FNM_PATHNAME | FNM_PERIOD) == 0;
	/* unanchored: against every tail that starts at a component */
	for (const char *t = p; t; t = strchr(t, '/') ? strchr(t, '/') + 1 : NULL)
		if (fnmatch(r->pattern, t, FNM_PATHNAME | FNM_PERIOD) == 0)
			return true;
	return false;
}

enum exclude_verdict excludes_match(const struct excludes *ex, const char *path, bool is_dir)
{
	char buf[PATH_MAX];
	while (*path == '/')
		path++;
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return EX_NONE;
	for (size_t i = 0; i < ex->n; i++) {
		const struct exclude_rule *r = &ex->v[i];
		/* the path itself, then each parent directory */
		if (rule_matches(r, buf, is_dir))
			return r->include ? EX_INCLUDE : EX_EXCLUDE;
		size_t len = strlen(buf);
		for (size_t k = len; k > 0; k--) {
			if (buf[k] != '/')
				continue;
			buf[k] = '\0';
			bool m = rule_matches(r, buf, true);
			buf[k] = '/';
			if (m)
				return r->include ? EX_INCLUDE : EX_EXCLUDE;
		}
	}
	return EX_NONE;
}

bool excludes_include_below(const struct excludes *ex, const char *dirpath)
{
	while (*dirpath == '/')
		dirpath++;
	size_t dl = strlen(dirpath);
	for (size_t i = 0; i < ex->n; i++) {
		const struct exclude_rule *r = &ex->v[i];
		if (!r->include)
			continue;
		if (!r->anchored)
			return true; /* could match anywhere */
		/* the literal part of the pattern before any glob character */
		size_t lit = strcspn(r->pattern, "*?[");
		size_t n = lit < dl ? lit : dl;
		if (strncmp(r->pattern, dirpath, n) == 0 &&
		    (lit <= dl ? true : r->pattern[dl] == '/'))
			return true;
	}
	return false;
}

void excludes_release(struct excludes *ex)
{
	for (size_t i = 0; i < ex->n; i++)
		free(ex->v[i].pattern);
	free(ex->v);
	memset(ex, 0, sizeof(*ex));
}
