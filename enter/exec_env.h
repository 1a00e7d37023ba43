/* What `unicage exec` may give the command beyond its clean environment
 * (doc/enter.md, "exec for panels and web servers"): --env VAR=VAL,
 * --keep-env VAR,... (names taken from the caller's environment) and --cwd
 * DIR. All validated when the options are parsed; applied in the command's
 * process, inside the cage, after the clean environment (enter/join.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "lib/error.h"

/* The most --env options, and the most names all --keep-env lists hold. */
#define EXEC_ENV_MAX 256

struct exec_env {
	const char *set[EXEC_ENV_MAX]; /* --env VAR=VAL, as given (argv's strings) */
	unsigned n_set;
	const char *keep[EXEC_ENV_MAX]; /* --keep-env lists, as given ("A,B,C") */
	unsigned n_keep;		/* lists */
	unsigned n_keep_names;		/* names in them */
	const char *cwd;		/* --cwd DIR; NULL: the home */
};

/* An environment name unicage passes: [A-Za-z_][A-Za-z0-9_]*, at most 255
 * bytes (no '=', not empty, nothing a shell could not name). n: its length. */
bool exec_env_name_ok(const char *s, size_t n);

/* Parsing: one --env VAR=VAL, one --keep-env list, --cwd DIR, checked and
 * recorded in e. UC_BADREQUEST naming the option on a bad value. */
int exec_env_add_set(struct exec_env *e, const char *arg, struct uc_error *err);
int exec_env_add_keep(struct exec_env *e, const char *list, struct uc_error *err);
int exec_env_set_cwd(struct exec_env *e, const char *dir, struct uc_error *err);

/* The caller's values of the --keep-env names, copied before the
 * environment is cleared. */
struct exec_env_kept {
	char *v[EXEC_ENV_MAX]; /* "VAR=VAL" (malloc'd); names the caller has not set are absent */
	unsigned n;
};

int exec_env_capture(const struct exec_env *e, struct exec_env_kept *k);

/* Into the (already clean) environment: the kept values, then --env (the
 * explicit value wins). Frees k. -ENOMEM. */
int exec_env_apply(const struct exec_env *e, struct exec_env_kept *k);

/* --cwd, in the command's process with its final ids, inside the cage: DIR
 * (absolute, or relative to home) opened as the user without following a
 * magic link (/proc/self/fd/N, /proc/PID/cwd: a descriptor or another
 * process's directory would lead out of the cage) and without '..', then
 * fchdir. UC_BADREQUEST (a '..', a magic link, not a directory),
 * UC_NOTFOUND, UC_PERMISSION (the user may not enter it). */
int exec_env_chdir(const char *dir, const char *home, struct uc_error *err);
