/* manifest writer and reader agree (skel/manifest.c): records made from the
 * input (one per line: PATH[\1REF[\1PKG]], \2 standing for a newline, the
 * numbers drawn from a hash of the line) are written with manifest_add and
 * read back field for field, in order. */
#include "tests/fuzz/fuzz.h"

#include "skel/manifest.h"

#include <inttypes.h>

#define MAXREC 256

struct rt {
	struct manifest_rec rec[MAXREC];
	char *buf[MAXREC];
	size_t n, seen;
};

static uint64_t fnv(const uint8_t *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

static void make_rec(struct rt *t, const uint8_t *line, size_t len)
{
	uint64_t h = fnv(line, len), h2 = fnv((const uint8_t *)&h, sizeof(h));
	char *b = malloc(len + 2);
	if (!b)
		abort();
	b[0] = '/';
	for (size_t i = 0; i < len; i++)
		b[i + 1] = line[i] == 2 ? '\n' : (char)line[i];
	b[len + 1] = '\0';
	struct manifest_rec *r = &t->rec[t->n];
	r->path = b;
	char *s1 = strchr(b, 1), *s2 = s1 ? strchr(s1 + 1, 1) : NULL;
	if (s1)
		*s1 = '\0';
	if (s2)
		*s2 = '\0';
	r->ref = s1 ? s1 + 1 : "";
	r->pkg = s2 ? s2 + 1 : "";
	r->type = "fdlcbps"[h % 7];
	r->mode = (unsigned)(h >> 3) & 07777;
	r->uid = (unsigned)(h >> 16) % 0xfffffffeU;
	r->gid = (unsigned)(h2 & 0xffffffff) % 0xfffffffeU;
	r->size = h2 >> (h % 64);
	r->mtime = (int64_t)(h ^ h2) >> (h2 % 64);
	r->cls = "sc-"[h2 % 3];
	t->buf[t->n++] = b;
}

static int compare(const struct manifest_rec *r, void *arg)
{
	struct rt *t = arg;
	FUZZ_ASSERT(t->seen < t->n);
	const struct manifest_rec *w = &t->rec[t->seen++];
	FUZZ_ASSERT(strcmp(r->path, w->path) == 0 && strcmp(r->ref, w->ref) == 0 &&
		    strcmp(r->pkg, w->pkg) == 0);
	FUZZ_ASSERT(r->type == w->type && r->mode == w->mode && r->uid == w->uid &&
		    r->gid == w->gid && r->size == w->size && r->mtime == w->mtime &&
		    r->cls == w->cls);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rt t;
	memset(&t, 0, sizeof(t));
	for (size_t off = 0; off < size && t.n < MAXREC;) {
		const uint8_t *nl = memchr(data + off, '\n', size - off);
		size_t len = nl ? (size_t)(nl - data - off) : size - off;
		if (!memchr(data + off, 0, len)) /* a path holds no NUL */
			make_rec(&t, data + off, len);
		off += len + 1;
	}
	int dfd = fuzz_dir();
	struct manifest_writer *w;
	struct uc_error err = {0};
	FUZZ_ASSERT(manifest_create(&w, dfd, "20260101-000000", &err) == 0);
	for (size_t i = 0; i < t.n; i++)
		FUZZ_ASSERT(manifest_add(w, &t.rec[i]) == 0);
	FUZZ_ASSERT(manifest_commit(w, &err) == 0);
	char gen[64];
	int r = manifest_read(dfd, gen, compare, &t, &err);
	if (r != 0)
		fprintf(stderr, "%s\n", err.msg);
	FUZZ_ASSERT(r == 0 && t.seen == t.n && strcmp(gen, "20260101-000000") == 0);
	for (size_t i = 0; i < t.n; i++)
		free(t.buf[i]);
	return 0;
}
