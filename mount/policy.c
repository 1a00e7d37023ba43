#include "mount/policy.h"
#include "mount/users_cagefs.h"

#include "lib/cleanup.h"
#include "lib/hashset.h"
#include "lib/lines.h"
#include "lib/log.h"
#include "lib/path.h"
#include "lib/statepath.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct names_read {
	struct strv *out;
	struct strset seen; /* out's names (a list search per line was quadratic) */
};

/* One name per line, # comments; a line that is not a user name (a blank,
 * '/', ':' or a control character in it) is an error. 1 with the line's
 * name in *name, 0 for a line without one, or the error. */
static int line_name(char *line, const char *where, const char **name, struct uc_error *err)
{
	char *s = str_trim(line);
	if (!*s || *s == '#')
		return 0;
	bool ok = true;
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		ok = ok && *c > ' ' && *c != 0x7f && *c != '/' && *c != ':';
	if (!ok)
		return uc_fail(err, UC_BADREQUEST, "%s: '%s' is not a user name", where, s);
	*name = s;
	return 1;
}

static int name_line(char *line, const char *where, unsigned lineno, void *arg,
		     struct uc_error *err)
{
	(void)lineno;
	struct names_read *nr = arg;
	const char *s;
	int r = line_name(line, where, &s, err);
	if (r <= 0)
		return r;
	int added = strset_add(&nr->seen, s);
	if (added < 0 || (added > 0 && strv_push(nr->out, s) < 0))
		return uc_fail(err, UC_INTERNAL, "out of memory");
	return 0;
}

int policy_parse_names(FILE *f, const char *name, struct strv *out, struct uc_error *err)
{
	struct names_read nr = {.out = out};
	int r = 0;
	for (size_t i = 0; r >= 0 && i < out->n; i++)
		r = strset_add(&nr.seen, out->v[i]);
	r = r < 0 ? uc_fail(err, UC_INTERNAL, "out of memory")
		  : uc_read_lines(f, name, name_line, &nr, err);
	strset_release(&nr.seen);
	return r;
}

static int read_names(const char *path, struct strv *out, struct uc_error *err)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : uc_fail_errno(err, errno, "%s", path);
	return policy_parse_names(f, path, out, err);
}

static int write_file(int dirfd, const char *name, const char *text, struct uc_error *err)
{
	char tmp[NAME_MAX + 8];
	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return uc_fail_errno(err, errno, "users state %s", name);
	size_t len = strlen(text);
	int r = write(fd, text, len) == (ssize_t)len && fsync(fd) == 0 ? 0 : -errno;
	close(fd);
	if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
		r = -errno;
	return r < 0 ? uc_fail_errno(err, r, "users state %s", name) : 0;
}

/* The names, one per line. */
static char *join(const struct strv *sv)
{
	size_t len = 1, off = 0;
	for (size_t i = 0; i < sv->n; i++)
		len += strlen(sv->v[i]) + 1;
	char *s = malloc(len);
	for (size_t i = 0; s && i < sv->n; i++)
		off += (size_t)snprintf(s + off, len - off, "%s\n", sv->v[i]);
	if (s)
		s[off] = '\0';
	return s;
}

static int state_dir(const struct uc_config *cfg, bool create, struct uc_error *err)
{
	char p[PATH_MAX];
	int r = statepath_users(cfg, NULL, p, sizeof(p));
	if (r < 0)
		return path_fail(err, r, cfg->state_dir);
	if (create && ((mkdir(cfg->state_dir, 0755) < 0 && errno != EEXIST) ||
		       (mkdir(p, 0755) < 0 && errno != EEXIST)))
		return uc_fail_errno(err, errno, "%s", p);
	int fd = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && !(errno == ENOENT && !create))
		return uc_fail_errno(err, errno, "%s", p);
	return fd < 0 ? -ENOENT : fd;
}

/* Every file of config_dir/exclude/. One with a bad line excludes nobody:
 * the users it names stay caged (fail closed: an exclusion that cannot be
 * read is no exclusion), the reason goes to cu->broken and is logged once
 * per process; the names of the good files still count. */
static int load_excluded(const struct uc_config *cfg, struct cage_users *cu, struct uc_error *err)
{
	static bool warned;
	char dir[PATH_MAX];
	int r = path_join(dir, sizeof(dir), cfg->config_dir, "exclude");
	if (r < 0)
		return path_fail(err, r, cfg->config_dir);
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : uc_fail_errno(err, errno, "%s", dir);
	struct dirent *de;
	r = 0;
	while (r == 0 && (de = readdir(d))) {
		char path[PATH_MAX];
		if (de->d_name[0] == '.')
			continue;
		path_join(path, sizeof(path), dir, de->d_name);
		struct strv names = STRV_INIT;
		struct uc_error e = {0};
		if (read_names(path, &names, &e) < 0) {
			if (!warned)
				uc_log(UC_LOG_WARN, "%s: the users named there are not excluded",
				       e.msg);
			r = strv_push(&cu->broken, e.msg);
			strv_clear(&names); /* not even the lines before the bad one */
		}
		for (size_t i = 0; r == 0 && i < names.n; i++)
			if (!strv_contains(&cu->excluded, names.v[i]))
				r = strv_push(&cu->excluded, names.v[i]);
		strv_clear(&names);
	}
	closedir(d);
	warned = warned || cu->broken.n;
	return r < 0 ? uc_fail(err, UC_INTERNAL, "out of memory") : 0;
}

int policy_load(const struct uc_config *cfg, struct cage_users *cu, struct uc_error *err)
{
	memset(cu, 0, sizeof(*cu));
	if (cfg->cagefs_compat) {
		int r = cagefs_users_load(cfg, cu, err);
		if (r == 0)
			r = load_excluded(cfg, cu, err);
		if (r < 0)
			policy_release(cu);
		return r;
	}
	char p[PATH_MAX], en[PATH_MAX], dis[PATH_MAX], mode[32] = "";
	int r = statepath_users(cfg, "mode", p, sizeof(p));
	if (r < 0 || (r = statepath_users(cfg, "users.enabled", en, sizeof(en))) < 0 ||
	    (r = statepath_users(cfg, "users.disabled", dis, sizeof(dis))) < 0)
		return path_fail(err, r, cfg->state_dir);
	FILE *f = fopen(p, "re");
	if (f) {
		if (!fgets(mode, sizeof(mode), f))
			mode[0] = '\0';
		fclose(f);
	}
	/* Disable All until an admin says otherwise: nobody is caged by surprise */
	cu->mode = strncmp(mode, "enable-all", 10) == 0 ? CAGE_ENABLE_ALL : CAGE_DISABLE_ALL;
	r = read_names(en, &cu->enabled, err);
	if (r == 0)
		r = read_names(dis, &cu->disabled, err);
	if (r == 0)
		r = load_excluded(cfg, cu, err);
	if (r < 0)
		policy_release(cu);
	return r;
}

/* ---- one user's verdict: a pass over the files that decide it ---------- */

struct name_find {
	const char *want;
	bool found;
};

static int find_line(char *line, const char *where, unsigned lineno, void *arg,
		     struct uc_error *err)
{
	(void)lineno;
	struct name_find *nf = arg;
	const char *s;
	int r = line_name(line, where, &s, err);
	if (r == 1 && !strcmp(s, nf->want))
		nf->found = true;
	return r < 0 ? r : 0;
}

/* Whether the names file at path holds name: 1, 0 (also when there is no
 * such file), or the error of a bad line (every line is read: a file with
 * one is wrong whatever comes before). */
static int names_have(const char *path, const char *name, struct uc_error *err)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : uc_fail_errno(err, errno, "%s", path);
	struct name_find nf = {.want = name};
	int r = uc_read_lines(f, path, find_line, &nf, err);
	return r < 0 ? r : nf.found;
}

/* Whether an exclude/ file names the user; a file with a bad line excludes
 * nobody, as in load_excluded (and is said once). */
static bool excluded(const struct uc_config *cfg, const char *name)
{
	static bool warned;
	char dir[PATH_MAX];
	if (path_join(dir, sizeof(dir), cfg->config_dir, "exclude") < 0)
		return false;
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		char path[PATH_MAX];
		struct uc_error e = {0};
		if (de->d_name[0] == '.' || path_join(path, sizeof(path), dir, de->d_name) < 0)
			continue;
		int r = names_have(path, name, &e);
		if (r == 1)
			return true;
		if (r < 0 && !warned)
			uc_log(UC_LOG_WARN, "%s: the users named there are not excluded", e.msg);
		warned = warned || r < 0;
	}
	return false;
}

int policy_user_verdict(const struct uc_config *cfg, const struct uc_user *u,
			enum user_verdict *v, struct uc_error *err)
{
	if (cfg->cagefs_compat) {
		struct cage_users cu;
		int r = policy_load(cfg, &cu, err);
		if (r == 0)
			*v = policy_verdict(cfg, &cu, u);
		policy_release(&cu);
		return r;
	}
	if (u->uid < cfg->min_uid) {
		*v = U_SYSTEM;
		return 0;
	}
	if (excluded(cfg, u->name)) {
		*v = U_EXCLUDED;
		return 0;
	}
	char p[PATH_MAX], mode[32] = "";
	int r = statepath_users(cfg, "mode", p, sizeof(p));
	if (r < 0)
		return path_fail(err, r, cfg->state_dir);
	_cleanup_close_ int mfd = open(p, O_RDONLY | O_CLOEXEC);
	ssize_t n = mfd < 0 ? 0 : read(mfd, mode, sizeof(mode) - 1);
	mode[n > 0 ? n : 0] = '\0';
	/* Disable All until an admin says otherwise (as policy_load) */
	bool all = strncmp(mode, "enable-all", 10) == 0;
	r = statepath_users(cfg, all ? "users.disabled" : "users.enabled", p, sizeof(p));
	if (r < 0)
		return path_fail(err, r, cfg->state_dir);
	r = names_have(p, u->name, err);
	if (r < 0)
		return r;
	bool listed = r == 1;
	*v = all ? (listed ? U_DISABLED : U_ENABLED) : (listed ? U_ENABLED : U_DISABLED);
	return 0;
}

int policy_save(const struct uc_config *cfg, const struct cage_users *cu, struct uc_error *err)
{
	if (cfg->cagefs_compat)
		return cagefs_users_save(cfg, cu, err);
	_cleanup_close_ int dfd = state_dir(cfg, true, err);
	if (dfd < 0)
		return dfd;
	_cleanup_free_ char *en = join(&cu->enabled);
	_cleanup_free_ char *dis = join(&cu->disabled);
	if (!en || !dis)
		return uc_fail(err, UC_INTERNAL, "out of memory");
	int r = write_file(dfd, "users.enabled", en, err);
	if (r == 0)
		r = write_file(dfd, "users.disabled", dis, err);
	if (r == 0)
		r = write_file(dfd, "mode",
			       cu->mode == CAGE_ENABLE_ALL ? "enable-all\n" : "disable-all\n", err);
	return r;
}

void policy_release(struct cage_users *cu)
{
	strv_clear(&cu->enabled);
	strv_clear(&cu->disabled);
	strv_clear(&cu->excluded);
	strv_clear(&cu->broken);
}

enum user_verdict policy_verdict(const struct uc_config *cfg, const struct cage_users *cu,
				 const struct uc_user *u)
{
	if (u->uid < cfg->min_uid)
		return U_SYSTEM;
	if (strv_contains(&cu->excluded, u->name))
		return U_EXCLUDED;
	if (cu->mode == CAGE_ENABLE_ALL)
		return strv_contains(&cu->disabled, u->name) ? U_DISABLED : U_ENABLED;
	return strv_contains(&cu->enabled, u->name) ? U_ENABLED : U_DISABLED;
}

const char *policy_verdict_name(enum user_verdict v)
{
	switch (v) {
	case U_ENABLED:
		return "Enabled";
	case U_DISABLED:
		return "Disabled";
	case U_SYSTEM:
		return "Disabled (system account: uid below min_uid)";
	case U_EXCLUDED:
		return "Disabled (excluded in exclude/)";
	}
	return "Disabled";
}

static void strv_remove(struct strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0) {
			free(sv->v[i]);
			memmove(&sv->v[i], &sv->v[i + 1], (sv->n - i) * sizeof(*sv->v));
			sv->n--;
			return;
		}
}

int policy_user_set(const struct uc_config *cfg, struct cage_users *cu, const struct uc_user *u,
		    bool enable, struct uc_error *err)
{
	enum user_verdict v = policy_verdict(cfg, cu, u);
	if (v == U_SYSTEM || v == U_EXCLUDED)
		return uc_fail(err, UC_BADREQUEST, "%s: %s; never caged", u->name,
			       policy_verdict_name(v));
	/* the exception list of the mode in force says it */
	struct strv *list = cu->mode == CAGE_ENABLE_ALL ? &cu->disabled : &cu->enabled;
	bool listed = cu->mode == CAGE_ENABLE_ALL ? !enable : enable;
	if (listed && !strv_contains(list, u->name))
		return strv_push(list, u->name) < 0 ? uc_fail(err, UC_INTERNAL, "out of memory")
						    : 0;
	if (!listed)
		strv_remove(list, u->name);
	return 0;
}

bool policy_forget(struct cage_users *cu, const char *name)
{
	size_t n = cu->enabled.n + cu->disabled.n;
	strv_remove(&cu->enabled, name);
	strv_remove(&cu->disabled, name);
	return cu->enabled.n + cu->disabled.n != n;
}

bool policy_rename(struct cage_users *cu, const char *old, const char *nu)
{
	struct strv *lists[] = {&cu->enabled, &cu->disabled};
	bool changed = false;
	for (size_t i = 0; i < 2; i++) {
		if (!strv_contains(lists[i], old))
			continue;
		strv_remove(lists[i], old);
		/* out of memory: the name is dropped, never another one's */
		if (!strv_contains(lists[i], nu))
			strv_push(lists[i], nu);
		changed = true;
	}
	return changed;
}

int policy_require_enabled(const struct uc_config *cfg, const struct uc_user *u,
			   struct uc_error *err)
{
	enum user_verdict v;
	int r = policy_user_verdict(cfg, u, &v, err);
	if (r < 0)
		return r;
	if (v == U_ENABLED)
		return 0;
	return uc_fail(err, UC_PERMISSION, "%s is not caged (%s)%s", u->name,
		       policy_verdict_name(v),
		       v == U_DISABLED ? ": unicage enable USER first" : "");
}
