#include "lib/objkey.h"

#include "lib/cleanup.h"

#include <errno.h>
#include <pthread.h>
#include <rpm/rpmcrypto.h>
#include <rpm/rpmpgp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK (1 << 18)

/* A little growable byte buffer with fixed-width little-endian integers. */
struct wbuf {
	unsigned char *p;
	size_t len, cap;
	int err;
};

static void put(struct wbuf *w, const void *data, size_t n)
{
	if (w->err)
		return;
	if (w->len + n > w->cap) {
		size_t cap = (w->cap + n) * 2;
		unsigned char *p = realloc(w->p, cap);
		if (!p) {
			w->err = -ENOMEM;
			return;
		}
		w->p = p;
		w->cap = cap;
	}
	memcpy(w->p + w->len, data, n);
	w->len += n;
}

static void put_u64(struct wbuf *w, uint64_t v)
{
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	put(w, b, 8);
}

int objkey_header(const struct stat *st, const struct xattr_set *xa, bool with_mtime,
		  unsigned char **out, size_t *len)
{
	struct wbuf w = {0};
	static const char magic[] = "unicage-object-v1";
	put(&w, magic, sizeof(magic));	    /* with its NUL */
	put_u64(&w, (uint64_t)st->st_mode); /* type and all mode bits */
	put_u64(&w, (uint64_t)st->st_uid);
	put_u64(&w, (uint64_t)st->st_gid);
	put_u64(&w, with_mtime);
	if (with_mtime) {
		put_u64(&w, (uint64_t)st->st_mtim.tv_sec);
		put_u64(&w, (uint64_t)st->st_mtim.tv_nsec);
	}
	put_u64(&w, xa ? xa->n : 0);
	for (size_t i = 0; xa && i < xa->n; i++) {
		size_t nl = strlen(xa->v[i].name);
		put_u64(&w, nl);
		put(&w, xa->v[i].name, nl);
		put_u64(&w, xa->v[i].len);
		put(&w, xa->v[i].value, xa->v[i].len);
	}
	put_u64(&w, (uint64_t)st->st_size);
	if (w.err) {
		free(w.p);
		return w.err;
	}
	*out = w.p;
	*len = w.len;
	return 0;
}

/* librpmio sets up its crypto backend lazily, and not thread-safely: once,
 * before the first digest of any thread. */
static void crypto_init(void)
{
	rpmInitCrypto();
}

int objkey_compute(int fd, const struct stat *st, const struct xattr_set *xa, bool with_mtime,
		   struct objkey *key)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, crypto_init);
	_cleanup_free_ unsigned char *hdr = NULL;
	_cleanup_free_ unsigned char *buf = malloc(CHUNK);
	size_t hlen;
	int r = objkey_header(st, xa, with_mtime, &hdr, &hlen);
	if (r < 0)
		return r;
	if (!buf)
		return -ENOMEM;
	DIGEST_CTX ctx = rpmDigestInit(PGPHASHALGO_SHA256, RPMDIGEST_NONE);
	if (!ctx)
		return -ENOTSUP;
	rpmDigestUpdate(ctx, hdr, hlen);
	uint64_t done = 0;
	while (done < (uint64_t)st->st_size) {
		ssize_t n = pread(fd, buf, CHUNK, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -ESTALE; /* shorter than it was: changed under us */
			break;
		}
		rpmDigestUpdate(ctx, buf, (size_t)n);
		done += (uint64_t)n;
	}
	void *d = NULL;
	size_t dlen = 0;
	rpmDigestFinal(ctx, &d, &dlen, 0);
	if (r == 0 && (dlen != OBJKEY_LEN || !d))
		r = -EIO;
	if (r == 0)
		memcpy(key->b, d, OBJKEY_LEN);
	free(d);
	return r;
}

void objkey_hex(const struct objkey *key, char *buf)
{
	static const char hexd[] = "0123456789abcdef";
	for (int i = 0; i < OBJKEY_LEN; i++) {
		buf[2 * i] = hexd[key->b[i] >> 4];
		buf[2 * i + 1] = hexd[key->b[i] & 15];
	}
	buf[2 * OBJKEY_LEN] = '\0';
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly 2 * OBJKEY_LEN hex digits (sscanf's %2hhx took a sign or a
 * space too, and cost 32 calls per key). */
int objkey_from_hex(const char *hex, struct objkey *key)
{
	for (int i = 0; i < OBJKEY_LEN; i++) {
		int hi = nibble(hex[2 * i]), lo = hi < 0 ? -1 : nibble(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		key->b[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

void objkey_name(const struct objkey *key, unsigned suffix, char *buf, size_t size)
{
	char hex[2 * OBJKEY_LEN + 1];
	objkey_hex(key, hex);
	if (suffix)
		snprintf(buf, size, "%.2s/%.20s.%u", hex, hex + 2, suffix);
	else
		snprintf(buf, size, "%.2s/%.20s", hex, hex + 2);
}

int file_contents_equal(int a, int b, uint64_t size)
{
	_cleanup_free_ unsigned char *ba = malloc(CHUNK);
	_cleanup_free_ unsigned char *bb = malloc(CHUNK);
	if (!ba || !bb)
		return -ENOMEM;
	for (uint64_t off = 0; off < size;) {
		size_t want = size - off < CHUNK ? (size_t)(size - off) : CHUNK;
		ssize_t na = pread(a, ba, want, (off_t)off);
		ssize_t nb = pread(b, bb, want, (off_t)off);
		if (na < 0 || nb < 0)
			return -errno;
		if (na != (ssize_t)want || nb != (ssize_t)want)
			return 0; /* one of them is shorter now */
		if (memcmp(ba, bb, want) != 0)
			return 0;
		off += want;
	}
	/* both must end here */
	unsigned char c;
	return pread(a, &c, 1, (off_t)size) == 0 && pread(b, &c, 1, (off_t)size) == 0;
}
