/* Process-wide resource helpers. */
#pragma once

/* Raise the soft limit of open files to the hard limit: the walkers and the
 * unify workers hold many directory and file fds at once. */
void uc_raise_fd_limit(void);
