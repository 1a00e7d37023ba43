/* Object keys (lib/objkey.c), exclude rules (unify/exclude.c) and the
 * candidate rules (unify/walk.c). No root needed. */
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

#include "lib/objkey.h"
#include "unify/exclude.h"
#include "unify/unify.h"

static int content_fd(const char *data)
{
	char path[] = "/tmp/uc-key-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	return fd;
}

static struct objkey key_of(int fd, const struct stat *st, const struct xattr_set *xa, bool mtime)
{
	struct objkey k;
	assert_int_equal(objkey_compute(fd, st, xa, mtime, &k), 0);
	return k;
}

static void assert_key_differs(const struct objkey *a, const struct objkey *b)
{
	assert_memory_not_equal(a->b, b->b, OBJKEY_LEN);
}

static void test_key_metadata(void **state)
{
	int fd = content_fd("same bytes\n");
	struct stat st = {.st_mode = S_IFREG | 0755, .st_uid = 0, .st_gid = 0, .st_size = 11};
	st.st_mtim.tv_sec = 1700000000;
	struct xattr_set none = {0};
	struct objkey base = key_of(fd, &st, &none, true);

	struct stat v = st;
	v.st_mode = S_IFREG | 04755; /* setuid */
	struct objkey k = key_of(fd, &v, &none, true);
	assert_key_differs(&base, &k);
	v = st;
	v.st_mode = S_IFREG | 0644;
	k = key_of(fd, &v, &none, true);
	assert_key_differs(&base, &k);
	v = st;
	v.st_uid = 1000;
	k = key_of(fd, &v, &none, true);
	assert_key_differs(&base, &k);
	v = st;
	v.st_gid = 5;
	k = key_of(fd, &v, &none, true);
	assert_key_differs(&base, &k);
	v = st;
	v.st_mtim.tv_sec++;
	k = key_of(fd, &v, &none, true);
	assert_key_differs(&base, &k);
	/* with mtime out of the identity, it does not matter */
	struct objkey a = key_of(fd, &st, &none, false), b = key_of(fd, &v, &none, false);
	assert_memory_equal(a.b, b.b, OBJKEY_LEN);
	/* deterministic */
	k = key_of(fd, &st, &none, true);
	assert_memory_equal(base.b, k.b, OBJKEY_LEN);
	close(fd);
}

static void test_key_xattrs(void **state)
{
	int fd = content_fd("same bytes\n");
	struct stat st = {.st_mode = S_IFREG | 0755, .st_size = 11};
	struct xattr_set none = {0};
	struct objkey base = key_of(fd, &st, &none, false);
	static const char *const kinds[] = {"system.posix_acl_access",
					    "system.posix_acl_default",
					    "security.capability",
					    "security.selinux",
					    "user.x",
					    "trusted.x"};
	struct objkey seen[6];
	for (size_t i = 0; i < 6; i++) {
		struct xattr x = {(char *)kinds[i], (void *)"\x02\x00", 2};
		struct xattr_set one = {&x, 1};
		seen[i] = key_of(fd, &st, &one, false);
		assert_key_differs(&base, &seen[i]);
		for (size_t j = 0; j < i; j++)
			assert_key_differs(&seen[j], &seen[i]);
		/* another value of the same xattr (an ACL entry changed) */
		struct xattr y = {(char *)kinds[i], (void *)"\x02\x01", 2};
		struct xattr_set other = {&y, 1};
		struct objkey k = key_of(fd, &st, &other, false);
		assert_key_differs(&seen[i], &k);
	}
	/* the content counts, too */
	int fd2 = content_fd("same bytez\n");
	struct objkey k2 = key_of(fd2, &st, &none, false);
	assert_key_differs(&base, &k2);
	close(fd2);
	close(fd);
}

static void test_names_and_compare(void **state)
{
	struct objkey k;
	char name[OBJNAME_MAX], hex[65];
	for (int i = 0; i < OBJKEY_LEN; i++)
		k.b[i] = (unsigned char)(0xab + i);
	objkey_hex(&k, hex);
	objkey_name(&k, 0, name, sizeof(name));
	assert_int_equal(strlen(name), 2 + 1 + 20);
	assert_memory_equal(name, hex, 2);
	assert_memory_equal(name + 3, hex + 2, 20);
	assert_int_equal(strlen(name) + 1, 24); /* "/" + name: the 24-byte redirect */
	objkey_name(&k, 2, name, sizeof(name));
	assert_string_equal(name + 23, ".2");
	int a = content_fd("abcdef"), b = content_fd("abcdef"), c = content_fd("abcdeg");
	assert_int_equal(file_contents_equal(a, b, 6), 1);
	assert_int_equal(file_contents_equal(a, c, 6), 0);
	assert_int_equal(file_contents_equal(a, b, 5), 0); /* longer than said: not equal */
	close(a);
	close(b);
	close(c);
}

static void test_exclude_parse(void **state)
{
	struct excludes ex = {0};
	struct uc_error err = {0};
	assert_int_equal(excludes_add(&ex, "  # comment", "t:1", &err), 0);
	assert_int_equal(excludes_add(&ex, "", "t:2", &err), 0);
	assert_int_equal(excludes_add(&ex, "+/usr/lib/keep/", "t:3", &err), 0);
	assert_int_equal(excludes_add(&ex, "-/usr/lib/", "t:4", &err), 0);
	assert_int_equal(excludes_add(&ex, "*.pyc", "t:5", &err), 0);
	assert_int_equal(excludes_add(&ex, "cache/", "t:6", &err), 0);
	assert_int_equal(ex.n, 4);
	assert_true(ex.v[0].include && ex.v[0].anchored && ex.v[0].dir_only);
	assert_string_equal(ex.v[0].pattern, "usr/lib/keep");
	assert_false(ex.v[1].include);
	assert_false(ex.v[2].anchored);
	assert_int_not_equal(excludes_add(&ex, "+", "t:7", &err), 0);
	assert_string_equal(err.msg, "t:7: empty pattern");
	assert_int_not_equal(excludes_add(&ex, "/", "t:8", &err), 0);
	assert_int_equal(err.kind, UC_BADREQUEST);
	assert_int_not_equal(excludes_add(&ex, "/a//b", "t:9", &err), 0);
	/* anchored "/x", which no path matches: found by tests/fuzz/fuzz_exclude.c */
	assert_int_not_equal(excludes_add(&ex, "-//x", "t:10", &err), 0);
	assert_string_equal(err.msg, "t:10: malformed pattern");
	excludes_release(&ex);
}

static void test_exclude_match(void **state)
{
	struct excludes ex = {0};
	excludes_add(&ex, "+/etc/ssl/certs/", "t", NULL);
	excludes_add(&ex, "*.pyc", "t", NULL);
	excludes_add(&ex, "/usr/share/doc/*/changelog*", "t", NULL);
	excludes_add(&ex, "cache/", "t", NULL);
	excludes_add_defaults(&ex);
	assert_int_equal(excludes_match(&ex, "/etc/passwd", false), EX_EXCLUDE);
	assert_int_equal(excludes_match(&ex, "/etc", true), EX_EXCLUDE);
	assert_int_equal(excludes_match(&ex, "/etc/ssl/certs/ca.pem", false), EX_INCLUDE);
	assert_int_equal(excludes_match(&ex, "/etcetera/x", false), EX_NONE);
	assert_int_equal(excludes_match(&ex, "/usr/bin/bash", false), EX_NONE);
	assert_int_equal(excludes_match(&ex, "/usr/lib/python3/x.pyc", false), EX_EXCLUDE);
	assert_int_equal(excludes_match(&ex, "/usr/share/doc/bash/changelog.gz", false),
			 EX_EXCLUDE);
	assert_int_equal(excludes_match(&ex, "/usr/share/doc/bash/copyright", false), EX_NONE);
	assert_int_equal(excludes_match(&ex, "/var/cache/x", false), EX_EXCLUDE);
	assert_int_equal(excludes_match(&ex, "/usr/cache/x", false), EX_EXCLUDE);
	assert_int_equal(excludes_match(&ex, "/usr/cache", false), EX_NONE); /* a file, not a dir */
	for (const char *d = "/home /root /tmp /dev /proc /sys /run /mnt /media /srv /boot /var";
	     *d;) {
		char p[32];
		size_t n = strcspn(d + 1, " ") + 1;
		snprintf(p, sizeof(p), "%.*s/f", (int)n, d);
		assert_int_equal(excludes_match(&ex, p, false), EX_EXCLUDE);
		d += n;
		d += strspn(d, " ");
	}
	/* an excluded directory is still walked when an include may match below */
	assert_true(excludes_include_below(&ex, "/etc"));
	assert_true(excludes_include_below(&ex, "/etc/ssl"));
	assert_false(excludes_include_below(&ex, "/var"));
	excludes_release(&ex);
}

static void test_candidates(void **state)
{
	struct unify_opts o = {.min_uid = 1000};
	struct stat st = {.st_mode = S_IFREG | 0755, .st_uid = 0, .st_size = 10};
	assert_null(unify_not_candidate(&o, &st));
	st.st_size = 0;
	assert_non_null(unify_not_candidate(&o, &st));
	st.st_size = 10;
	st.st_mode = S_IFREG | 0775;
	assert_string_equal(unify_not_candidate(&o, &st), "skipped: writable by group or others");
	st.st_mode = S_IFREG | 0757;
	assert_non_null(unify_not_candidate(&o, &st));
	st.st_mode = S_IFREG | 0755;
	st.st_uid = 1000; /* a user's copy of a system binary */
	assert_string_equal(unify_not_candidate(&o, &st), "skipped: not a candidate owner");
	st.st_uid = 2;
	assert_non_null(unify_not_candidate(&o, &st));
	o.system_owners = true;
	assert_null(unify_not_candidate(&o, &st));
	st.st_uid = 1000;
	assert_non_null(unify_not_candidate(&o, &st));
	st.st_uid = 0;
	st.st_mode = S_IFLNK | 0777;
	assert_non_null(unify_not_candidate(&o, &st));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_key_metadata),      cmocka_unit_test(test_key_xattrs),
	    cmocka_unit_test(test_names_and_compare), cmocka_unit_test(test_exclude_parse),
	    cmocka_unit_test(test_exclude_match),     cmocka_unit_test(test_candidates),
	};
	return cmocka_run_group_tests_name("unify", tests, NULL, NULL);
}
