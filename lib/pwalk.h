/* Walking directory trees on every core: a shared LIFO of open directory fds;
 * each thread reads one directory at a time and calls fn for each entry
 * (lstat'ed, never followed). A warm walk is nearly all kernel time, so one
 * thread per core is what makes it faster than a one-thread find or du. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* For each entry: tctx is the calling thread's context, dirfd its directory,
 * parent_dev that directory's device, path the entry's path (only with
 * want_paths, else NULL). Return 1 to descend into a directory, 0 to go on,
 * <0 to stop the walk with that error. */
typedef int (*pwalk_fn)(void *tctx, int dirfd, dev_t parent_dev, const char *path, const char *name,
			const struct stat *st);

#define PWALK_MAX_THREADS 8

struct pwalk_opts {
	pwalk_fn fn;
	void **tctx;	 /* one context per thread, nthreads of them */
	size_t nthreads; /* 1..PWALK_MAX_THREADS */
	bool want_paths;
};

/* Walk below the directory dirfd (consumed) whose path is path and device
 * dev. Returns 0 or the first error fn returned (or -ENOMEM, -EMFILE). */
int pwalk(int dirfd, const char *path, dev_t dev, const struct pwalk_opts *o);

/* Threads worth using here: the cores, at most PWALK_MAX_THREADS. */
size_t pwalk_threads(void);
