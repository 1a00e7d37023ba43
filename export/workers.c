#include "export/workers.h"

#include "lib/sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

static void *unzstd_main(void *arg)
{
	struct unzstd *u = arg;
	sigset_t pipe_only;
	sigemptyset(&pipe_only);
	sigaddset(&pipe_only, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_only, NULL); /* a closed pipe is EPIPE here */
	ZSTD_DCtx *dc = ZSTD_createDCtx();
	size_t isz = ZSTD_DStreamInSize(), osz = ZSTD_DStreamOutSize();
	char *ib = malloc(isz), *ob = malloc(osz);
	size_t last = 1;
	ssize_t n;
	if (!dc || !ib || !ob)
		snprintf(u->err, sizeof(u->err), "out of memory");
	while (!u->err[0] && (n = read(u->in, ib, isz)) > 0) {
		ZSTD_inBuffer in = {ib, (size_t)n, 0};
		while (in.pos < in.size && !u->err[0]) {
			ZSTD_outBuffer out = {ob, osz, 0};
			last = ZSTD_decompressStream(dc, &out, &in);
			if (ZSTD_isError(last)) {
				snprintf(u->err, sizeof(u->err), "zstd: %s",
					 ZSTD_getErrorName(last));
				break;
			}
			for (size_t off = 0; off < out.pos;) {
				ssize_t w = write(u->out, ob + off, out.pos - off);
				if (w <= 0) {
					snprintf(u->err, sizeof(u->err),
						 "stopped"); /* the reader gave up */
					break;
				}
				off += (size_t)w;
			}
		}
	}
	if (!u->err[0] && last != 0)
		snprintf(u->err, sizeof(u->err), "truncated zstd stream");
	close(u->out);
	ZSTD_freeDCtx(dc);
	free(ib);
	free(ob);
	return NULL;
}

int unzstd_start(struct unzstd *u, int in)
{
	int p[2];
	memset(u, 0, sizeof(*u));
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	u->in = in;
	u->out = p[1];
	fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
	if (pthread_create(&u->th, NULL, unzstd_main, u) != 0) {
		close(p[0]);
		close(p[1]);
		return -EAGAIN;
	}
	return p[0];
}

void unzstd_finish(struct unzstd *u)
{
	pthread_join(u->th, NULL);
}

static void *verify_main(void *arg)
{
	struct verifier *v = arg;
	for (;;) {
		pthread_mutex_lock(&v->mu);
		while (v->head == v->tail && !v->done)
			pthread_cond_wait(&v->cv, &v->mu);
		if (v->head == v->tail) {
			pthread_mutex_unlock(&v->mu);
			return NULL;
		}
		struct vjob j = v->q[v->head % VQ];
		bool was_full = v->tail - v->head == VQ;
		v->head++;
		if (was_full)
			pthread_cond_broadcast(&v->cv); /* the extractor waits for room */
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
		close(j.fd);
		free(j.name);
	}
}

int verify_push(struct verifier *v, int fd, const char *name, const char *want, int64_t size)
{
	struct vjob j = {dup(fd), size, strdup(name), want};
	if (j.fd < 0 || !j.name) {
		if (j.fd >= 0)
			close(j.fd);
		free(j.name);
		return -ENOMEM;
	}
	pthread_mutex_lock(&v->mu);
	while (v->tail - v->head == VQ)
		pthread_cond_wait(&v->cv, &v->mu);
	bool was_empty = v->tail == v->head;
	v->q[v->tail % VQ] = j;
	v->tail++;
	if (was_empty)
		pthread_cond_broadcast(&v->cv); /* the checker waits for work */
	pthread_mutex_unlock(&v->mu);
	return 0;
}

int verify_start(struct verifier *v)
{
	memset(v, 0, sizeof(*v));
	pthread_mutex_init(&v->mu, NULL);
	pthread_cond_init(&v->cv, NULL);
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
		pthread_cond_broadcast(&v->cv);
		pthread_mutex_unlock(&v->mu);
		pthread_join(v->th, NULL);
		v->running = false;
	}
	pthread_mutex_destroy(&v->mu);
	pthread_cond_destroy(&v->cv);
	return !v->bad[0];
}
