#include "lib/config.h"

#include "lib/cleanup.h"
#include "lib/lines.h"
#include "lib/path.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>

enum key_type {
	KEY_PATH,      /* clean absolute path */
	KEY_UINT,      /* decimal, fits in unsigned */
	KEY_PATH_LIST, /* comma or space separated clean absolute paths */
	KEY_BOOL,      /* yes/no, true/false, on/off, 1/0 */
	KEY_MODE,      /* one of uc_cage_mode_names */
	KEY_CAPS,      /* capability names (CAP_SYS_ADMIN or sys_admin), space or comma separated */
	KEY_SIZE,      /* bytes: decimal, with an optional K, M, G or T (1024) */
};

/* The only capabilities root holds in a cage (enter_caps, an allowlist):
 * what a repair of the cage's files needs, nothing that reaches the host
 * (doc/enter.md says why each is in or out). */
static const int default_enter_caps[] = {CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER,
					 CAP_KILL,  CAP_SETUID,	      CAP_SETGID};

const char *const uc_cage_mode_names[3] = {"auto", "overlay", "bind"};

struct key_desc {
	const char *name;
	enum key_type type;
	size_t offset;
};

#define KEY(n, t)                                                                                  \
	{                                                                                          \
#n, t, offsetof(struct uc_config, n)                                               \
	}
static const struct key_desc keys[] = {
    KEY(sysroot, KEY_PATH),
    KEY(state_dir, KEY_PATH),
    KEY(config_dir, KEY_PATH),
    KEY(cages_dir, KEY_PATH),
    KEY(run_dir, KEY_PATH),
    KEY(rpm_dbpath, KEY_PATH),
    KEY(min_uid, KEY_UINT),
    KEY(local_paths, KEY_PATH_LIST),
    KEY(strip_suid, KEY_BOOL),
    KEY(suid_allow, KEY_PATH_LIST),
    KEY(passwd_file, KEY_PATH),
    KEY(group_file, KEY_PATH),
    KEY(cage_mode, KEY_MODE),
    KEY(enter_caps, KEY_CAPS),
    KEY(cage_user_namespaces, KEY_BOOL),
    KEY(import_max_entries, KEY_UINT),
    KEY(import_max_size, KEY_SIZE),
    KEY(cagefs_compat, KEY_BOOL),
    KEY(tmpwatch_hours, KEY_UINT),
    KEY(tmpwatch_dirs, KEY_PATH_LIST),
    KEY(proxy_max_seconds, KEY_UINT),
};
#undef KEY

static const char *const default_local_paths[] = {"/etc", "/var", "/root", "/home",
						  "/tmp", "/run", "/srv"};

static int set_str(char **dst, const char *v)
{
	char *s = strdup(v);
	if (!s)
		return -ENOMEM;
	free(*dst);
	*dst = s;
	return 0;
}

int uc_config_init(struct uc_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->min_uid = 1000;
	cfg->strip_suid = true;
	cfg->import_max_entries = 10000000;
	cfg->import_max_size = 64ull << 30;
	cfg->tmpwatch_hours = 720;
	cfg->proxy_max_seconds = 3600;
	for (size_t i = 0; i < UC_ARRAY_SIZE(default_enter_caps); i++)
		cfg->enter_caps[cfg->n_enter_caps++] = default_enter_caps[i];
	if (set_str(&cfg->sysroot, "/") < 0 || set_str(&cfg->state_dir, "/var/lib/unicage") < 0 ||
	    set_str(&cfg->config_dir, "/etc/unicage") < 0 ||
	    set_str(&cfg->run_dir, "/run/unicage") < 0)
		return -ENOMEM;
	for (size_t i = 0; i < UC_ARRAY_SIZE(default_local_paths); i++)
		if (strv_push(&cfg->local_paths, default_local_paths[i]) < 0)
			return -ENOMEM;
	return 0;
}

void uc_config_release(struct uc_config *cfg)
{
	for (size_t i = 0; i < UC_ARRAY_SIZE(keys); i++) {
		if (keys[i].type == KEY_PATH)
			free(*(char **)((char *)cfg + keys[i].offset));
	}
	free(cfg->source);
	strv_clear(&cfg->local_paths);
	strv_clear(&cfg->suid_allow);
	strv_clear(&cfg->tmpwatch_dirs);
	memset(cfg, 0, sizeof(*cfg));
}

/* A deep copy, so a failed parse can be thrown away whole. */
static int config_copy(struct uc_config *dst, const struct uc_config *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->min_uid = src->min_uid;
	dst->strip_suid = src->strip_suid;
	dst->cage_mode = src->cage_mode;
	dst->cage_user_namespaces = src->cage_user_namespaces;
	dst->import_max_entries = src->import_max_entries;
	dst->import_max_size = src->import_max_size;
	dst->cagefs_compat = src->cagefs_compat;
	memcpy(dst->enter_caps, src->enter_caps, sizeof(dst->enter_caps));
	dst->n_enter_caps = src->n_enter_caps;
	dst->tmpwatch_hours = src->tmpwatch_hours;
	dst->proxy_max_seconds = src->proxy_max_seconds;
	if (strv_copy(&dst->suid_allow, &src->suid_allow) < 0 ||
	    strv_copy(&dst->tmpwatch_dirs, &src->tmpwatch_dirs) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < UC_ARRAY_SIZE(keys); i++) {
		if (keys[i].type != KEY_PATH)
			continue;
		const char *s = *(char *const *)((const char *)src + keys[i].offset);
		if (s && set_str((char **)((char *)dst + keys[i].offset), s) < 0)
			return -ENOMEM;
	}
	if (src->source && set_str(&dst->source, src->source) < 0)
		return -ENOMEM;
	return strv_copy(&dst->local_paths, &src->local_paths);
}

static int parse_uint(const char *v, unsigned *out)
{
	char *end;
	if (!isdigit((unsigned char)v[0]))
		return -EINVAL;
	errno = 0;
	unsigned long n = strtoul(v, &end, 10);
	if (errno || *end || n > UINT_MAX)
		return -EINVAL;
	*out = (unsigned)n;
	return 0;
}

static int parse_size(const char *v, uint64_t *out)
{
	static const char units[] = "KMGT";
	char *end;
	if (!isdigit((unsigned char)v[0]))
		return -EINVAL;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	const char *u = *end ? strchr(units, toupper((unsigned char)*end)) : NULL;
	if (errno || (*end && (!u || end[1])))
		return -EINVAL;
	for (const char *p = units; u && p <= u; p++) {
		if (n > UINT64_MAX / 1024)
			return -EINVAL;
		n *= 1024;
	}
	*out = n;
	return 0;
}

static int parse_path_list(const char *v, struct strv *out, const char **bad)
{
	struct strv tmp = STRV_INIT;
	if (strv_split(&tmp, v, ", \t") < 0)
		return -ENOMEM;
	for (size_t i = 0; i < tmp.n; i++) {
		if (!path_is_clean_absolute(tmp.v[i])) {
			*bad = v;
			strv_clear(&tmp);
			return -EINVAL;
		}
	}
	strv_clear(out);
	*out = tmp;
	return 0;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};
	for (size_t i = 0; i < UC_ARRAY_SIZE(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_caps(struct uc_config *cfg, const char *v, const char *where, const char *key,
		      struct uc_error *err)
{
	unsigned n = 0;
	int caps[64];
	if (strcasecmp(v, "none") == 0) {
		cfg->n_enter_caps = 0; /* root of nothing: a look-only shell */
		return 0;
	}
	struct strv names = STRV_INIT;
	if (strv_split(&names, v, ", \t") < 0)
		return -ENOMEM;
	for (size_t i = 0; i < names.n; i++) {
		cap_value_t c;
		/* a bare number is refused: names say what is granted */
		if (isdigit((unsigned char)names.v[i][0]) || cap_from_name(names.v[i], &c) < 0 ||
		    n == UC_ARRAY_SIZE(caps)) {
			int r = uc_fail(err, UC_BADREQUEST, "%s: %s: unknown capability '%s'",
					where, key, names.v[i]);
			strv_clear(&names);
			return r;
		}
		caps[n++] = c;
	}
	strv_clear(&names);
	memcpy(cfg->enter_caps, caps, n * sizeof(*caps));
	cfg->n_enter_caps = n;
	return 0;
}

static int set_key(struct uc_config *cfg, const struct key_desc *k, const char *v,
		   const char *where, struct uc_error *err)
{
	void *field = (char *)cfg + k->offset;
	const char *bad = NULL;
	switch (k->type) {
	case KEY_PATH:
		if (!path_is_clean_absolute(v))
			return uc_fail(err, UC_BADREQUEST,
				       "%s: %s must be a clean absolute path, not '%s'", where,
				       k->name, v);
		return set_str(field, v);
	case KEY_UINT:
		if (parse_uint(v, field) < 0)
			return uc_fail(err, UC_BADREQUEST,
				       "%s: %s must be a non-negative integer, not '%s'", where,
				       k->name, v);
		return 0;
	case KEY_BOOL:
		if (parse_bool(v, field) < 0)
			return uc_fail(err, UC_BADREQUEST, "%s: %s must be yes or no, not '%s'",
				       where, k->name, v);
		return 0;
	case KEY_CAPS:
		return parse_caps(cfg, v, where, k->name, err);
	case KEY_SIZE:
		if (parse_size(v, field) < 0)
			return uc_fail(err, UC_BADREQUEST,
				       "%s: %s must be a size in bytes (K, M, G, T allowed), not '%s'",
				       where, k->name, v);
		return 0;
	case KEY_MODE:
		for (int i = 0; i < (int)UC_ARRAY_SIZE(uc_cage_mode_names); i++)
			if (strcmp(v, uc_cage_mode_names[i]) == 0) {
				*(int *)field = i;
				return 0;
			}
		return uc_fail(err, UC_BADREQUEST, "%s: %s must be auto, overlay or bind, not '%s'",
			       where, k->name, v);
	case KEY_PATH_LIST:
		if (parse_path_list(v, field, &bad) == -EINVAL)
			return uc_fail(err, UC_BADREQUEST,
				       "%s: %s must list clean absolute paths, not '%s'", where,
				       k->name, bad);
		return 0;
	}
	return -EINVAL;
}

static const struct key_desc *find_key(const char *name, size_t *idx)
{
	for (size_t i = 0; i < UC_ARRAY_SIZE(keys); i++)
		if (strcmp(keys[i].name, name) == 0) {
			*idx = i;
			return &keys[i];
		}
	return NULL;
}

static int parse_line(struct uc_config *cfg, char *line, const char *where, unsigned *seen_line,
		      unsigned lineno, struct uc_error *err)
{
	char *s = str_trim(line);
	if (*s == '\0' || *s == '#')
		return 0;
	char *eq = strchr(s, '=');
	if (!eq)
		return uc_fail(err, UC_BADREQUEST, "%s: expected 'key = value'", where);
	*eq = '\0';
	char *key = str_trim(s), *value = str_trim(eq + 1);
	size_t idx;
	const struct key_desc *k = find_key(key, &idx);
	if (!k && strcmp(key, "enter_drop_caps") == 0)
		return uc_fail(
		    err, UC_BADREQUEST,
		    "%s: enter_drop_caps is gone: enter_caps replaces it (the capabilities "
		    "root keeps in a cage, an allowlist; see doc/enter.md)",
		    where);
	if (!k)
		return uc_fail(err, UC_BADREQUEST, "%s: unknown key '%s'", where, key);
	if (seen_line[idx])
		return uc_fail(err, UC_BADREQUEST, "%s: '%s' already set on line %u", where, key,
			       seen_line[idx]);
	seen_line[idx] = lineno;
	if (*value == '\0')
		return uc_fail(err, UC_BADREQUEST, "%s: '%s' has no value", where, key);
	return set_key(cfg, k, value, where, err);
}

struct stream {
	struct uc_config *cfg;
	unsigned seen_line[UC_ARRAY_SIZE(keys)];
};

static int config_line(char *line, const char *where, unsigned lineno, void *arg,
		       struct uc_error *err)
{
	struct stream *st = arg;
	if (strlen(line) > 4096)
		return uc_fail(err, UC_BADREQUEST, "%s: line longer than 4096 bytes", where);
	return parse_line(st->cfg, line, where, st->seen_line, lineno, err);
}

static int parse_stream(struct uc_config *cfg, FILE *f, const char *name, struct uc_error *err)
{
	struct stream st = {.cfg = cfg};
	return uc_read_lines(f, name, config_line, &st, err);
}

int uc_config_parse(struct uc_config *cfg, FILE *f, const char *name, struct uc_error *err)
{
	struct uc_config tmp;
	int r = config_copy(&tmp, cfg);
	if (r == 0)
		r = parse_stream(&tmp, f, name, err);
	if (r == 0)
		r = set_str(&tmp.source, name);
	if (r < 0) {
		if (r == -ENOMEM)
			uc_fail(err, UC_INTERNAL, "%s: out of memory", name);
		uc_config_release(&tmp);
		return r;
	}
	uc_config_release(cfg);
	*cfg = tmp;
	return 0;
}

static int finalize(struct uc_config *cfg)
{
	char buf[PATH_MAX];
	/* CageFS's own directory is read as CageFS writes it (doc/cagefs.md) */
	if (strcmp(cfg->config_dir, "/etc/cagefs") == 0)
		cfg->cagefs_compat = true;
	if (cfg->cages_dir)
		return 0;
	if (path_join(buf, sizeof(buf), cfg->state_dir, "cages") < 0)
		return -ENAMETOOLONG;
	return set_str(&cfg->cages_dir, buf);
}

int uc_config_load(struct uc_config *cfg, const char *path, struct uc_error *err)
{
	bool must_exist = true;
	if (!path || !*path)
		path = getenv("UNICAGE_CONFIG");
	if (!path || !*path) {
		path = UC_DEFAULT_CONFIG;
		must_exist = false;
	}
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT && !must_exist)
			return finalize(cfg);
		return uc_fail_errno(err, errno, "configuration %s", path);
	}
	int r = uc_config_parse(cfg, f, path, err);
	if (r < 0)
		return r;
	r = finalize(cfg);
	if (r < 0)
		return uc_fail_errno(err, r, "configuration %s", path);
	return 0;
}
