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

static unsigned exclude_pass; /* each_exclude_file's calls, for warn_broken */

/* fn(path, arg) for every file of config_dir/exclude/, until one returns
 * nonzero (returned). No such directory: 0. */
static int each_exclude_file(const struct uc_config *cfg, int (*fn)(const char *path, void *arg),
			     void *arg, struct uc_error *err)
{
	char dir[PATH_MAX];
	int r = path_join(dir, sizeof(dir), cfg->config_dir, "exclude");
	if (r < 0)
		return path_fail(err, r, cfg->config_dir);
	_cleanup_closedir_ DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : uc_fail_errno(err, errno, "%s", dir);
	struct dirent *de;
	r = 0;
	exclude_pass++;
	while (r == 0 && (de = readdir(d))) {
		char path[PATH_MAX];
		if (de->d_name[0] != '.' && path_join(path, sizeof(path), dir, de->d_name) == 0)
			r = fn(path, arg);
	}
	return r;
}

/* An exclude/ file with a bad line excludes nobody: the users it names stay
 * caged (fail closed: an exclusion that cannot be read is no exclusion);
 * each one said in the first pass over exclude/ that meets one, once per
 * process. */
static void warn_broken(const char *why)
{
	static unsigned warned_in; /* 0: none yet */
	if (warned_in && warned_in != exclude_pass)
		return;
	uc_log(UC_LOG_WARN, "%s: the users named there are not excluded", why);
	warned_in = exclude_pass;
}

static int exclude_into(const char *path, void *arg)
{
	struct cage_users *cu = arg;
	struct strv names = STRV_INIT;
	struct uc_error e = {0};
	int r = 0;
	if (read_names(path, &names, &e) < 0) {
		warn_broken(e.msg);
		r = strv_push(&cu->broken, e.msg);
		strv_clear(&names); /* not even the lines before the bad one */
	}
	for (size_t i = 0; r == 0 && i < names.n; i++)
		if (!strv_contains(&cu->excluded, names.v[i]))
			r = strv_push(&cu->excluded, names.v[i]);
	strv_clear(&names);
	return r < 0 ? -ENOMEM : 0;
}

/* Every file of config_dir/exclude/ (see warn_broken): the names of its
 * good files into cu->excluded, the reason of each bad one into
 * cu->broken. */
static int load_excluded(const struct uc_config *cfg, struct cage_users *cu, struct uc_error *err)
{
	int r = each_exclude_file(cfg, exclude_into, cu, err);
	return r == -ENOMEM ? uc_fail(err, UC_INTERNAL, "out of memory") : r;
}

/* The mode in force: Disable All until an admin says otherwise (nobody is
 * caged by surprise), also when the file cannot be read. */
static int read_mode(const struct uc_config *cfg, enum cage_mode *mode, struct uc_error *err)
{
	char p[PATH_MAX], text[32] = "";
	int r = statepath_users(cfg, "mode", p, sizeof(p));
	if (r < 0)
		return path_fail(err, r, cfg->state_dir);
	_cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? 0 : read(fd, text, sizeof(text) - 1);
	text[n > 0 ? n : 0] = '\0';
	*mode = strncmp(text, "enable-all", 10) == 0 ? CAGE_ENABLE_ALL : CAGE_DISABLE_ALL;
	return 0;
}

/* The verdict of a user past min_uid and exclude/: the exception list of
 * the mode names her (listed) or not. */
static enum user_verdict mode_verdict(enum cage_mode mode, bool listed)
{
	if (mode == CAGE_ENABLE_ALL)
		return listed ? U_DISABLED : U_ENABLED;
	return listed ? U_ENABLED : U_DISABLED;
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
	char en[PATH_MAX], dis[PATH_MAX];
	int r = read_mode(cfg, &cu->mode, err);
	if (r < 0)
		return r;
	if ((r = statepath_users(cfg, "users.enabled", en, sizeof(en))) < 0 ||
	    (r = statepath_users(cfg, "users.disabled", dis, sizeof(dis))) < 0)
		return path_fail(err, r, cfg->state_dir);
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

/* 1 when the exclude/ file at path names the user (arg); a file with a
 * bad line names nobody (warn_broken). */
static int exclude_names(const char *path, void *arg)
{
	struct uc_error e = {0};
	int r = names_have(path, arg, &e);
	if (r < 0)
		warn_broken(e.msg);
	return r == 1;
}

/* Whether an exclude/ file names the user (an unreadable exclude/ excludes
 * nobody, as a bad file does). */
static bool excluded(const struct uc_config *cfg, const char *name)
{
	struct uc_error e = {0};
	return each_exclude_file(cfg, exclude_names, (void *)name, &e) == 1;
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
	char p[PATH_MAX];
	enum cage_mode mode;
	int r = read_mode(cfg, &mode, err);
	if (r < 0)
		return r;
	r = statepath_users(cfg, mode == CAGE_ENABLE_ALL ? "users.disabled" : "users.enabled", p,
			    sizeof(p));
	if (r < 0)
		return path_fail(err, r, cfg->state_dir);
	if ((r = names_have(p, u->name, err)) < 0)
		return r;
	*v = mode_verdict(mode, r == 1);
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
	const struct strv *list = cu->mode == CAGE_ENABLE_ALL ? &cu->disabled : &cu->enabled;
	return mode_verdict(cu->mode, strv_contains(list, u->name));
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
