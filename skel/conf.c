#include "skel/conf.h"

#include "lib/cleanup.h"
#include "lib/hashset.h"
#include "lib/lines.h"
#include "lib/path.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A path of paths=, devices= or a list file: absolute, no "..", no empty
 * component; globs allowed (*?[ in components). */
static bool good_path(const char *p)
{
	if (p[0] != '/' || strstr(p, "//"))
		return false;
	for (const char *c = p; c && *c; c = strchr(c + 1, '/')) {
		const char *s = c + 1;
		size_t n = strcspn(s, "/");
		if ((n == 2 && strncmp(s, "..", 2) == 0) || (n == 1 && s[0] == '.'))
			return false;
	}
	return strlen(p) < PATH_MAX;
}

/* "/" (or a glob of every top directory) in paths= would take the whole host into the skeleton:
 * what a cfg names is below a top-level directory. */
static bool whole_host(const char *p)
{
	return !*p || strcmp(p, "/") == 0 || strspn(p + 1, "*?") == strlen(p + 1);
}

/* A package name of rpm.list as rpm reads one (a name or N-[E:]V-R label):
 * no blank, control character, '/', or glob (rpmdb lookups take no
 * patterns; a '*' would name nothing and say nothing). */
static bool good_package(const char *n)
{
	if (!*n || n[0] == '-')
		return false;
	for (; *n; n++)
		if ((unsigned char)*n <= ' ' || *n == 0x7f || strchr("/*?[]\\", *n))
			return false;
	return true;
}

static bool good_name(const char *n)
{
	if (!*n || strlen(n) > 64)
		return false;
	for (; *n; n++)
		if (!isalnum((unsigned char)*n) && !strchr("._-", *n))
			return false;
	return true;
}

struct pending {
	struct skel_section *sec;
	char key[32];
	char *value; /* accumulates continuation lines */
	char where[PATH_MAX + 32];
	const char *file; /* the cfg's name: a file without [section] is one section */
};

static int split_into(struct strv *sv, const char *value, bool paths, const char *where,
		      const char *key, struct uc_error *err)
{
	struct strv items = STRV_INIT;
	if (strv_split(&items, value, ",\n") < 0)
		return uc_fail(err, UC_INTERNAL, "out of memory");
	int r = 0;
	for (size_t i = 0; r == 0 && i < items.n; i++) {
		char *it = str_trim(items.v[i]);
		if (!*it)
			continue;
		bool ok = paths ? good_path(it) : good_name(it);
		if (ok && paths && whole_host(it))
			r = uc_fail(err, UC_BADREQUEST, "%s: %s: '%s' is the whole host", where,
				    key, it);
		else if (!ok)
			r = uc_fail(err, UC_BADREQUEST, "%s: %s: '%s' is not %s", where, key, it,
				    paths ? "an absolute path or glob" : "a user or group name");
		else if (strv_push(sv, it) < 0)
			r = uc_fail(err, UC_INTERNAL, "out of memory");
	}
	strv_clear(&items);
	return r;
}

/* The value of a key is complete (no more continuation lines): store it. */
static int finish_key(struct pending *p, struct uc_error *err)
{
	if (!p->value)
		return 0;
	struct skel_section *s = p->sec;
	int r = 0;
	if (strcmp(p->key, "comment") == 0) {
		free(s->comment);
		s->comment = strdup(str_trim(p->value));
	} else if (strcmp(p->key, "paths") == 0) {
		r = split_into(&s->paths, p->value, true, p->where, "paths", err);
	} else if (strcmp(p->key, "devices") == 0) {
		r = split_into(&s->devices, p->value, true, p->where, "devices", err);
		/* a device node or a few: "/dev" itself (or a glob of all of it) is every
		 * device of the host */
		for (size_t i = 0; r == 0 && i < s->devices.n; i++)
			if (!path_has_prefix(s->devices.v[i], "/dev") ||
			    whole_host(s->devices.v[i] + strlen("/dev")))
				r = uc_fail(err, UC_BADREQUEST,
					    "%s: devices: '%s' is not below /dev", p->where,
					    s->devices.v[i]);
	} else if (strcmp(p->key, "users") == 0) {
		r = split_into(&s->users, p->value, false, p->where, "users", err);
	} else if (strcmp(p->key, "groups") == 0) {
		r = split_into(&s->groups, p->value, false, p->where, "groups", err);
	}
	free(p->value);
	p->value = NULL;
	return r;
}

static int new_section(struct skel_conf *c, const char *name, const char *where,
		       struct uc_error *err)
{
	struct skel_section *v = realloc(c->v, (c->n + 1) * sizeof(*v));
	if (!v)
		return uc_fail(err, UC_INTERNAL, "out of memory");
	c->v = v;
	memset(&v[c->n], 0, sizeof(v[c->n]));
	v[c->n].name = strdup(name);
	v[c->n].where = strdup(where);
	c->n++;
	return 0;
}

/* CageFS documents cfg files with no [section] line (comment= then
 * paths=): such a file (or its lines before the first [section]) is one
 * section named after the file, "ssh.cfg" -> "ssh". */
static int implicit_section(struct skel_conf *c, struct pending *p, const char *where,
			    struct uc_error *err)
{
	const char *base = strrchr(p->file, '/') ? strrchr(p->file, '/') + 1 : p->file;
	size_t n = strlen(base);
	if (n > 4 && strcmp(base + n - 4, ".cfg") == 0)
		n -= 4;
	char name[NAME_MAX + 1];
	snprintf(name, sizeof(name), "%.*s", (int)n, base);
	int r = new_section(c, name, where, err);
	p->sec = r == 0 ? &c->v[c->n - 1] : NULL;
	return r;
}

static int cfg_line(struct skel_conf *c, struct pending *p, char *line, const char *where,
		    struct uc_error *err)
{
	/* an indented line continues the previous value (INI, as CageFS reads
	 * it), unless it is blank or a comment */
	const char *first = line + strspn(line, " \t");
	if ((line[0] == ' ' || line[0] == '\t') && p->value && *first && *first != '\n' &&
	    *first != '#' && *first != ';') {
		char *more = str_trim(line);
		size_t old = strlen(p->value), n = old + 1 + strlen(more) + 1;
		char *v = realloc(p->value, n);
		if (!v)
			return uc_fail(err, UC_INTERNAL, "out of memory");
		snprintf(v + old, n - old, "\n%s", more);
		p->value = v;
		return 0;
	}
	char *s = str_trim(line);
	if (*s == '\0' || *s == '#' || *s == ';')
		return 0;
	int r = finish_key(p, err);
	if (r < 0)
		return r;
	if (*s == '[') {
		char *end = strchr(s, ']');
		if (!end || end[1] != '\0')
			return uc_fail(err, UC_BADREQUEST, "%s: expected '[section]'", where);
		*end = '\0';
		if (!good_name(str_trim(s + 1)))
			return uc_fail(err, UC_BADREQUEST, "%s: bad section name '%s'", where,
				       s + 1);
		r = new_section(c, str_trim(s + 1), where, err);
		p->sec = r == 0 ? &c->v[c->n - 1] : NULL;
		return r;
	}
	size_t klen = strcspn(s, "=:");
	if (s[klen] == '\0')
		return uc_fail(err, UC_BADREQUEST, "%s: expected 'key = value'", where);
	if (!p->sec && (r = implicit_section(c, p, where, err)) < 0)
		return r;
	char *val = s + klen + 1;
	s[klen] = '\0';
	char *key = str_trim(s);
	static const char *const keys[] = {"comment", "paths", "devices", "users", "groups"};
	bool known = false;
	for (size_t i = 0; i < UC_ARRAY_SIZE(keys); i++)
		known = known || strcmp(key, keys[i]) == 0;
	if (!known)
		return uc_fail(err, UC_BADREQUEST,
			       "%s: unknown key '%s' (comment, paths, devices, users, groups)",
			       where, key);
	snprintf(p->key, sizeof(p->key), "%s", key);
	snprintf(p->where, sizeof(p->where), "%s", where);
	p->value = strdup(str_trim(val));
	return p->value ? 0 : uc_fail(err, UC_INTERNAL, "out of memory");
}

struct cfg_read {
	struct skel_conf *c;
	struct pending p;
};

static int cfg_read_line(char *line, const char *where, unsigned lineno, void *arg,
			 struct uc_error *err)
{
	struct cfg_read *cr = arg;
	return cfg_line(cr->c, &cr->p, line, where, err);
}

int skel_cfg_parse(struct skel_conf *c, FILE *f, const char *name, struct uc_error *err)
{
	struct cfg_read cr = {.c = c, .p.file = name};
	int r = uc_read_lines(f, name, cfg_read_line, &cr, err);
	if (r == 0)
		r = finish_key(&cr.p, err);
	free(cr.p.value);
	return r;
}

struct list_read {
	struct strv *out;
	bool paths;
	struct strset seen; /* out's entries (a strv search per line was quadratic) */
};

static int list_line(char *line, const char *where, unsigned lineno, void *arg,
		     struct uc_error *err)
{
	struct list_read *lr = arg;
	char *s = str_trim(line);
	if (*s == '\0' || *s == '#')
		return 0;
	if (lr->paths && !good_path(s))
		return uc_fail(err, UC_BADREQUEST, "%s: '%s' is not an absolute path or glob",
			       where, s);
	if (!lr->paths && !good_package(s))
		return uc_fail(err, UC_BADREQUEST, "%s: '%s' is not a package name", where, s);
	int added = strset_add(&lr->seen, s);
	if (added < 0 || (added > 0 && strv_push(lr->out, s) < 0))
		return uc_fail(err, UC_INTERNAL, "out of memory");
	return 0;
}

int skel_list_parse(struct strv *out, FILE *f, const char *name, bool paths, struct uc_error *err)
{
	struct list_read lr = {.out = out, .paths = paths};
	int r = 0;
	/* out may hold a first file's entries (black.list, then custom.black.list) */
	for (size_t i = 0; r >= 0 && i < out->n; i++)
		r = strset_add(&lr.seen, out->v[i]);
	if (r >= 0)
		r = uc_read_lines(f, name, list_line, &lr, err);
	else
		r = uc_fail(err, UC_INTERNAL, "out of memory");
	strset_release(&lr.seen);
	return r;
}

static int with_file(const char *dir, const char *name, struct uc_error *err,
		     int (*fn)(FILE *f, const char *path, void *arg, struct uc_error *err),
		     void *arg)
{
	char path[PATH_MAX];
	if (path_join(path, sizeof(path), dir, name) < 0)
		return uc_fail(err, UC_BADREQUEST, "%s/%s: path too long", dir, name);
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : uc_fail_errno(err, errno, "%s", path);
	return fn(f, path, arg, err);
}

static int read_cfg(FILE *f, const char *path, void *arg, struct uc_error *err)
{
	return skel_cfg_parse(arg, f, path, err);
}

static int read_black(FILE *f, const char *path, void *arg, struct uc_error *err)
{
	return skel_list_parse(arg, f, path, true, err);
}

static int read_rpms(FILE *f, const char *path, void *arg, struct uc_error *err)
{
	return skel_list_parse(arg, f, path, false, err);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* conf.d/NAME.cfg in name order (so "which section says what" is stable). */
static int load_confd(struct skel_conf *c, const char *config_dir, struct uc_error *err)
{
	char dir[PATH_MAX];
	int r = path_join(dir, sizeof(dir), config_dir, "conf.d");
	if (r < 0)
		return path_fail(err, r, config_dir);
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : uc_fail_errno(err, errno, "%s", dir);
	struct strv names = STRV_INIT;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (n > 4 && strcmp(de->d_name + n - 4, ".cfg") == 0 && de->d_name[0] != '.')
			strv_push(&names, de->d_name);
	}
	closedir(d);
	if (names.n)
		qsort(names.v, names.n, sizeof(*names.v), cmp_str);
	r = 0;
	for (size_t i = 0; r == 0 && i < names.n; i++)
		r = with_file(dir, names.v[i], err, read_cfg, c);
	strv_clear(&names);
	return r;
}

int skel_conf_load(struct skel_conf *c, const char *config_dir, struct uc_error *err)
{
	memset(c, 0, sizeof(*c));
	int r = load_confd(c, config_dir, err);
	if (r == 0)
		r = with_file(config_dir, "black.list", err, read_black, &c->black);
	if (r == 0)
		r = with_file(config_dir, "custom.black.list", err, read_black, &c->black);
	if (r == 0)
		r = with_file(config_dir, "rpm.list", err, read_rpms, &c->rpms);
	if (r < 0)
		skel_conf_release(c);
	return r;
}

void skel_conf_release(struct skel_conf *c)
{
	for (size_t i = 0; i < c->n; i++) {
		struct skel_section *s = &c->v[i];
		free(s->name);
		free(s->comment);
		free(s->where);
		strv_clear(&s->paths);
		strv_clear(&s->devices);
		strv_clear(&s->users);
		strv_clear(&s->groups);
	}
	free(c->v);
	strv_clear(&c->black);
	strv_clear(&c->rpms);
	memset(c, 0, sizeof(*c));
}

int skel_rpmlist_write(const char *config_dir, const struct strv *rpms, struct uc_error *err)
{
	char path[PATH_MAX], tmp[PATH_MAX + 32];
	int r = path_join(path, sizeof(path), config_dir, "rpm.list");
	if (r < 0)
		return path_fail(err, r, config_dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if (mkdir(config_dir, 0755) < 0 && errno != EEXIST)
		return uc_fail_errno(err, errno, "%s", config_dir);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		return uc_fail_errno(err, errno, "%s", tmp);
	}
	fputs("# packages whose files go into the skeleton (unicage addrpm/delrpm)\n", f);
	for (size_t i = 0; i < rpms->n; i++)
		fprintf(f, "%s\n", rpms->v[i]);
	r = fflush(f) == 0 && fsync(fileno(f)) == 0 ? 0 : -errno;
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return uc_fail_errno(err, r, "%s", path);
	}
	return 0;
}
