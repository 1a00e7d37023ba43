/* The index of a generation (skel/index.c): every kind of entry round-trips,
 * the empty index too, and a damaged one is refused (update then rebuilds
 * it: tests/integration/t-rhel-skel.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "skel/index.h"

static char dir[] = "/tmp/uc-index-XXXXXX";
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
	unlinkat(dfd, "index", 0);
	close(dfd);
	return rmdir(dir);
}

static const struct idx_ent ents[] = {
    {"/usr", 2049, 11, 4096, 1700000000123456789, 1700000001000000000, S_IFDIR | 0755, 0, 0, '-',
     "", 0},
    {"/usr/bin/bash", 2049, 12, 1150000, 1, 2, S_IFREG | 0755, 0, 0, 's',
     "e95f3c8f9a822f95cc19d7db8732fc2b41fb3b4fd64169a0c1e39b61c834b3cf", 2},
    {"/etc/odd\tname\nwith\\", 2049, 13, 9, -1, -2, S_IFREG | 0644, 2, 3, 'c', "", 0},
    {"/lib64", 2049, 14, 9, 5, 6, S_IFLNK | 0777, 0, 0, '-', "", 0},
    {"/dev/sda", 5, 15, 0, 7, 8, S_IFBLK | 0660, 0, 6, 'x', "", 0},
    {"/run/sock", 5, 16, 0, 7, 8, S_IFSOCK | 0755, 0, 0, 'x', "", 0},
    {"/usr/bin/replaced", 2049, 17, 10, 7, 8, S_IFREG | 04755, 0, 0, 'x', "", 0},
    {"/srv/raw\x01\r\x1b[0m\x7f\xc3\xa9", 2049, 18, 1, 7, 8, S_IFREG | 0644, 0, 0, 'c', "", 0},
};
#define NENTS (sizeof(ents) / sizeof(ents[0]))

static void write_index(const struct idx_ent *v, size_t n)
{
	struct skel_index ix = {0};
	struct uc_error err = {0};
	for (size_t i = 0; i < n; i++)
		assert_int_equal(index_add(&ix, &v[i]), 0);
	assert_int_equal(index_write(&ix, dfd, &err), 0);
	index_release(&ix);
}

static void test_round_trip(void **state)
{
	struct skel_index ix;
	struct uc_error err = {0};
	write_index(ents, NENTS);
	assert_int_equal(index_read(&ix, dfd, &err), 0);
	assert_int_equal(ix.n, NENTS);
	for (size_t i = 0; i < NENTS; i++) {
		const struct idx_ent *e = index_find(&ix, ents[i].path);
		assert_non_null(e);
		assert_string_equal(e->path, ents[i].path);
		assert_true(index_same(e, &ents[i]));
		assert_int_equal(e->cls, ents[i].cls);
		assert_string_equal(e->key, ents[i].key);
		assert_int_equal(e->suffix, ents[i].suffix);
	}
	index_release(&ix);
}

static void test_empty(void **state)
{
	struct skel_index ix;
	struct uc_error err = {0};
	write_index(NULL, 0);
	assert_int_equal(index_read(&ix, dfd, &err), 0);
	assert_int_equal(ix.n, 0);
	index_release(&ix);
	unlinkat(dfd, "index", 0); /* a missing index is an empty one */
	assert_int_equal(index_read(&ix, dfd, &err), 0);
	assert_int_equal(ix.n, 0);
	index_release(&ix);
}

static void put(const char *text, size_t len)
{
	int fd = openat(dfd, "index", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

/* What older versions wrote for an entry not taken (a NUL class byte), and
 * other damage: refused, never taken for an entry. */
static void test_damaged(void **state)
{
	static const char nul[] = "unicage-index 1\n/dev/x\t1\t2\t0\t0\t0\t20666\t0\t0\t\0\t-\t0\n";
	static const char *bad[] = {
	    "unicage-index 3\n",
	    "unicage-index 1\n/a\t1\t2\n",
	    "unicage-index 1\n/a\t1\t2\t0\t0\t0\t100644\t0\t0\tq\t-\t0\n",
	    "unicage-index 1\n/a\t1\t2\t0\t0\t0\t100644\t0\t0\ts\t-\t0",
	    /* a key that is not hex: an object name of uninitialised bytes */
	    "unicage-index 1\n/a\t1\t2\t0\t0\t0\t100644\t0\t0\ts\t"
	    "zz5f3c8f9a822f95cc19d7db8732fc2b41fb3b4fd64169a0c1e39b61c834b3cf\t0\n",
	    "unicage-index 1\n/a\t1\t2\t0\t0\t0\t100644\t0\t0\ts\tE95F\t0\n",
	    /* numbers that wrap: gid 2^32 is gid 0, -1 is 4294967295 */
	    "unicage-index 1\n/a\t1\t2\t0\t0\t0\t100644\t0\t4294967296\tc\t-\t0\n",
	    "unicage-index 1\n/a\t1\t2\t0\t0\t0\t100644\t-1\t0\tc\t-\t0\n",
	    "unicage-index 1\n/a\t1\t2\t0\t0\t0\t+100644\t0\t0\tc\t-\t0\n",
	    "unicage-index 1\n/a\t-1\t2\t0\t0\t0\t100644\t0\t0\tc\t-\t0\n",
	    "unicage-index 1\n/a\t1\t2\t0\t0\t0\t100644\t0\t0\tc\t-\t4294967296\n",
	    "unicage-index 1\na\t1\t2\t0\t0\t0\t100644\t0\t0\tc\t-\t0\n",
	};
	/* a NUL ended the index silently: the lines after it were lost */
	static const char nul_end[] = "unicage-index 1\n/a\t1\t2\t0\t0\t0\t100644\t0\t0\tc\t-\t0\n"
				      "\0/b\t1\t3\t0\t0\t0\t100644\t0\t0\tc\t-\t0\n";
	struct skel_index ix;
	struct uc_error err = {0};
	put(nul, sizeof(nul) - 1);
	assert_int_not_equal(index_read(&ix, dfd, &err), 0);
	assert_int_equal(err.kind, UC_BADREQUEST);
	index_release(&ix);
	err = (struct uc_error){0};
	put(nul_end, sizeof(nul_end) - 1);
	assert_int_not_equal(index_read(&ix, dfd, &err), 0);
	assert_int_equal(err.kind, UC_BADREQUEST);
	index_release(&ix);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = (struct uc_error){0};
		put(bad[i], strlen(bad[i]));
		if (index_read(&ix, dfd, &err) == 0)
			fail_msg("case %zu read as good", i);
		assert_int_equal(err.kind, UC_BADREQUEST);
		index_release(&ix);
	}
}

/* What the version-1 writer (before lib/tsv.c) wrote, byte for byte (made
 * with the index.c of commit e0ed257): control bytes other than tab and
 * newline raw. It still reads; the same raw bytes in a version-2 index, or
 * an escape tsv_put never writes, are refused naming the line. */
#define V1_BODY                                                                                    \
	"/usr/bin/plain\t1\t2\t3\t0\t0\t100644\t0\t0\tc\t-\t0\n"                                   \
	"/etc/a\\tb\\nc\\\\d\t1\t3\t3\t0\t0\t100644\t0\t0\tc\t-\t0\n"                              \
	"/srv/raw\001\r\033[0m\177\t1\t4\t3\t0\t0\t100644\t0\t0\tc\t-\t0\n"                        \
	"/opt/\303\251t\303\251\t1\t5\t3\t0\t0\t100644\t0\t0\tc\t-\t0\n"

static void expect_bad(const char *text, const char *msg)
{
	struct skel_index ix;
	struct uc_error err = {0};
	put(text, strlen(text));
	assert_int_equal(index_read(&ix, dfd, &err), -EINVAL);
	if (!strstr(err.msg, msg))
		fail_msg("'%s', not '%s'", err.msg, msg);
	index_release(&ix);
}

static void test_version1(void **state)
{
	static const char *const paths[] = {"/usr/bin/plain", "/etc/a\tb\nc\\d",
					    "/srv/raw\x01\r\x1b[0m\x7f", "/opt/\xc3\xa9t\xc3\xa9"};
	struct skel_index ix;
	struct uc_error err = {0};
	put("unicage-index 1\n" V1_BODY, strlen("unicage-index 1\n" V1_BODY));
	assert_int_equal(index_read(&ix, dfd, &err), 0);
	assert_int_equal(ix.n, 4);
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(ix.v[i].path, paths[i]);
	/* written again: version 2, every control byte escaped */
	assert_int_equal(index_write(&ix, dfd, &err), 0);
	index_release(&ix);
	char text[1024];
	int fd = openat(dfd, "index", O_RDONLY);
	ssize_t n = read(fd, text, sizeof(text) - 1);
	close(fd);
	assert_true(n > 0);
	text[n] = '\0';
	assert_non_null(strstr(text, "unicage-index 2\n/usr/bin/plain\t"));
	assert_non_null(strstr(text, "/srv/raw\\x01\\x0d\\x1b[0m\\x7f\t"));
	expect_bad("unicage-index 2\n" V1_BODY, "index:4: bad escape");
	expect_bad("unicage-index 1\n/a\\q\t1\t5\t3\t0\t0\t100644\t0\t0\tc\t-\t0\n", "index:2:");
	expect_bad("unicage-index 2\n/a\\x41\t1\t5\t3\t0\t0\t100644\t0\t0\tc\t-\t0\n", "index:2:");
	expect_bad("unicage-index 2\n/a\\\t1\t5\t3\t0\t0\t100644\t0\t0\tc\t-\t0\n", "index:2:");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_damaged),
	    cmocka_unit_test(test_version1),
	};
	return cmocka_run_group_tests_name("index", tests, setup, teardown);
}
