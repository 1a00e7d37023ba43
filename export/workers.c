#include "export/workers.h"

#include "lib/cleanup.h"
#include "lib/sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

/* The decoder's side: the next free chunk, or NULL when told to stop. */
static char *uz_free_chunk(struct unzstd *u)
{
	pthread_mutex_lock(&u->mu);
	while (u->tail - u->head == UZ_CHUNKS && !u->stop) {
		u->decoder_waits = true;
		pthread_cond_wait(&u->freed, &u->mu);
	}
	u->decoder_waits = false;
	char *c = u->stop ? NULL : u->buf[u->tail % UZ_CHUNKS];
	pthread_mutex_unlock(&u->mu);
	return c;
}

static void uz_publish(struct unzstd *u, size_t len, bool eof)
{
	pthread_mutex_lock(&u->mu);
	if (len) {
		u->len[u->tail % UZ_CHUNKS] = len;
		u->tail++;
	}
	u->eof |= eof;
	if (u->reader_waits)
		pthread_cond_signal(&u->filled);
	pthread_mutex_unlock(&u->mu);
}

static void *unzstd_main(void *arg)
{
	struct unzstd *u = arg;
	_cleanup_zstd_dctx_ ZSTD_DCtx *dc = ZSTD_createDCtx();
	size_t isz = ZSTD_DStreamInSize();
	char *ib = malloc(isz);
	ZSTD_inBuffer in = {ib, 0, 0};
	size_t last = 1;
	bool end = false;
	if (!dc || !ib)
		snprintf(u->err, sizeof(u->err), "out of memory");
	while (!u->err[0] && !end) {
		char *chunk = uz_free_chunk(u);
		if (!chunk)
			break;
		ZSTD_outBuffer out = {chunk, UZ_CHUNK, 0};
		while (out.pos < out.size && !u->err[0]) {
			if (in.pos == in.size) {
				ssize_t n = read(u->in, ib, isz);
				if (n < 0 && errno == EINTR)
					continue;
				if (n <= 0) {
					if (n < 0)
						snprintf(u->err, sizeof(u->err), "read: %s",
							 strerror(errno));
					end = true;
					break;
				}
				in = (ZSTD_inBuffer){ib, (size_t)n, 0};
			}
			last = ZSTD_decompressStream(dc, &out, &in);
			if (ZSTD_isError(last))
				snprintf(u->err, sizeof(u->err), "zstd: %s",
					 ZSTD_getErrorName(last));
		}
		uz_publish(u, u->err[0] ? 0 : out.pos, false);
	}
	if (!u->err[0] && last != 0)
		snprintf(u->err, sizeof(u->err), "truncated zstd stream");
	uz_publish(u, 0, true);
	free(ib);
	return NULL;
}

int unzstd_start(struct unzstd *u, int in)
{
	memset(u, 0, sizeof(*u));
	u->in = in;
	pthread_mutex_init(&u->mu, NULL);
	pthread_cond_init(&u->filled, NULL);
	pthread_cond_init(&u->freed, NULL);
	for (size_t i = 0; i < UZ_CHUNKS; i++)
		if (!(u->buf[i] = malloc(UZ_CHUNK))) {
			unzstd_finish(u);
			return -ENOMEM;
		}
	if (pthread_create(&u->th, NULL, unzstd_main, u) != 0) {
		unzstd_finish(u);
		return -EAGAIN;
	}
	u->running = true;
	return 0;
}

la_ssize_t unzstd_read(struct archive *a, void *arg, const void **buf)
{
	(void)a;
	struct unzstd *u = arg;
	pthread_mutex_lock(&u->mu);
	if (u->lent) {
		/* libarchive is done with the chunk it had */
		u->head++;
		u->lent = false;
		if (u->decoder_waits)
			pthread_cond_signal(&u->freed);
	}
	while (u->head == u->tail && !u->eof) {
		u->reader_waits = true;
		pthread_cond_wait(&u->filled, &u->mu);
	}
	u->reader_waits = false;
	la_ssize_t n = 0;
	if (u->head != u->tail) {
		*buf = u->buf[u->head % UZ_CHUNKS];
		n = (la_ssize_t)u->len[u->head % UZ_CHUNKS];
		u->lent = true;
	}
	pthread_mutex_unlock(&u->mu);
	return n;
}

void unzstd_drain(struct unzstd *u)
{
	const void *b;
	while (unzstd_read(NULL, u, &b) > 0)
		;
}

void unzstd_finish(struct unzstd *u)
{
	if (u->running) {
		pthread_mutex_lock(&u->mu);
		u->stop = true;
		pthread_cond_signal(&u->freed);
		pthread_mutex_unlock(&u->mu);
		pthread_join(u->th, NULL);
		u->running = false;
	}
	pthread_mutex_destroy(&u->mu);
	pthread_cond_destroy(&u->filled);
	pthread_cond_destroy(&u->freed);
	for (size_t i = 0; i < UZ_CHUNKS; i++) {
		free(u->buf[i]);
		u->buf[i] = NULL;
	}
}

static void *verify_main(void *arg)
{
	struct verifier *v = arg;
	for (;;) {
		pthread_mutex_lock(&v->mu);
		while (v->head == v->tail && !v->done) {
			v->idle = true;
			pthread_cond_wait(&v->work, &v->mu);
		}
		v->idle = false;
		if (v->head == v->tail) {
			pthread_mutex_unlock(&v->mu);
			return NULL;
		}
		struct vjob j = v->q[v->head % VQ];
		bool was_full = v->tail - v->head == VQ;
		v->head++;
		v->queued_bytes -= (uint64_t)j.size;
		if (was_full)
			pthread_cond_signal(&v->room);
		pthread_mutex_unlock(&v->mu);
		char hex[65] = "";
		uint64_t got = 0;
		if (sha256_fd_hex(j.fd, -1, hex, &got) < 0 || got != (uint64_t)j.size ||
		    strcmp(hex, j.want)) {
			pthread_mutex_lock(&v->mu);
			if (!v->bad[0])
				snprintf(v->bad, sizeof(v->bad), "%s", j.name);
			pthread_mutex_unlock(&v->mu);
		}
		/* start writing it out now: the import's final syncfs then waits
		 * for the tail, not for the whole archive's data */
		sync_file_range(j.fd, 0, 0, SYNC_FILE_RANGE_WRITE);
		close(j.fd);
		free(j.name);
	}
}

int verify_push(struct verifier *v, int fd, const char *name, const char *want, int64_t size)
{
	struct vjob j = {fd, size, strdup(name), want};
	if (!j.name) {
		close(fd);
		return -ENOMEM;
	}
	pthread_mutex_lock(&v->mu);
	while (v->tail - v->head == VQ) {
		pthread_cond_signal(&v->work);
		pthread_cond_wait(&v->room, &v->mu);
	}
	v->q[v->tail % VQ] = j;
	v->tail++;
	v->queued_bytes += (uint64_t)size;
	if (v->idle && (v->tail - v->head >= VQ_WAKE_FILES || v->queued_bytes >= VQ_WAKE_BYTES)) {
		v->idle = false; /* one signal per batch */
		pthread_cond_signal(&v->work);
	}
	pthread_mutex_unlock(&v->mu);
	return 0;
}

int verify_start(struct verifier *v)
{
	memset(v, 0, sizeof(*v));
	pthread_mutex_init(&v->mu, NULL);
	pthread_cond_init(&v->work, NULL);
	pthread_cond_init(&v->room, NULL);
	if (pthread_create(&v->th, NULL, verify_main, v) != 0)
		return -EAGAIN;
	v->running = true;
	return 0;
}

bool verify_finish(struct verifier *v)
{
	if (v->running) {
		pthread_mutex_lock(&v->mu);
		v->done = true;
		pthread_cond_signal(&v->work);
		pthread_mutex_unlock(&v->mu);
		pthread_join(v->th, NULL);
		v->running = false;
	}
	pthread_mutex_destroy(&v->mu);
	pthread_cond_destroy(&v->work);
	pthread_cond_destroy(&v->room);
	return !v->bad[0];
}
