#include "lib/statepath.h"
#include "lib/path.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

/* buf = fmt's output when it is one file name (at most NAME_MAX bytes). */
static int name_fmt(char *buf, size_t size, const char *a, const char *dot, const char *b)
{
	int r = path_fmt(buf, size, "%s%s%s", a, dot, b);
	if (r == 0 && strlen(buf) > NAME_MAX)
		r = -ENAMETOOLONG;
	if (r < 0 && size)
		buf[0] = '\0';
	return r;
}

/* buf = DIR/SUB/NAME, NAME made by the caller with result r (< 0: refused). */
static int in_dir(char *buf, size_t size, int r, const char *dir, const char *sub, const char *name)
{
	if (r < 0) {
		if (size)
			buf[0] = '\0';
		return r;
	}
	return path_fmt(buf, size, "%s/%s/%s", dir, sub, name);
}

int statepath_slot_name(const char *user, unsigned n, char *buf, size_t size)
{
	char num[16];
	snprintf(num, sizeof(num), "%u", n);
	return name_fmt(buf, size, user, ".", num);
}

int statepath_ns_name(const char *user, const char *kind, char *buf, size_t size)
{
	return name_fmt(buf, size, user, ".", kind);
}

int statepath_skel(const struct uc_config *cfg, char *buf, size_t size)
{
	return path_fmt(buf, size, "%s/skel", cfg->state_dir);
}

int statepath_skel_file(const struct uc_config *cfg, const char *name, char *buf, size_t size)
{
	return path_fmt(buf, size, "%s/skel/%s", cfg->state_dir, name);
}

int statepath_gen(const struct uc_config *cfg, const char *gen, char *buf, size_t size)
{
	return path_fmt(buf, size, "%s/skel/%s", cfg->state_dir, gen);
}

int statepath_gen_file(const struct uc_config *cfg, const char *gen, const char *name, char *buf,
		       size_t size)
{
	return path_fmt(buf, size, "%s/skel/%s/%s", cfg->state_dir, gen, name);
}

int statepath_pins(const struct uc_config *cfg, char *buf, size_t size)
{
	return path_fmt(buf, size, "%s/skel/pins", cfg->state_dir);
}

int statepath_pin(const struct uc_config *cfg, const char *user, unsigned n, char *buf, size_t size)
{
	char name[NAME_MAX + 1];
	return in_dir(buf, size, statepath_slot_name(user, n, name, sizeof(name)), cfg->state_dir,
		      "skel/pins", name);
}

int statepath_store(const struct uc_config *cfg, char *buf, size_t size)
{
	return path_fmt(buf, size, "%s/store", cfg->state_dir);
}

int statepath_objects(const struct uc_config *cfg, char *buf, size_t size)
{
	return path_fmt(buf, size, "%s/store/objects", cfg->state_dir);
}

int statepath_store_tmp(const struct uc_config *cfg, char *buf, size_t size)
{
	return path_fmt(buf, size, "%s/store/tmp", cfg->state_dir);
}

int statepath_imports(const struct uc_config *cfg, char *buf, size_t size)
{
	return path_fmt(buf, size, "%s/imports", cfg->state_dir);
}

int statepath_import(const struct uc_config *cfg, const char *name, char *buf, size_t size)
{
	return path_fmt(buf, size, "%s/imports/%s", cfg->state_dir, name);
}

int statepath_users(const struct uc_config *cfg, const char *name, char *buf, size_t size)
{
	if (!name)
		return path_fmt(buf, size, "%s/users", cfg->state_dir);
	return path_fmt(buf, size, "%s/users/%s", cfg->state_dir, name);
}

int statepath_cage_prefix(const struct uc_config *cfg, uid_t uid, char *buf, size_t size)
{
	return path_fmt(buf, size, "%s/%02u", cfg->cages_dir, (unsigned)(uid % 100));
}

/* A name that is one path component of its own (never "..": the cage of
 * that "user" would be cages_dir itself). */
static bool is_component(const char *name)
{
	return *name && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..");
}

int statepath_cage_dir(const struct uc_config *cfg, uid_t uid, const char *user, char *buf,
		       size_t size)
{
	if (!is_component(user))
		return -EINVAL;
	return path_fmt(buf, size, "%s/%02u/%s", cfg->cages_dir, (unsigned)(uid % 100), user);
}

int statepath_cage_file(const struct uc_config *cfg, uid_t uid, const char *user, const char *rel,
			char *buf, size_t size)
{
	if (!is_component(user))
		return -EINVAL;
	return path_fmt(buf, size, "%s/%02u/%s/%s", cfg->cages_dir, (unsigned)(uid % 100), user,
			rel);
}

int statepath_ns_dir(const struct uc_config *cfg, char *buf, size_t size)
{
	return path_fmt(buf, size, "%s/ns", cfg->run_dir);
}

int statepath_ns_slot(const struct uc_config *cfg, const char *user, unsigned n, char *buf,
		      size_t size)
{
	char name[NAME_MAX + 1];
	return in_dir(buf, size, statepath_slot_name(user, n, name, sizeof(name)), cfg->run_dir,
		      "ns", name);
}

int statepath_ns_kind(const struct uc_config *cfg, const char *user, const char *kind, char *buf,
		      size_t size)
{
	char name[NAME_MAX + 1];
	return in_dir(buf, size, statepath_ns_name(user, kind, name, sizeof(name)), cfg->run_dir,
		      "ns", name);
}

int statepath_proxy_dir(const struct uc_config *cfg, char *buf, size_t size)
{
	return path_fmt(buf, size, "%s/proxy", cfg->run_dir);
}

int statepath_cage_mode(const struct uc_config *cfg, char *buf, size_t size)
{
	return path_fmt(buf, size, "%s/cage-mode", cfg->run_dir);
}

int statepath_custom_etc(const struct uc_config *cfg, const char *user, char *buf, size_t size)
{
	if (!user)
		return path_fmt(buf, size, "%s/custom.etc", cfg->config_dir);
	return path_fmt(buf, size, "%s/custom.etc/%s", cfg->config_dir, user);
}
