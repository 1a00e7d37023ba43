/* manifest.zst round trip and damage detection (skel/manifest.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

#include "lib/sha256.h"
#include "skel/manifest.h"

static char dir[] = "/tmp/uc-manifest-XXXXXX";
static int dfd = -1;

static int setup(void **state)
{
	if (!mkdtemp(dir))
		return -1;
	dfd = open(dir, O_PATH | O_DIRECTORY);
	return dfd < 0;
}

static int teardown(void **state)
{
	unlinkat(dfd, "manifest.zst", 0);
	close(dfd);
	return rmdir(dir);
}

static const struct manifest_rec recs[] = {
    {"/usr", 'd', 0755, 0, 0, 4096, 1700000000, '-', "", ""},
    {"/usr/bin/tool", 'f', 04755, 0, 0, 23, 1700000000, 's',
     "e95f3c8f9a822f95cc19d7db8732fc2b41fb3b4fd64169a0c1e39b61c834b3cf", "uc-base-1.0-1.noarch"},
    {"/usr/bin/link", 'l', 0777, 0, 0, 7, 1700000000, '-', "uc-tool", "uc-base-1.0-1.noarch"},
    {"/etc/odd\tname\nwith\\", 'f', 0644, 2, 2, 9, -1, 'c', "", ""},
    {"/dev/null", 'c', 0666, 0, 0, 0, 1700000000, '-', "", ""},
    {"/dev/loop0", 'b', 0660, 0, 6, 0, 1700000000, '-', "", ""},
    {"/lib64", 'l', 0777, 0, 0, 9, 1700000000, '-', "usr/lib64", "filesystem-3.8-6.el8.x86_64"},
    {"/srv/raw\x01\r\x1b[0m\x7f\xc3\xa9", 'l', 0777, 0, 0, 1, 1, '-', "t\x02\\", "p\x1f"},
};
#define NRECS (sizeof(recs) / sizeof(recs[0]))

struct seen {
	size_t n;
};

static int check_rec(const struct manifest_rec *r, void *arg)
{
	struct seen *s = arg;
	const struct manifest_rec *w = &recs[s->n++];
	assert_string_equal(r->path, w->path);
	assert_int_equal(r->type, w->type);
	assert_int_equal(r->mode, w->mode);
	assert_int_equal(r->uid, w->uid);
	assert_int_equal(r->size, w->size);
	assert_int_equal(r->mtime, w->mtime);
	assert_int_equal(r->cls, w->cls);
	assert_string_equal(r->ref, w->ref);
	assert_string_equal(r->pkg, w->pkg);
	return 0;
}

static void write_it(void)
{
	struct manifest_writer *w;
	struct uc_error err = {0};
	assert_int_equal(manifest_create(&w, dfd, "gen-000007", &err), 0);
	for (size_t i = 0; i < NRECS; i++)
		assert_int_equal(manifest_add(w, &recs[i]), 0);
	assert_int_equal(manifest_commit(w, &err), 0);
}

static void test_round_trip(void **state)
{
	struct uc_error err = {0};
	struct seen s = {0};
	char gen[64];
	write_it();
	assert_int_equal(manifest_read(dfd, gen, check_rec, &s, &err), 0);
	assert_int_equal(s.n, NRECS);
	assert_string_equal(gen, "gen-000007");
	struct stat st;
	assert_int_equal(fstatat(dfd, "manifest.zst.tmp", &st, 0), -1); /* no temp left */
}

static int count(const struct manifest_rec *r, void *arg)
{
	(*(size_t *)arg)++;
	return 0;
}

/* A generation with nothing wanted: a header and a checksum only (status
 * and check read it; it crashed the reader). */
static void test_empty(void **state)
{
	struct manifest_writer *w;
	struct uc_error err = {0};
	size_t n = 0;
	char gen[64] = "";
	assert_int_equal(manifest_create(&w, dfd, "gen-000001", &err), 0);
	assert_int_equal(manifest_commit(w, &err), 0);
	assert_int_equal(manifest_read(dfd, gen, count, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_string_equal(gen, "gen-000001");
}

static void test_damage(void **state)
{
	struct uc_error err = {0};
	size_t n = 0;
	write_it();
	int fd = openat(dfd, "manifest.zst", O_RDWR);
	struct stat st;
	fstat(fd, &st);
	/* truncated */
	assert_int_equal(ftruncate(fd, st.st_size - 5), 0);
	assert_int_not_equal(manifest_read(dfd, NULL, count, &n, &err), 0);
	assert_int_equal(err.kind, UC_BADREQUEST);
	assert_int_equal(n, 0);
	close(fd);
	/* a flipped byte in the middle */
	write_it();
	fd = openat(dfd, "manifest.zst", O_RDWR);
	unsigned char c;
	assert_int_equal(pread(fd, &c, 1, st.st_size / 2), 1);
	c ^= 0x20;
	assert_int_equal(pwrite(fd, &c, 1, st.st_size / 2), 1);
	close(fd);
	assert_int_not_equal(manifest_read(dfd, NULL, count, &n, &err), 0);
	assert_int_equal(n, 0);
	/* missing */
	unlinkat(dfd, "manifest.zst", 0);
	assert_int_not_equal(manifest_read(dfd, NULL, count, &n, &err), 0);
	assert_int_equal(err.kind, UC_NOTFOUND);
}

static int check_big(const struct manifest_rec *r, void *arg)
{
	size_t *n = arg;
	char want[64];
	snprintf(want, sizeof(want), "/usr/share/data/d%zu/file-%zu", *n % 97, *n);
	assert_string_equal(r->path, want);
	assert_int_equal(r->size, *n * 7);
	(*n)++;
	return 0;
}

/* Manifests of real skeletons are megabytes: read as a stream, each block
 * decoded in pieces (zstd decodes 128 KiB blocks, the reader takes 64 KiB
 * at a time and must drain what zstd holds after the last input byte). */
static void test_large(void **state)
{
	static const size_t counts[] = {1, 500, 4099, 20000, 100000};
	for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		struct manifest_writer *w;
		struct uc_error err = {0};
		assert_int_equal(manifest_create(&w, dfd, "gen-big", &err), 0);
		uint64_t x = 88172645463325252ULL;
		for (size_t i = 0; i < counts[c]; i++) {
			char path[64], key[65];
			snprintf(path, sizeof(path), "/usr/share/data/d%zu/file-%zu", i % 97, i);
			for (int k = 0; k < 64; k++) {
				x ^= x << 13, x ^= x >> 7, x ^= x << 17;
				key[k] = "0123456789abcdef"[x & 15];
			}
			key[64] = '\0';
			struct manifest_rec r = {path,	'f',	    0644, 0,   0,
						 i * 7, 1700000000, 's',  key, "pkg-1.0-1.x86_64"};
			assert_int_equal(manifest_add(w, &r), 0);
		}
		assert_int_equal(manifest_commit(w, &err), 0);
		size_t n = 0;
		if (manifest_read(dfd, NULL, check_big, &n, &err) != 0)
			fail_msg("%zu records: %s", counts[c], err.msg);
		assert_int_equal(n, counts[c]);
	}
}

/* body + its right checksum line, compressed, as dfd/manifest.zst */
static void put_plain(const char *body, size_t len)
{
	struct sha256 h;
	char hex[65], *plain = malloc(len + 96);
	assert_non_null(plain);
	assert_int_equal(sha256_begin(&h), 0);
	sha256_update(&h, body, len);
	sha256_end_hex(&h, hex);
	memcpy(plain, body, len);
	size_t n = len + (size_t)snprintf(plain + len, 96, "checksum sha256 %s\n", hex);
	size_t zcap = ZSTD_compressBound(n);
	void *z = malloc(zcap);
	size_t zn = ZSTD_compress(z, zcap, plain, n, 19);
	assert_false(ZSTD_isError(zn));
	int fd = openat(dfd, "manifest.zst", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, z, zn), (ssize_t)zn);
	close(fd);
	free(z);
	free(plain);
}

static void expect_refused(const char *body, size_t len)
{
	struct uc_error err = {0};
	size_t n = 0;
	put_plain(body, len);
	if (manifest_read(dfd, NULL, count, &n, &err) == 0)
		fail_msg("read as good: %.*s", (int)len, body);
	assert_int_equal(err.kind, UC_BADREQUEST);
	assert_int_equal(n, 0);
}

#define REC(uid, gid, mode) "/x\tf\t" mode "\t" uid "\t" gid "\t1\t1\tc\t\t\n"
#define HEAD "unicage-manifest 1 g\n"

/* What the fuzz run found accepted, or crashing: each refused with a
 * correct checksum (the parser is what refuses, not the digest). */
static void test_refused(void **state)
{
	static const char nul_head[] = "unicage-manifest 1 g\0x\n";
	expect_refused(nul_head, sizeof(nul_head) - 1); /* a NUL before the first newline */
	static const char nul_rec[] = HEAD "/x\0\tf\t0644\t0\t0\t1\t1\tc\t\t\n";
	expect_refused(nul_rec, sizeof(nul_rec) - 1);
	static const char *const bad[] = {
	    HEAD REC("4294967296", "0", "0644"), /* wraps to uid 0 */
	    HEAD REC("0", "4294967296", "0644"),
	    HEAD REC("-1", "0", "0644"), /* would be 4294967295 */
	    HEAD REC("0", "4294967295", "0644"),
	    HEAD REC("0", "0", "+644"),
	    HEAD REC("0", "0", "10000"),
	    HEAD REC(" 0", "0", "0644"),
	    HEAD "/x\tq\t0644\t0\t0\t1\t1\tc\t\t\n",
	    HEAD "/x\tff\t0644\t0\t0\t1\t1\tc\t\t\n",
	    HEAD "/x\tf\t0644\t0\t0\t1\t1\tc\t\t\textra\n",
	    HEAD "x\tf\t0644\t0\t0\t1\t1\tc\t\t\n",
	    "unicage-manifest 1 \n",
	    "unicage-manifest 1 g h\n",
	    "unicage-manifest 3 g\n",
	    "unicage-manifest 12 g\n",
	    "unicage-manifest 2 g\n/\\x41\tf\t0644\t0\t0\t1\t1\tc\t\t\n",
	    "unicage-manifest 2 g\n/x\tf\t0644\t0\t0\t1\t1\tc\t\\q\t\n",
	    "unicage-manifest 1 g\n/x\tf\t0644\t0\t0\t1\t1\tc\t\tp\\\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_refused(bad[i], strlen(bad[i]));
}

/* What the version-1 writer (before lib/tsv.c) wrote, decompressed, byte
 * for byte (made with the manifest.c of commit e0ed257; its checksum line
 * is put_plain's): control bytes other than tab and newline raw. It still
 * reads; the same body as version 2 is refused naming the line. */
#define V1_REC(p) p "\tf\t0644\t0\t0\t3\t1700000000\tc\t\tpkg\002x\n"
#define V1_BODY                                                                                    \
	V1_REC("/usr/bin/plain")                                                                   \
	V1_REC("/etc/a\\tb\\nc\\\\d")                                                              \
	V1_REC("/srv/raw\001\r\033[0m\177") V1_REC("/opt/\303\251t\303\251")

struct v1 {
	size_t n;
};

static int check_v1(const struct manifest_rec *r, void *arg)
{
	static const char *const paths[] = {"/usr/bin/plain", "/etc/a\tb\nc\\d",
					    "/srv/raw\x01\r\x1b[0m\x7f", "/opt/\xc3\xa9t\xc3\xa9"};
	struct v1 *v = arg;
	assert_true(v->n < 4);
	assert_string_equal(r->path, paths[v->n++]);
	assert_string_equal(r->pkg, "pkg\x02x");
	return 0;
}

static void test_version1(void **state)
{
	static const char v1[] = "unicage-manifest 1 gen-old\n" V1_BODY;
	struct uc_error err = {0};
	struct v1 v = {0};
	char gen[64];
	put_plain(v1, strlen(v1));
	if (manifest_read(dfd, gen, check_v1, &v, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(v.n, 4);
	assert_string_equal(gen, "gen-old");
	static const char v2[] = "unicage-manifest 2 gen-old\n" V1_BODY;
	put_plain(v2, strlen(v2));
	v.n = 0;
	assert_int_not_equal(manifest_read(dfd, gen, check_v1, &v, &err), 0);
	assert_int_equal(v.n, 0);
	assert_non_null(strstr(err.msg, "manifest.zst:2: damaged"));
}

/* A few KiB of zstd that expand to 256 MiB: refused once past the cap
 * (what the frame declares, at most 64x the file), read as a stream of
 * 64 KiB blocks (it was decompressed whole into memory first). */
static void test_bomb(void **state)
{
	size_t big = 256u << 20;
	char *plain = malloc(big);
	assert_non_null(plain);
	memcpy(plain, HEAD, strlen(HEAD));
	memset(plain + strlen(HEAD), 'a', big - strlen(HEAD));
	ZSTD_CCtx *c = ZSTD_createCCtx();
	size_t zcap = ZSTD_compressBound(big);
	void *z = malloc(zcap);
	ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 0); /* declares nothing */
	size_t zn = ZSTD_compress2(c, z, zcap, plain, big);
	assert_false(ZSTD_isError(zn));
	free(plain);
	ZSTD_freeCCtx(c);
	assert_true(zn < 64 << 10);
	int fd = openat(dfd, "manifest.zst", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_int_equal(write(fd, z, zn), (ssize_t)zn);
	close(fd);
	free(z);
	struct uc_error err = {0};
	size_t n = 0;
	assert_int_not_equal(manifest_read(dfd, NULL, count, &n, &err), 0);
	assert_int_equal(err.kind, UC_BADREQUEST);
	assert_non_null(strstr(err.msg, "larger than"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip), cmocka_unit_test(test_damage),
	    cmocka_unit_test(test_empty),      cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_large),      cmocka_unit_test(test_bomb),
	    cmocka_unit_test(test_version1),
	};
	return cmocka_run_group_tests_name("manifest", tests, setup, teardown);
}
