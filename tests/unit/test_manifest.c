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
	pread(fd, &c, 1, st.st_size / 2);
	c ^= 0x20;
	pwrite(fd, &c, 1, st.st_size / 2);
	close(fd);
	assert_int_not_equal(manifest_read(dfd, NULL, count, &n, &err), 0);
	assert_int_equal(n, 0);
	/* missing */
	unlinkat(dfd, "manifest.zst", 0);
	assert_int_not_equal(manifest_read(dfd, NULL, count, &n, &err), 0);
	assert_int_equal(err.kind, UC_NOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_damage),
	    cmocka_unit_test(test_empty),
	};
	return cmocka_run_group_tests_name("manifest", tests, setup, teardown);
}
