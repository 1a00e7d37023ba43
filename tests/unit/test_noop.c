/* The lean no-op's pieces (skel/noop.c): a file's identity changes when its
 * content is rewritten with size and mtime restored (ctime), absence is
 * recorded as such, and where a path resolves inside a root follows its
 * links and says when something is there. */
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
#include <time.h>
#include <unistd.h>

#include "skel/noop.h"

static char dir[] = "/tmp/uc-noop-XXXXXX";

static void id_of(const char *path, char *buf, size_t size)
{
	FILE *m = fmemopen(buf, size, "w");
	assert_non_null(m);
	noop_put_id(m, path);
	fclose(m);
}

static void test_identity(void **state)
{
	char f[128], a[512], b[512];
	snprintf(f, sizeof(f), "%s/file", dir);
	id_of(f, a, sizeof(a));
	char want[256];
	snprintf(want, sizeof(want), "id\t%s\t-\n", f);
	assert_string_equal(a, want); /* absent */
	FILE *w = fopen(f, "w");
	fputs("one", w);
	fclose(w);
	struct stat st;
	assert_int_equal(stat(f, &st), 0);
	id_of(f, a, sizeof(a));
	id_of(f, b, sizeof(b));
	assert_string_equal(a, b); /* unchanged: the same */
	struct timespec pause = {0, 20 * 1000 * 1000};
	nanosleep(&pause, NULL);
	w = fopen(f, "w");
	fputs("two", w); /* same size */
	fclose(w);
	struct timespec t[2] = {st.st_atim, st.st_mtim};
	assert_int_equal(utimensat(AT_FDCWD, f, t, 0), 0); /* same mtime */
	id_of(f, b, sizeof(b));
	assert_string_not_equal(a, b); /* the ctime says it */
}

static void test_outcome(void **state)
{
	char p[128], o1[512], o2[512];
	snprintf(p, sizeof(p), "%s/root", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/root/usr", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/root/usr/lib64", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/root/lib64", dir);
	assert_int_equal(symlink("usr/lib64", p), 0);
	snprintf(p, sizeof(p), "%s/root", dir);
	int root = open(p, O_PATH | O_DIRECTORY);
	assert_true(root >= 0);
	noop_outcome(root, "/lib64/libx.so", true, o1, sizeof(o1));
	assert_string_equal(o1, "/usr/lib64/libx.so absent");
	noop_outcome(root, "/nodir/x", true, o1, sizeof(o1));
	assert_true(o1[0] == '-'); /* a missing directory: an error number */
	snprintf(p, sizeof(p), "%s/root/usr/lib64/libx.so", dir);
	close(creat(p, 0644));
	noop_outcome(root, "/lib64/libx.so", true, o2, sizeof(o2));
	assert_true(strncmp(o2, "/usr/lib64/libx.so 100644 ", 26) == 0); /* it appeared */
	/* the link now elsewhere: another outcome */
	snprintf(p, sizeof(p), "%s/root/lib64", dir);
	unlink(p);
	assert_int_equal(symlink("usr", p), 0);
	noop_outcome(root, "/lib64/libx.so", true, o1, sizeof(o1));
	assert_string_equal(o1, "/usr/libx.so absent");
	close(root);
}

static void test_clean_word(void **state)
{
	assert_true(noop_clean_word("/usr/bin/bash"));
	assert_false(noop_clean_word("/tmp/a\tb"));
	assert_false(noop_clean_word("/tmp/a\nb"));
	assert_false(noop_clean_word(NULL));
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_identity),
	    cmocka_unit_test(test_outcome),
	    cmocka_unit_test(test_clean_word),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		r = r ? r : 1;
	return r;
}
