#include "enter/exec_env.h"

#include "lib/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

bool exec_env_name_ok(const char *s, size_t n)
{
	if (n == 0 || n > 255 || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!(c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9')))
			return false;
	}
	return true;
}

int exec_env_add_set(struct exec_env *e, const char *arg, struct uc_error *err)
{
	const char *eq = strchr(arg, '=');
	if (!eq || !exec_env_name_ok(arg, (size_t)(eq - arg)))
		return uc_fail(err, UC_BADREQUEST,
			       "exec: --env takes VAR=VALUE with VAR of letters, digits and '_' "
			       "(not starting with a digit), not '%.64s'",
			       arg);
	if (e->n_set >= EXEC_ENV_MAX)
		return uc_fail(err, UC_BADREQUEST, "exec: more than %d --env", EXEC_ENV_MAX);
	e->set[e->n_set++] = arg;
	return 0;
}

int exec_env_add_keep(struct exec_env *e, const char *list, struct uc_error *err)
{
	unsigned names = 0;
	for (const char *p = list;; p++) {
		size_t n = strcspn(p, ",");
		if (!exec_env_name_ok(p, n))
			return uc_fail(err, UC_BADREQUEST,
				       "exec: --keep-env takes VAR,VAR,... (letters, digits and "
				       "'_'), not '%.64s'",
				       list);
		names++;
		p += n;
		if (!*p)
			break;
	}
	if (e->n_keep_names + names > EXEC_ENV_MAX || e->n_keep >= EXEC_ENV_MAX)
		return uc_fail(err, UC_BADREQUEST, "exec: more than %d --keep-env names",
			       EXEC_ENV_MAX);
	e->keep[e->n_keep++] = list;
	e->n_keep_names += names;
	return 0;
}

/* Has the path a ".." component? */
static bool has_dotdot(const char *p)
{
	for (const char *c = p; *c; c += strspn(c, "/")) {
		size_t n = strcspn(c, "/");
		if (n == 2 && c[0] == '.' && c[1] == '.')
			return true;
		c += n;
	}
	return false;
}

int exec_env_set_cwd(struct exec_env *e, const char *dir, struct uc_error *err)
{
	if (!*dir)
		return uc_fail(err, UC_BADREQUEST, "exec: --cwd takes a directory");
	if (strlen(dir) >= PATH_MAX)
		return uc_fail(err, UC_BADREQUEST, "exec: --cwd: longer than PATH_MAX");
	if (has_dotdot(dir))
		return uc_fail(err, UC_BADREQUEST,
			       "exec: --cwd %.256s: no '..' (name the directory itself)", dir);
	e->cwd = dir;
	return 0;
}

int exec_env_capture(const struct exec_env *e, struct exec_env_kept *k)
{
	k->n = 0;
	for (unsigned i = 0; e && i < e->n_keep; i++) {
		for (const char *p = e->keep[i];; p++) {
			size_t n = strcspn(p, ",");
			char name[256];
			int len = snprintf(name, sizeof(name), "%.*s", (int)n, p);
			const char *v = len > 0 && (size_t)len < sizeof(name) ? getenv(name) : NULL;
			if (v && k->n < EXEC_ENV_MAX) {
				size_t sz = n + strlen(v) + 2;
				char *s = malloc(sz);
				if (!s)
					return -ENOMEM;
				snprintf(s, sz, "%s=%s", name, v);
				k->v[k->n++] = s;
			}
			p += n;
			if (!*p)
				break;
		}
	}
	return 0;
}

/* "VAR=VAL" into the environment (a copy: setenv). */
static int put(const char *s)
{
	const char *eq = strchr(s, '=');
	char name[256];
	if (!eq || (size_t)(eq - s) >= sizeof(name))
		return -EINVAL; /* cannot happen: checked when parsed */
	memcpy(name, s, (size_t)(eq - s));
	name[eq - s] = '\0';
	return setenv(name, eq + 1, 1) == 0 ? 0 : -ENOMEM;
}

int exec_env_apply(const struct exec_env *e, struct exec_env_kept *k)
{
	int r = 0;
	for (unsigned i = 0; i < k->n; i++) {
		if (r == 0)
			r = put(k->v[i]);
		free(k->v[i]);
	}
	k->n = 0;
	for (unsigned i = 0; e && r == 0 && i < e->n_set; i++)
		r = put(e->set[i]);
	return r;
}

int exec_env_chdir(const char *dir, const char *home, struct uc_error *err)
{
	char path[PATH_MAX];
	int n = dir[0] == '/' ? snprintf(path, sizeof(path), "%s", dir)
			      : snprintf(path, sizeof(path), "%s/%s", home, dir);
	if (n < 0 || (size_t)n >= sizeof(path))
		return uc_fail(err, UC_BADREQUEST, "--cwd %.256s: too long", dir);
	/* the process's root is the cage's (pivot_root): an absolute path or
	 * a symlink's absolute target cannot leave it; a magic link can */
	struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
			       .resolve = RESOLVE_NO_MAGICLINKS};
	_cleanup_close_ int fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS)
		return uc_fail(err, UC_INTERNAL,
			       "--cwd needs openat2 (Linux 5.6) to refuse magic links");
	if (fd < 0 && errno == ELOOP)
		return uc_fail(err, UC_BADREQUEST,
			       "--cwd %.256s: leads through a /proc magic link or too many "
			       "symlinks: refused",
			       path);
	if (fd < 0 && errno == ENOTDIR)
		return uc_fail(err, UC_BADREQUEST, "--cwd %.256s: not a directory", path);
	if (fd < 0)
		return uc_fail_errno(err, errno, "--cwd %.256s (in the cage)", path);
	if (fchdir(fd) < 0)
		return uc_fail_errno(err, errno, "--cwd %.256s (in the cage)", path);
	return 0;
}
