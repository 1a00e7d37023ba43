/* A new pty for what runs in a cage, relayed by a process that stays
 * outside (doc/enter.md, "The terminal"): the caller's terminal is never
 * handed in, so nothing in the cage can push input into it (TIOCSTI) or
 * read what else it shows. The pty comes from the devpts of the caller's
 * mount namespace (the host's /dev/ptmx): call before joining the cage,
 * whose /dev/pts is another devpts instance. */
#pragma once

#include <sys/types.h>

#include "lib/error.h"

/* Opens the pty and forks. The parent never returns: it puts the caller's
 * terminal (when stdin is one) in raw mode, relays stdin -> pty and pty ->
 * stdout, passes window size changes on (SIGWINCH), forwards SIGINT,
 * SIGTERM, SIGHUP and SIGQUIT, restores the terminal and exits with the
 * child's status (128+N for a signal). The child returns 0 as the leader
 * of a new session with the pty's slave on fds 0-2 (given to `owner`
 * unless 0); nothing of the caller's terminal left. */
int pty_relay(uid_t owner, struct uc_error *err);

/* In the process that runs the command (after any fork into the cage's pid
 * namespace): a session of its own whose controlling terminal is fd 0, the
 * pty's slave. */
int pty_take_ctty(struct uc_error *err);
