/* The generation's elfdeps file (skel/elfscan.c): what the closure added,
 * the objects a no-op update looks at again (recheck, with the "closure"
 * marker) and what is missing round-trip, names with tabs and newlines
 * included; a file without the marker (an older generation) that misses
 * something tells update to read every program again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "skel/elfscan.h"

static int tmpdir(char *buf, size_t size)
{
	snprintf(buf, size, "/tmp/uc-test-elfscan.XXXXXX");
	assert_non_null(mkdtemp(buf));
	int fd = open(buf, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	return fd;
}

static void cleanup(int fd, const char *dir)
{
	unlinkat(fd, "elfdeps", 0);
	close(fd);
	rmdir(dir);
}

static void test_roundtrip(void **state)
{
	(void)state;
	char dir[64];
	int fd = tmpdir(dir, sizeof(dir));
	struct elf_report rep = {.files = 7, .elf_files = 3};
	rep.v = calloc(1, sizeof(*rep.v));
	rep.v[0] =
	    (struct elf_missing){strdup("/usr/lib/tc/q_atm.so"), strdup("libatm.so.1"), ELFCLASS64};
	rep.n = rep.cap = 1;
	struct strv added = STRV_INIT, recheck = STRV_INIT;
	assert_int_equal(strv_push(&added, "/usr/lib64/libtinfo.so.6"), 0);
	assert_int_equal(strv_push(&recheck, "/usr/lib/tc/q_atm.so"), 0);
	assert_int_equal(strv_push(&recheck, "/odd\tname\nhere"), 0);
	assert_int_equal(strv_push(&recheck, "nsswitch.conf:2:62"), 0);
	assert_int_equal(elfscan_write(fd, &rep, &added, &recheck), 0);

	struct strv a2 = STRV_INIT, r2 = STRV_INIT;
	/* it misses something, and says what to look at again: not "read all" */
	assert_int_equal(elfscan_read_added(fd, &a2, &r2), 0);
	assert_int_equal(a2.n, 1);
	assert_string_equal(a2.v[0], "/usr/lib64/libtinfo.so.6");
	assert_int_equal(r2.n, 3);
	assert_string_equal(r2.v[0], "/usr/lib/tc/q_atm.so");
	assert_string_equal(r2.v[1], "/odd\tname\nhere");
	assert_string_equal(r2.v[2], "nsswitch.conf:2:62");

	struct elf_report back;
	struct strv a3 = STRV_INIT;
	assert_int_equal(elfscan_read(fd, &back, &a3), 0); /* check's reader skips recheck */
	assert_int_equal(back.n, 1);
	assert_string_equal(back.v[0].lib, "libatm.so.1");
	assert_int_equal(back.v[0].elfclass, ELFCLASS64);
	assert_int_equal(back.files, 7);
	assert_int_equal(a3.n, 1);
	elf_report_release(&back);
	elf_report_release(&rep);
	strv_clear(&added);
	strv_clear(&recheck);
	strv_clear(&a2);
	strv_clear(&r2);
	strv_clear(&a3);
	cleanup(fd, dir);
}

static void put(int fd, const char *text)
{
	int f = openat(fd, "elfdeps", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(f >= 0);
	assert_int_equal(write(f, text, strlen(text)), (ssize_t)strlen(text));
	close(f);
}

static void test_older_and_damaged(void **state)
{
	(void)state;
	char dir[64];
	int fd = tmpdir(dir, sizeof(dir));
	struct strv a = STRV_INIT, r = STRV_INIT;
	/* written before the recheck list: missing something means read all */
	put(fd, "unicage-elfdeps 1\nchecked 2 1\nadded\t/lib64\n"
		"missing\t64\t/usr/bin/bash\tlibtinfo.so.6\n");
	assert_int_equal(elfscan_read_added(fd, &a, &r), 1);
	assert_int_equal(a.n, 1);
	assert_int_equal(r.n, 0);
	strv_clear(&a);
	/* nothing missing: the list alone */
	put(fd, "unicage-elfdeps 1\nchecked 2 1\nadded\t/lib64\n");
	assert_int_equal(elfscan_read_added(fd, &a, &r), 0);
	assert_int_equal(a.n, 1);
	strv_clear(&a);
	/* damaged: nothing known (update then takes no additions: a new set) */
	put(fd, "unicage-elfdeps 1\nbogus line\n");
	assert_int_equal(elfscan_read_added(fd, &a, &r), 0);
	assert_int_equal(a.n, 0);
	assert_int_equal(r.n, 0);
	cleanup(fd, dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_older_and_damaged),
	};
	return cmocka_run_group_tests_name("elfscan", tests, NULL, NULL);
}
