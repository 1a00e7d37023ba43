/* The two threads beside an import's extraction (export/import.c). */
#pragma once

#include <archive.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <limits.h>

/* zstd is decoded in a thread of its own into a ring of chunks that
 * libarchive reads in place as a plain tar (unzstd_read is its read
 * callback): decompression runs on one core while entries are checked and
 * written on the other, with no copy between them (a pipe cost a copy on
 * each side). A stream that is not zstd, or breaks, ends early: libarchive
 * then sees a truncated tar, and u->err says why. */
#define UZ_CHUNKS 8
#define UZ_CHUNK (1u << 20)
struct unzstd {
	int in;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t filled, freed; /* the reader waits on filled, the decoder on freed */
	char *buf[UZ_CHUNKS];
	size_t len[UZ_CHUNKS];
	size_t head, tail; /* chunks handed out at head, filled at tail */
	bool lent;	   /* chunk head is with libarchive */
	bool reader_waits, decoder_waits;
	bool eof, stop, running;
	char err[160];
};

/* Start decoding fd `in`: 0, or -errno. */
int unzstd_start(struct unzstd *u, int in);
/* libarchive's read callback (client data: the struct unzstd): the next
 * chunk, 0 at the end; the previous chunk is given back. */
la_ssize_t unzstd_read(struct archive *a, void *u, const void **buf);
/* Read out what follows the tar (padding), so that u->err covers the
 * whole stream. */
void unzstd_drain(struct unzstd *u);
/* Stop the thread (if still running) and wait for it; u->err says what
 * went wrong with the stream, if anything. */
void unzstd_finish(struct unzstd *u);

/* Files are checked against the manifest on another core while the next
 * ones are extracted: the written file is read back (from the page cache)
 * and hashed by a worker; the import commits only after the worker is done
 * and found nothing wrong. The worker also starts each checked file's
 * writeback (the commit must be durable: its syncfs then has little left).
 * The queue is bounded (the fds it holds). */
struct vjob {
	int fd;
	int64_t size;
	char *name;
	const char *want;
};

#define VQ 256
/* The worker is woken for a batch, not for every file: a wakeup per file
 * made the woken worker preempt the extractor on its own core (12k
 * switches for 20k files). */
#define VQ_WAKE_FILES 64
#define VQ_WAKE_BYTES (8u << 20)
struct verifier {
	pthread_mutex_t mu;
	pthread_cond_t work, room; /* the worker waits for work, the extractor for room */
	struct vjob q[VQ];
	size_t head, tail; /* pushed at tail, taken at head */
	uint64_t queued_bytes;
	bool idle; /* the worker sleeps on `work` */
	bool done, running;
	pthread_t th;
	char bad[PATH_MAX];
};

int verify_start(struct verifier *v);
/* Queue fd (the worker closes it, also on failure) to be hashed and compared with want (64 hex);
 * blocks while the queue is full. */
int verify_push(struct verifier *v, int fd, const char *name, const char *want, int64_t size);
/* Waits for every queued file; true when all matched (else v->bad names
 * the first that did not). */
bool verify_finish(struct verifier *v);
