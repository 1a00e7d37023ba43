/* The two threads beside an import's extraction (export/import.c). */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <limits.h>

/* zstd is decoded in a thread of its own into a pipe that libarchive reads
 * as a plain tar: decompression runs on one core while entries are checked
 * and written on the other (as `zstd -d | tar -x` does). A stream that is
 * not zstd, or breaks, closes the pipe early: libarchive then sees a
 * truncated tar, and the thread's own error says why. */
struct unzstd {
	int in, out;
	pthread_t th;
	char err[160];
};

/* Start decoding fd `in`; the read end of the pipe that carries the plain
 * tar, or -errno. */
int unzstd_start(struct unzstd *u, int in);
/* After the read end is closed: wait for the thread; u->err says what went
 * wrong with the stream, if anything. */
void unzstd_finish(struct unzstd *u);

/* Files are checked against the manifest on another core while the next
 * ones are extracted: the written file is read back (from the page cache)
 * and hashed by a worker; the import commits only after the worker is done
 * and found nothing wrong. The queue is bounded (the fds it holds). */
struct vjob {
	int fd;
	int64_t size;
	char *name;
	const char *want;
};

#define VQ 256
struct verifier {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct vjob q[VQ];
	size_t head, tail; /* pushed at tail, taken at head */
	bool done, running;
	pthread_t th;
	char bad[PATH_MAX];
};

int verify_start(struct verifier *v);
/* Queue fd (dup'ed) to be hashed and compared with want (64 hex); blocks
 * while the queue is full. */
int verify_push(struct verifier *v, int fd, const char *name, const char *want, int64_t size);
/* Waits for every queued file; true when all matched (else v->bad names
 * the first that did not). */
bool verify_finish(struct verifier *v);
