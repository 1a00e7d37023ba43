/* Exclusive run locks for the verbs that change state (the store, the
 * skeleton): flock(2) on a file that also holds the holder's pid, so that a
 * refusal can say who holds it. The lock goes with the process (kill -9
 * included): there is never a stale lock to clean up. */
#pragma once

#include <stdbool.h>

#include "lib/error.h"

enum uc_lock_flags {
	UC_LOCK_WAIT = 1 << 0,	 /* block until free, instead of failing at once */
	UC_LOCK_SHARED = 1 << 1, /* a reader: nothing is written to the file */
};

/* Take the lock on dirfd/name (created 0600 unless shared). Returns the fd
 * holding it (close to release), or <0 with err set: UC_PERMISSION "... is
 * locked by another unicage (pid N)" when taken and not waiting. `what`
 * names the lock in messages. A shared lock on a missing file returns -ENOENT
 * without an error: nobody ever held it. */
int uc_lock_take(int dirfd, const char *name, const char *what, unsigned flags,
		 struct uc_error *err);
