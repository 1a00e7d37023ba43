/* Joining a persisted cage and running something in it (DESIGN.md,
 * "Pipeline" step 5): setns(2) into the slot's mount namespace, the home as
 * cwd, a clean environment, then either root with only the enter_caps
 * capabilities (enter), or the user's own ids, groups from the cage's
 * /etc/group, no capability at all and no_new_privs (exec); both contained
 * by enter/sandbox.h (nothing of the caller, seccomp, Landlock scoping).
 * The command's exit status, signals and stdin/stdout/stderr are the
 * caller's. setns of a mount namespace needs a single-threaded caller. */
#pragma once

#include <stdbool.h>

#include "lib/config.h"
#include "lib/error.h"
#include "lib/users.h"
#include "mount/slots.h"

enum join_as {
	JOIN_ROOT,	   /* enter: root, capabilities cut */
	JOIN_USER,	   /* exec: the user */
	JOIN_USER_UNCAGED, /* exec --allow-uncaged of a user who is not caged */
};

struct join_req {
	const struct uc_config *cfg;
	const struct uc_user *u;
	const struct slot *slot; /* NULL with JOIN_USER_UNCAGED */
	enum join_as as;
	char **argv;	     /* the command; NULL: a shell (JOIN_ROOT only) */
	const gid_t *groups; /* JOIN_USER_UNCAGED: the host's groups of the user */
	int ngroups;
	bool pty;	       /* a relayed pty (enter's interactive shell: always) */
	unsigned preserve_fds; /* exec --preserve-fds N */
};

/* Does not return when the command runs. Returns -errno with err set when
 * the cage cannot be joined; when the command itself cannot be executed,
 * *exit_code is 127 (not found) or 126 (not executable), as shells do. */
int join_and_exec(const struct join_req *r, int *exit_code, struct uc_error *err);
