/* Which files of a CageFS configuration unicage reads and which it does
 * not support (doc/cagefs.md): `unicage check` says both, so a copied
 * /etc/cagefs is never misread in silence. */
#include "check/cagefs.h"

#include "lib/cleanup.h"
#include "lib/path.h"
#include "lib/proxycmds.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* What unicage itself keeps in config_dir: never "unsupported". */
static const char *const own[] = {"unicage.conf", "cage.mp", "rpm.list",  "conf.d",
				  "black.list",	  "exclude", "custom.etc"};
/* CageFS files unicage reads as CageFS means them (compat: the user lists
 * too; cagefs.mp is read when there is no cage.mp). */
static const char *const cagefs_read[] = {"cagefs.mp",		"custom.black.list",
					  "users.enabled",	"users.disabled",
					  "users.enabled.save", "users.disabled.save"};

static bool in(const char *name, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(name, v[i]))
			return true;
	return false;
}

static bool exists(const char *dir, const char *name)
{
	char p[PATH_MAX];
	struct stat st;
	return path_join(p, sizeof(p), dir, name) == 0 && lstat(p, &st) == 0;
}

/* CageFS's *.proxy.commands: the proxy reads them as CageFS does */
static bool is_proxy_file(const char *name)
{
	return proxy_commands_file(name);
}

static bool is_users_list(const char *name)
{
	return !strncmp(name, "users.enabled", 13) || !strncmp(name, "users.disabled", 14);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void sort(struct strv *sv)
{
	if (sv->n)
		qsort(sv->v, sv->n, sizeof(*sv->v), by_name);
}

int check_cagefs_files(const struct uc_config *cfg, struct strv *read, struct strv *unsupported,
		       bool *looks_cagefs)
{
	const char *dir = cfg->config_dir;
	*looks_cagefs = false;
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	struct dirent *de;
	while ((de = readdir(d))) {
		const char *n = de->d_name;
		if (n[0] == '.' || in(n, own, UC_ARRAY_SIZE(own)))
			continue;
		if (!strcmp(n, "proxy.commands") || !strcmp(n, "filters"))
			continue; /* the proxy's own (doc/proxy.md) */
		bool known = in(n, cagefs_read, UC_ARRAY_SIZE(cagefs_read)) || is_proxy_file(n);
		*looks_cagefs |= known && strcmp(n, "custom.black.list");
		if (known && is_users_list(n) && !cfg->cagefs_compat)
			known = false; /* unicage's own lists are in state_dir */
		if (known && !strcmp(n, "cagefs.mp") && exists(dir, "cage.mp"))
			known = false; /* cage.mp wins */
		strv_push(known ? read : unsupported, n);
	}
	closedir(d);
	sort(read);
	sort(unsupported);
	return 0;
}
