/* `unicage enter USER [-- CMD...]` and `unicage exec USER [--allow-uncaged]
 * [--] CMD...`, shared by the full binary (which mounts a cage that is
 * missing or stale) and the small front binary (which only joins a current
 * slot, and hands everything else to the full binary). */
#pragma once

#include <stdbool.h>

#include "enter/exec_env.h"
#include "lib/config.h"
#include "lib/error.h"
#include "lib/users.h"
#include "mount/slots.h"

struct enter_opts {
	bool as_user;	       /* exec */
	bool allow_uncaged;    /* exec --allow-uncaged */
	bool pty;	       /* --pty (enter: the default for an interactive shell) */
	unsigned preserve_fds; /* exec --preserve-fds N */
	struct exec_env env;   /* exec --env, --keep-env, --cwd */
	const char *user;
	char **cmd; /* NULL: enter's shell, exec's login shell of the user */
};

extern const char enter_usage[], exec_usage[];

/* argv[0] is the verb; getopt-style, options before USER. UC_BADREQUEST on
 * a usage error. Sets *help for -h/--help. The common options (-c, --json,
 * -v, -q) are accepted and ignored here (they were taken before). */
int enter_parse(int argc, char **argv, struct enter_opts *o, bool *help, const char **config,
		struct uc_error *err);

/* Mount (or find) the slot a new entry joins: the full binary's cage_mount. */
typedef int (*enter_mount_fn)(const struct uc_config *cfg, const struct uc_user *u,
			      struct slot *out, struct uc_error *err);

/* Does not return when the command runs. With mount NULL (the front), a cage
 * that is not mounted or not current is -EAGAIN. *exit_code: 126/127 when
 * the command could not be executed. *joined: the cage was joined (an error
 * after that cannot be retried elsewhere: the caller is in the cage). */
int enter_run(const struct uc_config *cfg, const struct enter_opts *o, enter_mount_fn mount,
	      int *exit_code, bool *joined, struct uc_error *err);
