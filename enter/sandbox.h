/* Containment of every entry into a cage (doc/enter.md, "Containment"):
 * what `exec`, `enter` and PAM sessions apply.
 *
 *   sandbox_detach()  first, still root, before joining anything: nothing of
 *                     the caller goes in: descriptors beyond 0-2 (and the
 *                     --preserve-fds ones) are closed, and the command gets
 *                     a session of its own: a relayed pty (pty.h), or
 *                     setsid (in the child, for an entry into a cage: the
 *                     caller's process stays in its session as the front).
 *   sandbox_apply()   last, right before execve, with the final ids: the
 *                     pty (if any) as controlling terminal; root's
 *                     capabilities cut to the enter_caps allowlist; a new
 *                     session keyring; Landlock scoping; the seccomp filter.
 *
 * The PAM session module (sshd, cron and su own the terminal, the
 * descriptors and the ids): sandbox_walls() alone, with .who =
 * SANDBOX_USER, in the service's process of that session right after
 * joining (pam/pam_unicage.c says why there: its children, the session,
 * inherit it); the keyring is pam_keyinit's. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "lib/error.h"

enum sandbox_who {
	SANDBOX_USER,	 /* a caged user (exec, sessions) */
	SANDBOX_ROOT,	 /* root's repair shell (enter) */
	SANDBOX_UNCAGED, /* exec --allow-uncaged: detached, no walls (not in a cage) */
};

struct sandbox {
	enum sandbox_who who;
	bool user_namespaces; /* cage_user_namespaces = yes */
	const int *caps;      /* SANDBOX_ROOT: the only capabilities kept */
	unsigned n_caps;
	unsigned preserve_fds; /* fds 3 .. 3+N-1 are passed on (cleared of FD_CLOEXEC) */
	bool pty;	       /* a new pty relayed by a process outside the cage */
	unsigned pty_fds;      /* with pty: which of fds 0-2 get its slave (bits; 0: all) */
	uid_t tty_owner;       /* the pty's slave is given to this uid */
	/* fds of unicage's own that sandbox_detach must not close (they stay
	 * close-on-exec): the cage's namespaces, opened before it */
	int keep[3];
	unsigned n_keep;
	/* the command's process is a child of this one (an entry into a cage
	 * forks it in the pid namespace), which starts its session: this one
	 * stays in the caller's, and passes the terminal's signals on */
	bool child_session;
};

/* The most --preserve-fds accepts. */
#define SANDBOX_MAX_PRESERVE_FDS 1024

/* See above. May fork: with .pty, the caller's process stays outside and
 * relays the terminal; without, when the caller leads its process group
 * (setsid is refused then), it stays and waits. That process never
 * returns (it exits with the command's status); the function returns 0 in
 * the process that goes on. */
int sandbox_detach(const struct sandbox *sb, struct uc_error *err);

/* See above. Fails closed: an error leaves the caller to exit, never to
 * run the command with less. Landlock scoping the kernel lacks is a
 * warning (logged once), not an error: `unicage check` shows it. */
int sandbox_apply(const struct sandbox *sb, struct uc_error *err);

/* Root's capabilities cut to caps[0..n): the bounding set (for good: what
 * root runs later cannot regain the others), permitted and effective; the
 * inheritable and ambient sets are emptied. */
int sandbox_cap_allowlist(const int *caps, unsigned n, struct uc_error *err);

/* A new anonymous session keyring, owned by whoever the caller is now
 * (call it with the final ids): the caller's keys are no longer possessed.
 * A kernel without keys (ENOSYS) is fine. */
int sandbox_new_keyring(struct uc_error *err);

/* The walls of a caged entry: no_new_privs, Landlock scoping (a warning
 * where the kernel has none), the seccomp filter of sb->who. For good: the
 * calling thread and everything it starts. */
int sandbox_walls(const struct sandbox *sb, struct uc_error *err);

/* The Landlock scopes of an entry: abstract unix sockets for everyone;
 * signals too for root's repair shell (not for a user: two entries of one
 * user are two Landlock domains, and the user must keep signalling her
 * own processes of another session; doc/enter.md). */
unsigned sandbox_scopes(enum sandbox_who who);

/* The seccomp filter flags of an entry (enter/seccomp.h). */
unsigned sandbox_filter_flags(const struct sandbox *sb);
