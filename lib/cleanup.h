/* Scope-bound cleanup helpers (the bubblewrap/crun habit): a variable declared
 * with _cleanup_free_ is freed when it leaves scope; steal_pointer() hands
 * ownership out. Every helper keeps errno, so an error path can still report
 * the errno of the call that failed. */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void uc_freep(void *p)
{
	int saved = errno;
	free(*(void **)p);
	errno = saved;
}

static inline void uc_closep(int *fd)
{
	int saved = errno;
	if (*fd >= 0)
		close(*fd);
	errno = saved;
}

static inline void uc_fclosep(FILE **f)
{
	int saved = errno;
	if (*f)
		fclose(*f);
	errno = saved;
}

#define _cleanup_free_ _cleanup_(uc_freep)
#define _cleanup_close_ _cleanup_(uc_closep)
#define _cleanup_fclose_ _cleanup_(uc_fclosep)

/* Return *pp and leave NULL behind, so the cleanup handler does nothing. */
#define steal_pointer(pp)                                                                          \
	({                                                                                         \
		__typeof__(*(pp)) _tmp = *(pp);                                                    \
		*(pp) = NULL;                                                                      \
		_tmp;                                                                              \
	})

/* Same for file descriptors. */
static inline int steal_fd(int *fd)
{
	int r = *fd;
	*fd = -1;
	return r;
}

/* Keep errno across a block of cleanup code: PROTECT_ERRNO; at block start. */
static inline void uc_restore_errno(int *saved)
{
	errno = *saved;
}
#define PROTECT_ERRNO _cleanup_(uc_restore_errno) int _saved_errno_ = errno

#define UC_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
