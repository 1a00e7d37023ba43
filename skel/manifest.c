#include "skel/manifest.h"

#include "lib/cleanup.h"
#include "lib/lines.h"
#include "lib/objkey.h"
#include "lib/sha256.h"
#include "lib/tsv.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <rpm/rpmcrypto.h>
#include <rpm/rpmpgp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

/* "unicage-manifest 2 GEN": fields escaped by lib/tsv.h; version 1 (older
 * unicage) wrote control bytes other than tab and newline raw, and is read
 * as such (parse_header) */
#define MAGIC "unicage-manifest "
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
	int n = snprintf(head, sizeof(head), MAGIC "2 %s\n", gen);
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
	if (s)
		tsv_put(f, s);
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
	/* no fsync: the generation being built is made durable whole (one
	 * syncfs) before it is published */
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

/* Reading: the stream is decompressed block by block and split into lines
 * (never held whole: an 8 KiB file can expand to gigabytes). Two passes
 * over the same open file: the first checks every line and the checksum,
 * the second hands the records to the caller, so no record is used before
 * the whole manifest is known good. */
#define MAX_LINE (4 * PATH_MAX + 512) /* path, link target, package, numbers */
#define MAX_RATIO 64		      /* records carry a 64-hex key: ~5x in practice */
#define MIN_CAP (1 << 20)

struct zread {
	int fd;
	ZSTD_DCtx *d;
	ZSTD_inBuffer in;
	ZSTD_outBuffer out;
	size_t out_pos; /* consumed part of out */
	size_t ret;	/* last ZSTD_decompressStream result: 0 at a frame's end */
	bool in_eof;
	uint64_t total, cap;
	char *line;
	size_t len;
	unsigned lineno, bad_line; /* of z->line; of the record refused */
	unsigned tsv_flags;	   /* by the header's version */
	unsigned char ibuf[1 << 16], obuf[1 << 16];
};

/* Rewind z to the start of the file. */
static int zr_rewind(struct zread *z)
{
	if (lseek(z->fd, 0, SEEK_SET) < 0)
		return -errno;
	ZSTD_DCtx_reset(z->d, ZSTD_reset_session_only);
	z->in = (ZSTD_inBuffer){z->ibuf, 0, 0};
	z->out = (ZSTD_outBuffer){z->obuf, sizeof(z->obuf), 0};
	z->out_pos = 0;
	z->ret = 1;
	z->in_eof = false;
	z->total = 0;
	z->lineno = 0;
	return 0;
}

/* The decompressed size allowed: what the frame header declares when it
 * declares it, and never more than MAX_RATIO times the file. */
static uint64_t zr_cap(const unsigned char *head, size_t n, uint64_t file_size)
{
	uint64_t cap = file_size * MAX_RATIO;
	if (cap < MIN_CAP)
		cap = MIN_CAP;
	unsigned long long declared = ZSTD_getFrameContentSize(head, n);
	if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != ZSTD_CONTENTSIZE_ERROR &&
	    declared < cap)
		cap = declared;
	return cap;
}

static int zr_open(struct zread *z, int dirfd)
{
	z->fd = openat(dirfd, "manifest.zst", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (z->fd < 0 || fstat(z->fd, &st) < 0)
		return -errno;
	z->d = ZSTD_createDCtx();
	if (!z->d)
		return -ENOMEM;
	/* the writer's level 3 uses a 2 MiB window: 8 MiB at most, not the
	 * 128 MiB a hostile frame header may ask for */
	ZSTD_DCtx_setParameter(z->d, ZSTD_d_windowLogMax, 23);
	ssize_t n = pread(z->fd, z->ibuf, 32, 0);
	if (n < 0)
		return -errno;
	z->cap = zr_cap(z->ibuf, (size_t)n, (uint64_t)st.st_size);
	return zr_rewind(z);
}

static void zr_close(struct zread *z)
{
	if (z->fd >= 0)
		close(z->fd);
	ZSTD_freeDCtx(z->d);
	free(z->line);
}

/* More decompressed bytes into z->out: 1, 0 at the end of the stream,
 * -EBADMSG when it is corrupt, truncated or larger than its cap. With all
 * input read, zstd may still hold decoded bytes of a block (it decodes
 * 128 KiB blocks into 64 KiB here): it is called until it gives nothing
 * more. */
static int zr_fill(struct zread *z)
{
	z->out.pos = z->out_pos = 0;
	while (z->out.pos == 0) {
		if (z->in.pos == z->in.size && !z->in_eof) {
			ssize_t n = read(z->fd, z->ibuf, sizeof(z->ibuf));
			if (n < 0)
				return -errno;
			z->in = (ZSTD_inBuffer){z->ibuf, (size_t)n, 0};
			z->in_eof = n == 0;
		}
		bool drained = z->in.pos == z->in.size && z->in_eof;
		if (drained && z->ret == 0)
			return 0; /* the last frame ended and everything was handed out */
		z->ret = ZSTD_decompressStream(z->d, &z->out, &z->in);
		if (ZSTD_isError(z->ret))
			return -EBADMSG;
		if (drained && z->out.pos == 0 && z->ret != 0)
			return -EBADMSG; /* a frame cut short */
	}
	z->total += z->out.pos;
	return z->total > z->cap ? -EBADMSG : 1;
}

/* The next line into z->line (NUL-terminated, its '\n' kept, length
 * z->len): 1, 0 at the end, -EBADMSG for a line over MAX_LINE or holding
 * a NUL byte. A last line without '\n' is returned as it is. */
static int zr_line(struct zread *z)
{
	if (!z->line && !(z->line = malloc(MAX_LINE + 1)))
		return -ENOMEM;
	z->len = 0;
	for (;;) {
		if (z->out_pos == z->out.pos) {
			int r = zr_fill(z);
			if (r < 0)
				return r;
			if (r == 0)
				break;
		}
		const unsigned char *b = z->obuf + z->out_pos;
		size_t avail = z->out.pos - z->out_pos;
		const unsigned char *nl = memchr(b, '\n', avail);
		size_t take = nl ? (size_t)(nl - b) + 1 : avail;
		if (z->len + take > MAX_LINE)
			return -EBADMSG;
		memcpy(z->line + z->len, b, take);
		z->len += take;
		z->out_pos += take;
		if (nl)
			break;
	}
	z->line[z->len] = '\0';
	if (strlen(z->line) != z->len)
		return -EBADMSG;
	z->lineno += z->len > 0;
	return z->len > 0;
}

/* One field ending at a tab (or, for the last, at the end of the line). */
static char *next_field(char **s, bool last)
{
	char *f = *s, *t = strchr(f, '\t');
	if (last)
		return t ? NULL : f; /* a tenth tab: not a record */
	if (!t)
		return NULL;
	*t = '\0';
	*s = t + 1;
	return f;
}

static bool one_of(const char *f, const char *set)
{
	return f[0] && !f[1] && strchr(set, f[0]);
}

/* A record line without its '\n'. Every number whole and in range (an owner
 * that wrapped would be another owner). */
static int parse_rec(char *line, struct manifest_rec *r, unsigned flags)
{
	char *f[10];
	for (int i = 0; i < 10; i++)
		if (!(f[i] = next_field(&line, i == 9)))
			return -EBADMSG;
	uint64_t mode, uid, gid;
	char *end = NULL;
	if (!one_of(f[1], "fdlcbps") || !one_of(f[7], "sc-") ||
	    uc_parse_u64(f[2], 8, 07777, &mode, &end) < 0 || *end ||
	    uc_parse_u64(f[3], 10, UINT32_MAX - 1, &uid, &end) < 0 || *end ||
	    uc_parse_u64(f[4], 10, UINT32_MAX - 1, &gid, &end) < 0 || *end ||
	    uc_parse_u64(f[5], 10, UINT64_MAX, &r->size, &end) < 0 || *end ||
	    uc_parse_s64(f[6], &r->mtime, &end) < 0 || *end)
		return -EBADMSG;
	if (tsv_unescape(f[0], flags) < 0 || tsv_unescape(f[8], flags) < 0 ||
	    tsv_unescape(f[9], flags) < 0)
		return -EBADMSG;
	r->path = f[0];
	r->type = f[1][0];
	r->mode = (unsigned)mode;
	r->uid = (unsigned)uid;
	r->gid = (unsigned)gid;
	r->cls = f[7][0];
	r->ref = f[8];
	r->pkg = f[9];
	return r->path[0] == '/' ? 0 : -EBADMSG;
}

#define TAG "checksum sha256 "

/* "unicage-manifest V GEN\n", V 1 or 2: GEN into gen (64 bytes; may be
 * NULL), z->tsv_flags by V. */
static int parse_header(struct zread *z, char *gen)
{
	size_t m = strlen(MAGIC) + 2;
	const char *g = z->line + m;
	size_t n = z->len - m - 1;
	if (z->len < m + 2 || strncmp(z->line, MAGIC, m - 2) != 0 ||
	    (z->line[m - 2] != '1' && z->line[m - 2] != '2') || z->line[m - 1] != ' ' ||
	    z->line[z->len - 1] != '\n' || n >= 64 || strcspn(g, " \t\r\n") != n)
		return -EBADMSG;
	z->tsv_flags = z->line[m - 2] == '1' ? TSV_RAW_CTRL : 0;
	if (gen)
		snprintf(gen, 64, "%.*s", (int)n, g);
	return 0;
}

/* The checksum line (z->line) is right for digest h of what came before. */
static bool sum_line_ok(const struct zread *z, struct sha256 *h)
{
	char hex[65];
	sha256_end_hex(h, hex);
	return z->len == strlen(TAG) + 65 && z->line[z->len - 1] == '\n' &&
	       strncmp(z->line + strlen(TAG), hex, 64) == 0;
}

/* Pass one: the header, every record well formed, the checksum line last
 * and right. */
static int check_pass(struct zread *z, char *gen)
{
	struct sha256 h;
	int r = zr_line(z);
	if (r <= 0 || parse_header(z, gen) < 0)
		return r < 0 ? r : -EBADMSG;
	rpmInitCrypto(); /* libgcrypt: uninitialised, it logs a warning (to syslog in PAM) */
	if (sha256_begin(&h) < 0)
		return -ENOMEM;
	sha256_update(&h, z->line, z->len);
	while ((r = zr_line(z)) > 0) {
		if (strncmp(z->line, TAG, strlen(TAG)) == 0) {
			if (!sum_line_ok(z, &h))
				return -EBADMSG;
			r = zr_line(z); /* nothing may follow it */
			return r < 0 ? r : r > 0 ? -EBADMSG : 0;
		}
		sha256_update(&h, z->line, z->len);
		struct manifest_rec rec;
		if (z->line[z->len - 1] != '\n')
			break; /* cut short */
		z->line[z->len - 1] = '\0';
		if (parse_rec(z->line, &rec, z->tsv_flags) < 0) {
			z->bad_line = z->lineno;
			break;
		}
	}
	sha256_end_hex(&h, (char[65]){0}); /* frees the digest */
	return r < 0 ? r : -EBADMSG;
}

/* Pass two: the records, known good, to cb. */
static int record_pass(struct zread *z, manifest_cb cb, void *arg)
{
	int r = zr_line(z); /* the header */
	while (r > 0 && (r = zr_line(z)) > 0 && strncmp(z->line, TAG, strlen(TAG)) != 0) {
		struct manifest_rec rec;
		z->line[z->len - 1] = '\0';
		if (parse_rec(z->line, &rec, z->tsv_flags) < 0)
			return -EBADMSG; /* the file changed between the passes */
		if ((r = cb(&rec, arg)) != 0)
			return r;
		r = 1;
	}
	return r < 0 ? r : 0;
}

int manifest_read(int dirfd, char *gen, manifest_cb cb, void *arg, struct uc_error *err)
{
	struct zread *z = calloc(1, sizeof(*z));
	if (!z)
		return uc_fail(err, UC_INTERNAL, "out of memory");
	int r = zr_open(z, dirfd);
	if (r == -ENOENT) {
		r = uc_fail(err, UC_NOTFOUND, "manifest.zst missing");
	} else if (r < 0) {
		r = uc_fail_errno(err, -r, "manifest.zst");
	} else if ((r = check_pass(z, gen)) < 0 && r == -EBADMSG && z->bad_line) {
		r = uc_fail(err, UC_BADREQUEST, "manifest.zst:%u: damaged (bad record)",
			    z->bad_line);
	} else if (r < 0) {
		r = r == -EBADMSG ? uc_fail(err, UC_BADREQUEST,
					    "manifest.zst damaged (bad header, record or checksum, "
					    "or larger than %llu bytes)",
					    (unsigned long long)z->cap)
				  : uc_fail_errno(err, -r, "manifest.zst");
	} else if ((r = zr_rewind(z)) == 0 && (r = record_pass(z, cb, arg)) < 0) {
		r = r == -EBADMSG ? uc_fail(err, UC_BADREQUEST, "manifest.zst damaged: bad record")
				  : uc_fail_errno(err, -r, "manifest.zst");
	}
	zr_close(z);
	free(z);
	return r;
}
