/* Argument filters (proxy/filter.h). */
#include "proxy/filter.h"

#include "lib/cleanup.h"
#include "lib/path.h"
#include "lib/proxycmds.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void json_putp(json_object **o)
{
	if (*o)
		json_object_put(*o);
}
static void tok_freep(json_tokener **t)
{
	if (*t)
		json_tokener_free(*t);
}

static int string_list(json_object *v, const char *key, struct strv *out, const char *name,
		       struct uc_error *err)
{
	if (!json_object_is_type(v, json_type_array))
		return uc_fail(err, UC_BADREQUEST, "%s: \"%s\" must be a list of strings", name,
			       key);
	size_t n = json_object_array_length(v);
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(v, i);
		if (!json_object_is_type(e, json_type_string) || !*json_object_get_string(e))
			return uc_fail(err, UC_BADREQUEST, "%s: \"%s\"[%zu] must be a string", name,
				       key, i);
		if (strv_push(out, json_object_get_string(e)) < 0)
			return uc_fail(err, UC_INTERNAL, "out of memory");
	}
	return 0;
}

static int get_bool(json_object *v, const char *key, bool *out, const char *name,
		    struct uc_error *err)
{
	if (!json_object_is_type(v, json_type_boolean))
		return uc_fail(err, UC_BADREQUEST, "%s: \"%s\" must be true or false", name, key);
	*out = json_object_get_boolean(v);
	return 0;
}

static int get_operands(json_object *v, struct proxy_filter *f, const char *name,
			struct uc_error *err)
{
	static const char *const names[] = {"any", "none", "no_paths", "self"};
	if (json_object_is_type(v, json_type_array)) {
		f->operands = OPERANDS_LIST;
		return string_list(v, "operands", &f->operand_list, name, err);
	}
	const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
	for (size_t i = 0; i < UC_ARRAY_SIZE(names); i++)
		if (!strcmp(s, names[i])) {
			f->operands = (enum filter_operands)i;
			return 0;
		}
	return uc_fail(err, UC_BADREQUEST,
		       "%s: \"operands\" must be any, none, no_paths, self or a list", name);
}

static int take_key(struct proxy_filter *f, const char *key, json_object *v, const char *name,
		    struct uc_error *err)
{
	if (!strcmp(key, "allow"))
		return string_list(v, key, &f->allow, name, err);
	if (!strcmp(key, "deny"))
		return string_list(v, key, &f->deny, name, err);
	if (!strcmp(key, "restrict_path"))
		return string_list(v, key, &f->restrict_path, name, err);
	if (!strcmp(key, "restrict_path_write"))
		return string_list(v, key, &f->restrict_path_write, name, err);
	if (!strcmp(key, "strict_options"))
		return get_bool(v, key, &f->strict, name, err);
	if (!strcmp(key, "end_of_options"))
		return get_bool(v, key, &f->end_of_options, name, err);
	if (!strcmp(key, "operands"))
		return get_operands(v, f, name, err);
	if (!strcmp(key, "comment"))
		return 0;
	return uc_fail(err, UC_BADREQUEST, "%s: unknown key \"%s\"", name, key);
}

static unsigned line_of(const char *text, size_t off)
{
	unsigned line = 1;
	for (size_t i = 0; i < off && text[i]; i++)
		line += text[i] == '\n';
	return line;
}

int proxy_filter_parse(const char *text, const char *name, struct proxy_filter *f,
		       struct uc_error *err)
{
	*f = (struct proxy_filter){.present = true};
	_cleanup_(tok_freep) json_tokener *tok = json_tokener_new();
	if (!tok)
		return uc_fail(err, UC_INTERNAL, "out of memory");
	/* RFC 8259 only: what json-c would guess at (a trailing comma, a
	 * single quote) is an error naming the line */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	size_t len = strlen(text);
	_cleanup_(json_putp) json_object *root = json_tokener_parse_ex(tok, text, (int)len);
	enum json_tokener_error je = json_tokener_get_error(tok);
	size_t end = json_tokener_get_parse_end(tok);
	if (!root || je != json_tokener_success)
		return uc_fail(err, UC_BADREQUEST, "%s:%u: %s", name, line_of(text, end),
			       je == json_tokener_continue ? "unexpected end of file"
							   : json_tokener_error_desc(je));
	for (size_t i = end; i < len; i++)
		if (!strchr(" \t\r\n", text[i]))
			return uc_fail(err, UC_BADREQUEST, "%s:%u: text after the JSON object",
				       name, line_of(text, i));
	if (!json_object_is_type(root, json_type_object))
		return uc_fail(err, UC_BADREQUEST, "%s:1: expected a JSON object", name);
	json_object_object_foreach(root, key, v)
	{
		int r = take_key(f, key, v, name, err);
		if (r < 0)
			return r;
	}
	/* without strict_options an option is only looked at by its first
	 * characters: getopt's grouped short options (-vf FILE) and
	 * abbreviated long ones (--fil FILE) would carry a path past
	 * restrict_path (the CVE-2020-36772 class); deny is not a boundary
	 * either then (doc/proxy.md) */
	if ((f->restrict_path.n || f->restrict_path_write.n) && !f->strict)
		return uc_fail(err, UC_BADREQUEST,
			       "%s: restrict_path needs \"strict_options\": true (grouped or "
			       "abbreviated options would pass a path past it)",
			       name);
	return 0;
}

int proxy_filter_load(const struct uc_config *cfg, const char *alias, struct proxy_filter *f,
		      struct uc_error *err)
{
	*f = (struct proxy_filter){0};
	char p[PATH_MAX], dir[PATH_MAX], name[128];
	if (snprintf(dir, sizeof(dir), "%s/filters", cfg->config_dir) >= (int)sizeof(dir) ||
	    snprintf(name, sizeof(name), "%s.json", alias) >= (int)sizeof(name) ||
	    path_join(p, sizeof(p), dir, name) < 0)
		return uc_fail(err, UC_BADREQUEST, "config_dir too long");
	/* config_dir, filters/ and the file: root's, no group or other may
	 * write (proxy_trusted; read by root at every request) */
	_cleanup_close_ int cd = open(cfg->config_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cd < 0)
		return errno == ENOENT ? 0 : uc_fail_errno(err, errno, "%s", cfg->config_dir);
	int r = proxy_trusted(cd, true, cfg->config_dir, err);
	_cleanup_close_ int fdir =
	    r < 0 ? -1 : openat(cd, "filters", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (r < 0 || fdir < 0)
		return r < 0 ? r : errno == ENOENT ? 0 : uc_fail_errno(err, errno, "%s", dir);
	if ((r = proxy_trusted(fdir, true, dir, err)) < 0)
		return r;
	_cleanup_close_ int fd = openat(fdir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : uc_fail_errno(err, errno, "%s", p);
	if ((r = proxy_trusted(fd, false, p, err)) < 0)
		return r;
	char buf[65536];
	size_t n = 0;
	ssize_t got;
	while (n < sizeof(buf) - 1 && (got = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += (size_t)got;
	if (n == sizeof(buf) - 1)
		return uc_fail(err, UC_BADREQUEST, "%s: larger than 64 KiB", p);
	buf[n] = '\0';
	if (strlen(buf) != n)
		return uc_fail(err, UC_BADREQUEST, "%s: a NUL byte in the file", p);
	int e = proxy_filter_parse(buf, p, f, err);
	if (e < 0)
		proxy_filter_release(f);
	return e;
}

void proxy_filter_release(struct proxy_filter *f)
{
	strv_clear(&f->allow);
	strv_clear(&f->deny);
	strv_clear(&f->restrict_path);
	strv_clear(&f->restrict_path_write);
	strv_clear(&f->operand_list);
	*f = (struct proxy_filter){0};
}

/* ---- applying ------------------------------------------------------------- */

/* Does arg match entry e (value options end in '*')? *takes_next: the value
 * is the next argument. */
static bool opt_match(const char *e, const char *arg, bool *takes_next)
{
	size_t n = strlen(e);
	*takes_next = false;
	if (n && e[n - 1] == '*') {
		n--;
		if (strncmp(arg, e, n))
			return false;
		*takes_next = arg[n] == '\0';
		return true;
	}
	return !strcmp(e, arg) || (!strncmp(e, "--", 2) && !strncmp(arg, e, n) && arg[n] == '=');
}

static bool prefix_of_any(const struct strv *sv, const char *arg)
{
	for (size_t i = 0; i < sv->n; i++)
		if (!strncmp(arg, sv->v[i], strlen(sv->v[i])))
			return true;
	return false;
}

static int operand_ok(const struct proxy_filter *f, const char *user, const char *a)
{
	switch (f->operands) {
	case OPERANDS_ANY:
		return 0;
	case OPERANDS_NONE:
		return -EPERM;
	case OPERANDS_SELF:
		return strcmp(a, user) ? -EPERM : 0;
	case OPERANDS_LIST:
		return strv_contains(&f->operand_list, a) ? 0 : -EPERM;
	case OPERANDS_NO_PATHS:
		return strchr(a, '/') || a[0] == '|' || a[0] == '.' || a[0] == '-' || !a[0] ? -EPERM
											    : 0;
	}
	return -EPERM;
}

struct applying {
	const struct proxy_filter *f;
	proxy_path_map_fn map;
	void *ctx;
	struct strv *out;
	char *why;
	size_t whysize;
};

/* arg is the restrict_path option e exactly: "e VALUE" (*next), "--e=VALUE"
 * or, for a one-letter option, "-eVALUE" (*at: where VALUE starts). Only
 * these: "--filexyz" is not "--file". */
static bool rp_match(const char *e, const char *arg, bool *next, size_t *at)
{
	size_t n = strlen(e);
	if (strncmp(arg, e, n) != 0)
		return false;
	if (arg[n] == '\0')
		return *next = true;
	*next = false;
	if (!strncmp(e, "--", 2) && arg[n] == '=')
		return *at = n + 1, true;
	if (n == 2 && e[0] == '-' && e[1] != '-')
		return *at = n, true;
	return false;
}

/* One option (and its value when it takes the next argument): how many
 * arguments it used, or -errno. */
static int apply_option(struct applying *a, int argc, const char *const *argv, int i)
{
	const char *arg = argv[i];
	bool next = false, rp = false, rw = false, allowed = false;
	if (prefix_of_any(&a->f->deny, arg))
		return snprintf(a->why, a->whysize, "option %s is not allowed", arg), -EPERM;
	size_t at = 0; /* where an attached value starts */
	for (size_t k = 0; k < a->f->restrict_path.n && !rp; k++)
		rp = rp_match(a->f->restrict_path.v[k], arg, &next, &at);
	for (size_t k = 0; k < a->f->restrict_path_write.n && !rp; k++)
		rp = rw = rp_match(a->f->restrict_path_write.v[k], arg, &next, &at);
	for (size_t k = 0; k < a->f->allow.n && !allowed && !rp; k++)
		allowed = opt_match(a->f->allow.v[k], arg, &next);
	if (!rp && !allowed && a->f->strict)
		return snprintf(a->why, a->whysize, "option %s is not allowed", arg), -EPERM;
	if (next && i + 1 >= argc)
		return snprintf(a->why, a->whysize, "option %s needs a value", arg), -EPERM;
	if (!rp) {
		if (strv_push(a->out, arg) < 0 || (next && strv_push(a->out, argv[i + 1]) < 0))
			return -ENOMEM;
		return next ? 2 : 1;
	}
	/* the value of a restrict_path option: opened by the daemon */
	const char *value = next ? argv[i + 1] : arg + at;
	char opt[512], mapped[64];
	snprintf(opt, sizeof(opt), "%.*s", next ? (int)strlen(arg) : (int)at, arg);
	if (!a->map || a->map(a->ctx, value, rw, mapped, sizeof(mapped), a->why, a->whysize) < 0)
		return -EPERM;
	if (next) {
		if (strv_push(a->out, opt) < 0 || strv_push(a->out, mapped) < 0)
			return -ENOMEM;
		return 2;
	}
	char joined[600];
	snprintf(joined, sizeof(joined), "%s%s", opt, mapped);
	return strv_push(a->out, joined) < 0 ? -ENOMEM : 1;
}

int proxy_filter_apply(const struct proxy_filter *f, const char *user, int argc,
		       const char *const *argv, proxy_path_map_fn map, void *ctx, struct strv *out,
		       char *why, size_t whysize)
{
	struct applying a = {f, map, ctx, out, why, whysize};
	bool ended = false, eoo_put = false;
	for (int i = 1; i < argc;) {
		const char *arg = argv[i];
		if (!ended && !strcmp(arg, "--")) {
			ended = true;
			if (!f->end_of_options && strv_push(out, arg) < 0)
				return -ENOMEM;
			i++;
			continue;
		}
		if (!ended && arg[0] == '-' && arg[1]) {
			int n = apply_option(&a, argc, argv, i);
			if (n < 0)
				return n;
			i += n;
			continue;
		}
		if (operand_ok(f, user, arg) < 0)
			return snprintf(why, whysize, "argument '%s' is not allowed", arg), -EPERM;
		if (f->end_of_options && !eoo_put) {
			if (strv_push(out, "--") < 0)
				return -ENOMEM;
			eoo_put = true;
		}
		if (strv_push(out, arg) < 0)
			return -ENOMEM;
		i++;
	}
	return 0;
}
