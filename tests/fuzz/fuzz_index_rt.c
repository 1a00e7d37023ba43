/* index_write and index_read agree (skel/index.c): entries made from the
 * input (one per line, the path "/LINE" with \2 for a newline, the numbers
 * and key from a hash of the line) read back field for field, in order. */
#include "tests/fuzz/fuzz.h"

#include "skel/index.h"

#define MAXENT 256

static uint64_t fnv(const uint8_t *p, size_t n, uint64_t h)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

static void make_ent(struct idx_ent *e, char *path, const uint8_t *line, size_t len)
{
	uint64_t h[6];
	for (int i = 0; i < 6; i++)
		h[i] = fnv(line, len, 1469598103934665603ULL + (uint64_t)i);
	path[0] = '/';
	for (size_t i = 0; i < len; i++)
		path[i + 1] = line[i] == 2 ? '\n' : (char)line[i];
	path[len + 1] = '\0';
	memset(e, 0, sizeof(*e));
	e->path = path;
	e->dev = h[0];
	e->ino = h[1];
	e->size = h[2] >> (h[0] % 64);
	e->mtime_ns = (int64_t)h[3];
	e->ctime_ns = (int64_t)h[4] >> (h[1] % 64);
	e->mode = (unsigned)h[5] & 0177777;
	e->uid = (unsigned)(h[5] >> 16) % 0xfffffffeU;
	e->gid = (unsigned)(h[5] >> 40) % 0xfffffffeU;
	e->cls = "sc-x"[h[0] % 4];
	if (h[1] % 3)
		for (int i = 0; i < 64; i++)
			e->key[i] = "0123456789abcdef"[(h[i % 6] >> (i % 16 * 4)) & 15];
	e->suffix = (unsigned)(h[2] % 5);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct skel_index w = {0}, r;
	static struct idx_ent want[MAXENT];
	size_t n = 0;
	for (size_t off = 0; off < size && n < MAXENT;) {
		const uint8_t *nl = memchr(data + off, '\n', size - off);
		size_t len = nl ? (size_t)(nl - data - off) : size - off;
		if (!memchr(data + off, 0, len)) {
			char *path = malloc(len + 2);
			if (!path)
				abort();
			make_ent(&want[n], path, data + off, len);
			FUZZ_ASSERT(index_add(&w, &want[n]) == 0);
			free(path);
			want[n].path = w.v[n].path;
			n++;
		}
		off += len + 1;
	}
	int dfd = fuzz_dir();
	struct uc_error err = {0};
	FUZZ_ASSERT(index_write(&w, dfd, &err) == 0);
	int rr = index_read(&r, dfd, &err);
	if (rr != 0)
		fprintf(stderr, "%s\n", err.msg);
	FUZZ_ASSERT(rr == 0 && r.n == n);
	for (size_t i = 0; i < n; i++) {
		const struct idx_ent *a = &want[i], *b = &r.v[i];
		FUZZ_ASSERT(strcmp(a->path, b->path) == 0 && index_same(a, b));
		FUZZ_ASSERT(strcmp(a->key, b->key) == 0 && a->suffix == b->suffix);
	}
	index_release(&r);
	index_release(&w);
	return 0;
}
