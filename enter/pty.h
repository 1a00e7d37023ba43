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
 * terminal (when stdin is one) in raw mode, relays stdin -> pty (when fd 0
 * is in `fds`) and pty -> stdout (else stderr, else stdin: the terminal),
 * passes window size changes on (SIGWINCH), forwards SIGINT, SIGTERM,
 * SIGHUP and SIGQUIT, restores the terminal, closes the master (what the
 * command left behind holding the slave is hung up) and exits with the
 * child's status (128+N for a signal). The child returns 0 as the leader
 * of a new session with the pty's slave (given to `owner` unless 0) on
 * the fds of `fds` (bits 0-2: all three for --pty, the caller's terminals
 * otherwise); nothing of the caller's terminal left. */
int pty_relay(uid_t owner, unsigned fds, struct uc_error *err);

/* In the process that runs the command (after any fork into the cage's pid
 * namespace): a session of its own whose controlling terminal is fd, the
 * pty's slave. */
int pty_take_ctty(int fd, struct uc_error *err);
