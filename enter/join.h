/* Joining a persisted cage and running something in it (DESIGN.md,
 * "Pipeline" step 5, doc/enter.md):
 *   the caller   sandbox_detach() (descriptors; a relayed pty, if any);
 *                for exec the user's clean environment and her groups
 *                from the cage's /etc/group (made here: what the child
 *                writes costs a page copy each); opens the slot's mount
 *                namespace and the user's pid and IPC namespaces (checked:
 *                the init alive), setns(CLONE_NEWPID), fork; then stays
 *                outside as the front: waits, passes signals on, exits
 *                with the command's status
 *   the child    pid N of the cage's pid namespace: a session of its own
 *                (without a pty), setns IPC, mount (lands in the cage's
 *                root), for root a user namespace mapping every id to
 *                itself (maps written by the front) and root's clean
 *                environment; cwd, the user's own ids (exec),
 *                sandbox_apply() (enter_caps for root, keyring, Landlock,
 *                seccomp); dies with the front (PR_SET_PDEATHSIG); exec.
 * setns of a mount namespace needs a single-threaded caller. This is the
 * one way into a cage (exec, enter, PAM sessions). */
#pragma once

#include <stdbool.h>

#include "enter/exec_env.h"
#include "lib/config.h"
#include "lib/error.h"
#include "lib/users.h"
#include "mount/slots.h"

enum join_as {
	JOIN_ROOT,	   /* enter: root, capabilities cut */
	JOIN_USER,	   /* exec: the user */
	JOIN_USER_UNCAGED, /* exec --allow-uncaged of a user who is not caged */
};

/* The slot's mount namespace handle and the user's pid and IPC
 * namespaces, opened and checked (the init alive) before anything is
 * joined. */
struct cage_fds {
	int mnt, pid, ipc;
};
int cage_fds_open(const struct uc_config *cfg, const struct slot *s, struct cage_fds *f,
		  struct uc_error *err);
void cage_fds_close(struct cage_fds *f);

struct join_req {
	const struct uc_config *cfg;
	const struct uc_user *u;
	const struct slot *slot; /* NULL with JOIN_USER_UNCAGED */
	enum join_as as;
	char **argv;	     /* the command; NULL: a shell (root's repair shell, the user's
				login shell) */
	const gid_t *groups; /* JOIN_USER_UNCAGED: the host's groups of the user */
	int ngroups;
	bool pty;		    /* a relayed pty (enter's interactive shell: always) */
	unsigned preserve_fds;	    /* exec --preserve-fds N */
	const struct exec_env *env; /* exec --env, --keep-env, --cwd; NULL: none */
	/* the slot's namespaces already opened (the static front checked the
	 * cage with them); taken over. NULL: opened here */
	struct cage_fds *fds;
};

/* Does not return when the command runs (the caller becomes the front and
 * exits with the command's status). Returns -errno with err set when the
 * cage cannot be joined (before the fork: in the caller; after it: in the
 * child, which must report and _exit); when the command itself cannot be
 * executed, *exit_code is 127 (not found) or 126 (not executable), as
 * shells do. */
int join_and_exec(const struct join_req *r, int *exit_code, struct uc_error *err);

/* For a caller that forks the session itself (a PAM session module): the
 * calling process joins the slot's mount namespace and the user's IPC
 * namespace, and its pid namespace for children, all checked first as
 * join_and_exec does; its next fork(2) is a process of the cage (and fails
 * if the cage's init died since: nothing runs outside). No ids, no
 * capabilities, no environment: the caller's child must take the user's
 * (as become_user does) before it runs anything of hers. The caller must be
 * single-threaded, and can make no thread afterwards (the kernel refuses
 * CLONE_THREAD while a process's pid namespace for children is not its
 * own; so does an exit that needs one, such as LeakSanitizer's: _exit);
 * after an error after the IPC setns it must not fork a session. */
int join_for_children(const struct uc_config *cfg, const struct slot *s, struct uc_error *err);
