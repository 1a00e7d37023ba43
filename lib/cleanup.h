/* Scope-bound cleanup helpers (the bubblewrap/crun habit): a variable declared
 * with _cleanup_free_ is freed when it leaves scope; steal_pointer() hands
 * ownership out. Every helper keeps errno, so an error path can still report
 * the errno of the call that failed. */
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/acl.h>
#include <unistd.h>
#include <zstd.h>

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

static inline void uc_closedirp(DIR **d)
{
	int saved = errno;
	if (*d)
		closedir(*d);
	errno = saved;
}

/* Anything libacl hands out (acl_t, the text of acl_to_text, a qualifier):
 * acl_free takes them all. */
static inline void uc_acl_freep(void *p)
{
	int saved = errno;
	if (*(void **)p)
		acl_free(*(void **)p);
	errno = saved;
}

static inline void uc_archive_read_freep(struct archive **a)
{
	int saved = errno;
	if (*a)
		archive_read_free(*a);
	errno = saved;
}

static inline void uc_archive_write_freep(struct archive **a)
{
	int saved = errno;
	if (*a)
		archive_write_free(*a);
	errno = saved;
}

static inline void uc_archive_entry_freep(struct archive_entry **e)
{
	int saved = errno;
	if (*e)
		archive_entry_free(*e);
	errno = saved;
}

static inline void uc_zstd_cctx_freep(ZSTD_CCtx **c)
{
	int saved = errno;
	ZSTD_freeCCtx(*c); /* NULL is fine */
	errno = saved;
}

static inline void uc_zstd_dctx_freep(ZSTD_DCtx **d)
{
	int saved = errno;
	ZSTD_freeDCtx(*d);
	errno = saved;
}

#define _cleanup_free_ _cleanup_(uc_freep)
#define _cleanup_close_ _cleanup_(uc_closep)
#define _cleanup_fclose_ _cleanup_(uc_fclosep)
#define _cleanup_closedir_ _cleanup_(uc_closedirp)
#define _cleanup_acl_ _cleanup_(uc_acl_freep)
#define _cleanup_archive_read_ _cleanup_(uc_archive_read_freep)
#define _cleanup_archive_write_ _cleanup_(uc_archive_write_freep)
#define _cleanup_archive_entry_ _cleanup_(uc_archive_entry_freep)
#define _cleanup_zstd_cctx_ _cleanup_(uc_zstd_cctx_freep)
#define _cleanup_zstd_dctx_ _cleanup_(uc_zstd_dctx_freep)

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
