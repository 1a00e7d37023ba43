/* proxy.commands and custom.proxy.commands (lib/proxycmds.h). */
#include "lib/proxycmds.h"

#include "lib/cleanup.h"
#include "lib/hashset.h"
#include "lib/path.h"
#include "lib/strv.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool valid_alias(const char *s)
{
	if (!*s || strlen(s) >= 64)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
			return false;
	return true;
}

static bool valid_user(const char *s)
{
	if (!*s || strlen(s) >= 64 || *s == '-')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
			return false;
	return true;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* ALIAS[:wrapper_name] */
static int parse_left(char *left, struct proxy_command *c, const char **why)
{
	char *colon = strchr(left, ':');
	if (colon)
		*colon++ = '\0';
	if (!valid_alias(trim(left)))
		return *why = "bad alias (letters, digits, _ - . only)", -EINVAL;
	snprintf(c->alias, sizeof(c->alias), "%s", trim(left));
	if (!colon)
		return 0;
	char *w = trim(colon);
	if (*w == '/') {
		if (!path_is_clean_absolute(w) || strlen(w) >= sizeof(c->wrapper))
			return *why = "wrapper_name is not a clean absolute path", -EINVAL;
		snprintf(c->wrapper, sizeof(c->wrapper), "%s", w);
	} else if (!valid_alias(w) || !strcmp(w, ".") || !strcmp(w, "..")) {
		/* "..": the wrapper would replace the program's directory */
		return *why = "bad wrapper_name", -EINVAL;
	} else {
		snprintf(c->wrapper, sizeof(c->wrapper), "%s", w); /* a name: resolved below */
	}
	return 0;
}

/* [username:]path */
static int parse_right(char *right, struct proxy_command *c, const char **why)
{
	char *p = trim(right);
	if (*p != '/') {
		char *colon = strchr(p, ':');
		if (!colon)
			return *why = "the program must be an absolute path", -EINVAL;
		*colon = '\0';
		if (!valid_user(trim(p)))
			return *why = "bad user name", -EINVAL;
		snprintf(c->user, sizeof(c->user), "%s", trim(p));
		p = trim(colon + 1);
	}
	if (!path_is_clean_absolute(p) || strlen(p) >= sizeof(c->path) || !strcmp(p, "/"))
		return *why = "the program must be a clean absolute path", -EINVAL;
	snprintf(c->path, sizeof(c->path), "%s", p);
	if (!c->wrapper[0]) {
		snprintf(c->wrapper, sizeof(c->wrapper), "%s", p);
	} else if (c->wrapper[0] != '/') {
		char dir[4096];
		snprintf(dir, sizeof(dir), "%s", p);
		*strrchr(dir, '/') = '\0';
		char w[4096];
		if (snprintf(w, sizeof(w), "%s/%s", dir, c->wrapper) >= (int)sizeof(w))
			return *why = "wrapper path too long", -EINVAL;
		snprintf(c->wrapper, sizeof(c->wrapper), "%s", w);
	}
	return 0;
}

static int parse_line(char *line, struct proxy_command *c, const char **why)
{
	*c = (struct proxy_command){0};
	char *eq = strchr(line, '=');
	if (!eq)
		return *why = "expected ALIAS[:wrapper_name]=[username:]path", -EINVAL;
	*eq = '\0';
	int r = parse_left(line, c, why);
	return r < 0 ? r : parse_right(eq + 1, c, why);
}

/* c into cmds; by_alias maps each alias of cmds to its index (a file of
 * thousands of lines is not compared line by line with every other). */
static int put(struct proxy_commands *cmds, struct strset *by_alias, const struct proxy_command *c,
	       size_t first_of_file)
{
	size_t i;
	if (strset_get(by_alias, c->alias, &i)) {
		if (i >= first_of_file)
			return -EEXIST;
		cmds->v[i] = *c; /* custom.proxy.commands replaces */
		return 0;
	}
	/* room doubled when n reaches a power of two (an entry is 8 KiB: one
	 * more each time copied the whole array per line) */
	if ((cmds->n & (cmds->n - 1)) == 0) {
		struct proxy_command *v =
		    reallocarray(cmds->v, cmds->n ? cmds->n * 2 : 1, sizeof(*v));
		if (!v)
			return -ENOMEM;
		cmds->v = v;
	}
	if (strset_put(by_alias, c->alias, cmds->n) < 0)
		return -ENOMEM;
	cmds->v[cmds->n++] = *c;
	return 0;
}

int proxy_trusted(int fd, bool dir, const char *name, struct uc_error *err)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return uc_fail_errno(err, errno, "%s", name);
	if (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
		return uc_fail(err, UC_PERMISSION, "%s: not a %s: refused", name,
			       dir ? "directory" : "regular file");
	if ((st.st_uid != 0 && st.st_uid != geteuid()) || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return uc_fail(
		    err, UC_PERMISSION,
		    "%s: owner uid %u, mode %04o: refused (the proxy reads only what root "
		    "owns and no group or other may write)",
		    name, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
	return 0;
}

static int read_file(struct proxy_commands *cmds, struct strset *by_alias, FILE *f,
		     const char *name, struct uc_error *err)
{
	char line[8192];
	unsigned no = 0;
	size_t first = cmds->n;
	for (size_t i = 0; i < cmds->n; i++)
		if (strset_put(by_alias, cmds->v[i].alias, i) < 0)
			return uc_fail(err, UC_INTERNAL, "out of memory");
	while (fgets(line, sizeof(line), f)) {
		no++;
		if (!strchr(line, '\n') && !feof(f))
			return uc_fail(err, UC_BADREQUEST, "%s:%u: line too long", name, no);
		char *l = trim(line);
		if (!*l || *l == '#')
			continue;
		struct proxy_command c;
		const char *why = "";
		if (parse_line(l, &c, &why) < 0)
			return uc_fail(err, UC_BADREQUEST, "%s:%u: %s", name, no, why);
		int r = put(cmds, by_alias, &c, first);
		if (r == -EEXIST)
			return uc_fail(err, UC_BADREQUEST, "%s:%u: alias %s given twice", name, no,
				       c.alias);
		if (r < 0)
			return uc_fail(err, UC_INTERNAL, "out of memory");
	}
	return ferror(f) ? uc_fail_errno(err, EIO, "%s", name) : 0;
}

int proxy_commands_parse_file(struct proxy_commands *cmds, const char *path, const char *name,
			      struct uc_error *err)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : uc_fail_errno(err, errno, "%s", name);
	struct strset by_alias = {0};
	int r = read_file(cmds, &by_alias, f, name, err);
	strset_release(&by_alias);
	return r;
}

/* name of the directory dfd, checked (proxy_trusted) and read */
static int parse_trusted(struct proxy_commands *cmds, int dfd, const char *file, const char *path,
			 struct uc_error *err)
{
	int fd = openat(dfd, file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : uc_fail_errno(err, errno, "%s", path);
	int r = proxy_trusted(fd, false, path, err);
	_cleanup_fclose_ FILE *f = r == 0 ? fdopen(fd, "re") : NULL;
	if (!f) {
		close(fd);
		return r < 0 ? r : uc_fail_errno(err, errno, "%s", path);
	}
	struct strset by_alias = {0};
	r = read_file(cmds, &by_alias, f, path, err);
	strset_release(&by_alias);
	return r;
}

bool proxy_commands_file(const char *name)
{
	size_t n = strlen(name), s = strlen(".proxy.commands");
	return !strcmp(name, "proxy.commands") ||
	       (name[0] != '.' && n > s && !strcmp(name + n - s, ".proxy.commands"));
}

/* proxy.commands first, custom.proxy.commands last (a line there replaces
 * an alias), the other *.proxy.commands (CageFS's per-package files) in
 * between, by name. */
static int file_rank(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	int rx = !strcmp(x, "proxy.commands") ? 0 : !strcmp(x, "custom.proxy.commands") ? 2 : 1;
	int ry = !strcmp(y, "proxy.commands") ? 0 : !strcmp(y, "custom.proxy.commands") ? 2 : 1;
	return rx != ry ? rx - ry : strcmp(x, y);
}

/* config_dir's proxy files by rank, from its checked descriptor dfd */
static int list_files(int dfd, struct strv *files)
{
	int r = path_dir_names(dfd, files);
	if (r < 0)
		return r;
	size_t k = 0;
	for (size_t i = 0; i < files->n; i++) {
		if (proxy_commands_file(files->v[i]))
			files->v[k++] = files->v[i];
		else
			free(files->v[i]);
	}
	files->n = k;
	if (files->n)
		qsort(files->v, files->n, sizeof(*files->v), file_rank);
	return 0;
}

int proxy_commands_load(const struct uc_config *cfg, struct proxy_commands *cmds,
			struct uc_error *err)
{
	*cmds = (struct proxy_commands){0};
	struct strv files = STRV_INIT;
	_cleanup_close_ int dfd = open(cfg->config_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? 0 : uc_fail_errno(err, errno, "%s", cfg->config_dir);
	int r = proxy_trusted(dfd, true, cfg->config_dir, err);
	if (r == 0 && list_files(dfd, &files) < 0)
		r = uc_fail(err, UC_INTERNAL, "%s: cannot list it", cfg->config_dir);
	for (size_t i = 0; r == 0 && i < files.n; i++) {
		char p[PATH_MAX];
		if (path_join(p, sizeof(p), cfg->config_dir, files.v[i]) < 0)
			r = uc_fail(err, UC_BADREQUEST, "config_dir too long");
		else
			r = parse_trusted(cmds, dfd, files.v[i], p, err);
	}
	strv_clear(&files);
	if (r < 0)
		proxy_commands_release(cmds);
	return r;
}

const struct proxy_command *proxy_commands_find(const struct proxy_commands *cmds,
						const char *alias, const char *wrapper)
{
	for (size_t i = 0; i < cmds->n; i++) {
		if (alias && *alias ? !strcmp(cmds->v[i].alias, alias)
				    : wrapper && !strcmp(cmds->v[i].wrapper, wrapper))
			return &cmds->v[i];
	}
	return NULL;
}

const struct proxy_command *proxy_commands_find_exe(const struct proxy_commands *cmds,
						    const char *sysroot, const char *exe)
{
	const struct proxy_command *c = proxy_commands_find(cmds, NULL, exe);
	_cleanup_close_ int rootfd = c ? -1 : open(sysroot, O_PATH | O_DIRECTORY | O_CLOEXEC);
	for (size_t i = 0; !c && rootfd >= 0 && i < cmds->n; i++) {
		char real[PATH_MAX];
		if (path_resolve_in_root(rootfd, cmds->v[i].wrapper, false, real, sizeof(real),
					 NULL) == 0 &&
		    !strcmp(real, exe))
			c = &cmds->v[i];
	}
	return c;
}

void proxy_commands_release(struct proxy_commands *cmds)
{
	free(cmds->v);
	*cmds = (struct proxy_commands){0};
}
