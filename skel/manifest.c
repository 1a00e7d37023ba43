#include "skel/manifest.h"

#include "lib/cleanup.h"
#include "lib/lines.h"
#include "lib/objkey.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <rpm/rpmcrypto.h>
#include <rpm/rpmpgp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#define MAGIC "unicage-manifest 1 "
#define TMPNAME "manifest.zst.tmp"

struct manifest_writer {
	int dirfd, fd;
	ZSTD_CCtx *cctx;
	DIGEST_CTX sha;
	char *line;
	size_t cap;
	unsigned char out[1 << 16];
	int err;
};

static int flush_out(struct manifest_writer *w, const void *data, size_t len, ZSTD_EndDirective end)
{
	ZSTD_inBuffer in = {data, len, 0};
	for (;;) {
		ZSTD_outBuffer out = {w->out, sizeof(w->out), 0};
		size_t left = ZSTD_compressStream2(w->cctx, &out, &in, end);
		if (ZSTD_isError(left))
			return -EIO;
		for (size_t off = 0; off < out.pos;) {
			ssize_t n = write(w->fd, w->out + off, out.pos - off);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return -errno;
			off += (size_t)n;
		}
		if (end == ZSTD_e_end ? left == 0 : in.pos == in.size)
			return 0;
	}
}

static int emit(struct manifest_writer *w, const char *s, size_t len)
{
	rpmDigestUpdate(w->sha, s, len);
	return flush_out(w, s, len, ZSTD_e_continue);
}

int manifest_create(struct manifest_writer **wp, int dirfd, const char *gen, struct uc_error *err)
{
	struct manifest_writer *w = calloc(1, sizeof(*w));
	if (!w)
		return uc_fail(err, UC_INTERNAL, "out of memory");
	w->dirfd = dirfd;
	w->fd = openat(dirfd, TMPNAME, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	w->cctx = ZSTD_createCCtx();
	rpmInitCrypto();
	w->sha = rpmDigestInit(PGPHASHALGO_SHA256, RPMDIGEST_NONE);
	if (w->fd < 0 || !w->cctx || !w->sha) {
		int e = w->fd < 0 ? errno : ENOMEM;
		manifest_abort(w);
		return uc_fail_errno(err, e, "manifest");
	}
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, 3);
	char head[128];
	int n = snprintf(head, sizeof(head), MAGIC "%s\n", gen);
	int r = emit(w, head, (size_t)n);
	if (r < 0) {
		manifest_abort(w);
		return uc_fail_errno(err, r, "manifest");
	}
	*wp = w;
	return 0;
}

static void put_field(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\t')
			fputs("\\t", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '\\')
			fputs("\\\\", f);
		else
			fputc(*s, f);
	}
}

int manifest_add(struct manifest_writer *w, const struct manifest_rec *r)
{
	if (w->err)
		return w->err;
	FILE *f = open_memstream(&w->line, &w->cap);
	if (!f)
		return w->err = -ENOMEM;
	put_field(f, r->path);
	fprintf(f, "\t%c\t%04o\t%u\t%u\t%" PRIu64 "\t%" PRId64 "\t%c\t", r->type, r->mode, r->uid,
		r->gid, r->size, r->mtime, r->cls);
	put_field(f, r->ref);
	fputc('\t', f);
	put_field(f, r->pkg);
	fputc('\n', f);
	fclose(f);
	int e = emit(w, w->line, strlen(w->line));
	free(w->line);
	w->line = NULL;
	return w->err = e;
}

int manifest_commit(struct manifest_writer *w, struct uc_error *err)
{
	void *d = NULL;
	size_t dlen = 0;
	int r = w->err;
	rpmDigestFinal(w->sha, &d, &dlen, 1);
	w->sha = NULL;
	if (r == 0) {
		char tail[128];
		int n = snprintf(tail, sizeof(tail), "checksum sha256 %s\n", (char *)d);
		r = flush_out(w, tail, (size_t)n, ZSTD_e_end);
	}
	free(d);
	if (r == 0 && fsync(w->fd) < 0)
		r = -errno;
	if (r == 0 && renameat(w->dirfd, TMPNAME, w->dirfd, "manifest.zst") < 0)
		r = -errno;
	if (r < 0) {
		manifest_abort(w);
		return uc_fail_errno(err, r, "writing manifest.zst");
	}
	close(w->fd);
	ZSTD_freeCCtx(w->cctx);
	free(w);
	return 0;
}

void manifest_abort(struct manifest_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0) {
		close(w->fd);
		unlinkat(w->dirfd, TMPNAME, 0);
	}
	if (w->sha)
		rpmDigestFinal(w->sha, NULL, NULL, 0);
	ZSTD_freeCCtx(w->cctx);
	free(w->line);
	free(w);
}

/* Whole file, decompressed, into memory (manifests are a few MB). */
static int slurp(int dirfd, char **text, size_t *len)
{
	_cleanup_close_ int fd = openat(dirfd, "manifest.zst", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return -errno;
	_cleanup_free_ unsigned char *z = malloc((size_t)st.st_size + 1);
	if (!z)
		return -ENOMEM;
	if (read(fd, z, (size_t)st.st_size) != st.st_size)
		return -EIO;
	ZSTD_DCtx *dctx = ZSTD_createDCtx();
	FILE *f = open_memstream(text, len);
	ZSTD_inBuffer in = {z, (size_t)st.st_size, 0};
	unsigned char out[1 << 16];
	size_t ret = 1;
	while (dctx && f && in.pos < in.size) {
		ZSTD_outBuffer o = {out, sizeof(out), 0};
		ret = ZSTD_decompressStream(dctx, &o, &in);
		if (ZSTD_isError(ret))
			break;
		fwrite(out, 1, o.pos, f);
	}
	ZSTD_freeDCtx(dctx);
	if (f)
		fclose(f);
	if (!f || ZSTD_isError(ret) || ret != 0) {
		free(*text);
		*text = NULL;
		return -EBADMSG; /* truncated or corrupt stream */
	}
	return 0;
}

static int parse_rec(char *line, struct manifest_rec *r)
{
	char *f[10];
	for (int i = 0; i < 10; i++) {
		f[i] = line;
		char *t = strchr(line, '\t');
		if (!t && i < 9)
			return -EBADMSG;
		if (t) {
			*t = '\0';
			line = t + 1;
		}
	}
	char *end;
	r->path = uc_unescape(f[0]);
	r->type = f[1][0];
	r->mode = (unsigned)strtoul(f[2], &end, 8);
	r->uid = (unsigned)strtoul(f[3], NULL, 10);
	r->gid = (unsigned)strtoul(f[4], NULL, 10);
	r->size = strtoull(f[5], NULL, 10);
	r->mtime = strtoll(f[6], NULL, 10);
	r->cls = f[7][0];
	r->ref = uc_unescape(f[8]);
	r->pkg = uc_unescape(f[9]);
	return r->path[0] == '/' ? 0 : -EBADMSG;
}

int manifest_read(int dirfd, char *gen, manifest_cb cb, void *arg, struct uc_error *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = slurp(dirfd, &text, &len);
	if (r == -ENOENT)
		return uc_fail(err, UC_NOTFOUND, "manifest.zst missing");
	if (r < 0)
		return uc_fail(err, UC_BADREQUEST, "manifest.zst damaged: %s", strerror(-r));
	/* the checksum line is the last one; it covers everything before it */
	char *last = len > 1 ? memrchr(text, '\n', len - 1) : NULL;
	const char *tag = "checksum sha256 ";
	if (!last || strncmp(last + 1, tag, strlen(tag)) != 0 ||
	    strncmp(text, MAGIC, strlen(MAGIC)) != 0)
		return uc_fail(err, UC_BADREQUEST, "manifest.zst damaged: no header or checksum");
	size_t body = (size_t)(last + 1 - text);
	void *d = NULL;
	rpmInitCrypto();
	DIGEST_CTX sha = rpmDigestInit(PGPHASHALGO_SHA256, RPMDIGEST_NONE);
	rpmDigestUpdate(sha, text, body);
	rpmDigestFinal(sha, &d, NULL, 1);
	bool ok = d && strncmp(last + 1 + strlen(tag), d, 64) == 0;
	free(d);
	if (!ok)
		return uc_fail(err, UC_BADREQUEST, "manifest.zst damaged: checksum mismatch");
	/* the header line ends at the first newline; with no record (an empty
	 * skeleton) that is the newline just before the checksum line */
	char *nl = memchr(text, '\n', body);
	text[body - 1] = '\0';
	if (gen)
		snprintf(gen, 64, "%.*s", (int)(nl - text - strlen(MAGIC)), text + strlen(MAGIC));
	for (char *line = nl + 1; r == 0 && line < text + body - 1;) {
		char *next = strchr(line, '\n');
		if (next)
			*next = '\0';
		struct manifest_rec rec;
		if (parse_rec(line, &rec) < 0)
			return uc_fail(err, UC_BADREQUEST, "manifest.zst damaged: bad record");
		r = cb(&rec, arg);
		line = next ? next + 1 : text + body;
	}
	return r;
}
