/* Safe path helpers (lib/path.c), with openat2 and with the fallback walk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/path.h"

static char root[PATH_MAX / 2];
static int rootfd = -1;

static void mk(const char *rel, const char *content)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static void mkd(const char *rel)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static void lnk(const char *target, const char *rel)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(symlink(target, p), 0);
}

/* A tree: usr/lib/f, lib -> usr/lib, abs -> /usr/lib, up -> ../../../.., etc/x */
static int setup(void **st)
{
	snprintf(root, sizeof(root), "%s/uc-path-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(root));
	mkd("usr");
	mkd("usr/lib");
	mkd("etc");
	mk("usr/lib/f", "in-root");
	mk("etc/x", "x");
	lnk("usr/lib", "lib");
	lnk("/usr/lib", "abs");
	lnk("../../../../../../..", "up");
	lnk("/etc/passwd", "etc/passwd-link");
	rootfd = open(root, O_PATH | O_DIRECTORY);
	return rootfd < 0;
}

static int teardown(void **st)
{
	char cmd[PATH_MAX + 16];
	close(rootfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

static void read_is(int fd, const char *want)
{
	char buf[64] = {0};
	assert_true(fd >= 0);
	assert_true(read(fd, buf, sizeof(buf) - 1) >= 0);
	close(fd);
	assert_string_equal(buf, want);
}

static void in_root_cases(void)
{
	read_is(path_open_in_root(rootfd, "/usr/lib/f", O_RDONLY, 0), "in-root");
	read_is(path_open_in_root(rootfd, "lib/f", O_RDONLY, 0), "in-root");
	read_is(path_open_in_root(rootfd, "abs/f", O_RDONLY, 0),
		"in-root"); /* absolute link stays in */
	read_is(path_open_in_root(rootfd, "up/usr/lib/f", O_RDONLY, 0),
		"in-root"); /* .. stops at root */
	read_is(path_open_in_root(rootfd, "/../../etc/x", O_RDONLY, 0), "x");
	/* /etc/passwd-link -> /etc/passwd is the tree's (missing) passwd, not the host's */
	assert_int_equal(path_open_in_root(rootfd, "etc/passwd-link", O_RDONLY, 0), -ENOENT);
	/* O_NOFOLLOW on the last component: the link itself */
	assert_int_equal(path_open_in_root(rootfd, "lib", O_RDONLY | O_NOFOLLOW, 0), -ELOOP);
	int fd = path_open_in_root(rootfd, "lib", O_PATH | O_NOFOLLOW, 0);
	struct stat st;
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	close(fd);
	assert_int_equal(path_open_in_root(rootfd, "usr/nope", O_RDONLY, 0), -ENOENT);
}

static void beneath_cases(void)
{
	read_is(path_open_beneath(rootfd, "usr/lib/f", O_RDONLY, 0), "in-root");
	assert_int_equal(path_open_beneath(rootfd, "lib/f", O_RDONLY, 0), -ELOOP);
	assert_int_equal(path_open_beneath(rootfd, "abs/f", O_RDONLY, 0), -ELOOP);
	assert_int_equal(path_open_beneath(rootfd, "../x", O_RDONLY, 0), -EXDEV);
	assert_int_equal(path_open_beneath(rootfd, "/etc/x", O_RDONLY, 0), -EXDEV);
	assert_int_equal(path_open_beneath(rootfd, "lib", O_RDONLY | O_NOFOLLOW, 0), -ELOOP);
	int fd = path_open_beneath(rootfd, "etc/new", O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
}

static void resolved(const char *path, bool follow, const char *want, const char *want_links)
{
	char real[PATH_MAX], got[PATH_MAX] = "";
	struct strv links = STRV_INIT;
	int r = path_resolve_in_root(rootfd, path, follow, real, sizeof(real), &links);
	if (r < 0)
		fail_msg("%s: %s", path, strerror(-r));
	for (size_t i = 0; i < links.n; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", i ? " " : "",
			 links.v[i]);
	assert_string_equal(real, want);
	assert_string_equal(got, want_links);
	strv_clear(&links);
}

/* Real paths inside the tree, and the links met on the way. */
static void test_resolve(void **st)
{
	resolved("/usr/lib/f", false, "/usr/lib/f", "");
	resolved("/lib/f", false, "/usr/lib/f", "/lib");
	resolved("/abs/f", false, "/usr/lib/f", "/abs");
	resolved("/up/usr/lib/f", false, "/usr/lib/f", "/up"); /* .. stops at the root */
	resolved("/up/abs/f", false, "/usr/lib/f", "/up /abs");
	resolved("/lib", false, "/lib", "");
	resolved("/lib", true, "/usr/lib", "/lib");
	resolved("/lib/missing", false, "/usr/lib/missing", "/lib");
	/* an absolute link names the tree's own path, never the host's */
	resolved("/etc/passwd-link", true, "/etc/passwd", "/etc/passwd-link");
	resolved("/", true, "/", "");
	char real[PATH_MAX];
	assert_int_equal(
	    path_resolve_in_root(rootfd, "/usr/nope/x", false, real, sizeof(real), NULL), -ENOENT);
	assert_int_equal(path_resolve_in_root(rootfd, "/etc/x/y", false, real, sizeof(real), NULL),
			 -ENOTDIR);
	lnk("loop2", "loop1");
	lnk("loop1", "loop2");
	assert_int_equal(path_resolve_in_root(rootfd, "/loop1/x", false, real, sizeof(real), NULL),
			 -ELOOP);
}

/* Whether this kernel (and any seccomp filter around the test) gives
 * openat2: lib/path.c falls back silently without it, and the test below
 * would then test the fallback a second time. */
static bool openat2_works(void)
{
	struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_BENEATH};
	long fd = syscall(SYS_openat2, AT_FDCWD, ".", &how, sizeof(how));
	if (fd >= 0)
		close((int)fd);
	return fd >= 0 || (errno != ENOSYS && errno != EPERM);
}

static void test_openat2(void **st)
{
	if (!openat2_works()) {
		printf("openat2 is not available here (%s): only the fallback walk is tested\n",
		       strerror(errno));
		skip();
	}
	path_force_fallback(false);
	in_root_cases();
	beneath_cases();
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/etc/new", root);
	unlink(p);
}

static void test_fallback(void **st)
{
	path_force_fallback(true);
	in_root_cases();
	beneath_cases();
	path_force_fallback(false);
}

static void test_string_helpers(void **st)
{
	char buf[16];
	assert_true(path_is_clean_absolute("/"));
	assert_true(path_is_clean_absolute("/a/b"));
	assert_false(path_is_clean_absolute("/a/"));
	assert_false(path_is_clean_absolute("/a//b"));
	assert_false(path_is_clean_absolute("/a/./b"));
	assert_false(path_is_clean_absolute("/a/../b"));
	assert_false(path_is_clean_absolute("a"));
	assert_false(path_is_clean_absolute(""));
	assert_true(path_is_clean_relative("a/b"));
	assert_false(path_is_clean_relative("/a"));
	assert_false(path_is_clean_relative(".."));
	assert_false(path_is_clean_relative(""));
	assert_true(path_has_prefix("/etc/x", "/etc"));
	assert_true(path_has_prefix("/etc", "/etc/"));
	assert_false(path_has_prefix("/etcx", "/etc"));
	assert_true(path_has_prefix("/anything", "/"));
	assert_int_equal(path_join(buf, sizeof(buf), "/a/", "/b"), 0);
	assert_string_equal(buf, "/a/b");
	assert_int_equal(path_join(buf, sizeof(buf), "/", "b"), 0);
	assert_string_equal(buf, "/b");
	assert_int_equal(path_join(buf, sizeof(buf), "/a", ""), 0);
	assert_string_equal(buf, "/a");
	assert_int_equal(path_join(buf, sizeof(buf), "/0123456789", "abcdef"), -ENAMETOOLONG);
}

/* How many fds this process has open (a failed open must leave none). */
static int open_fds(void)
{
	_cleanup_closedir_ DIR *d = opendir("/proc/self/fd");
	int n = 0;
	while (d && readdir(d))
		n++;
	return n;
}

static size_t count_entries(DIR *d)
{
	size_t n = 0;
	while (readdir(d))
		n++;
	return n;
}

static void test_opendir_at(void **state)
{
	(void)state;
	int before = open_fds();
	/* a symlink to a directory is refused, not followed; a file too */
	errno = 0;
	assert_null(path_opendir_at(rootfd, "lib"));
	assert_true(errno == ELOOP || errno == ENOTDIR);
	errno = 0;
	assert_null(path_opendir_at(rootfd, "etc/x"));
	assert_int_equal(errno, ENOTDIR);
	assert_null(path_opendir_at(rootfd, "nothing"));
	assert_int_equal(errno, ENOENT);
	assert_int_equal(open_fds(), before); /* nothing left open by a refusal */
	_cleanup_closedir_ DIR *usr = path_opendir_at(rootfd, "usr");
	assert_non_null(usr);
	assert_int_equal(count_entries(usr), 3); /* . .. lib */
	/* the fd itself, read to the end already: a stream on it starts at the top */
	{
		_cleanup_closedir_ DIR *again = path_opendir_at(dirfd(usr), NULL);
		assert_non_null(again);
		assert_int_equal(count_entries(again), 3);
	}
	closedir(steal_pointer(&usr));
	assert_int_equal(open_fds(), before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_string_helpers), cmocka_unit_test(test_openat2),
	    cmocka_unit_test(test_fallback),	   cmocka_unit_test(test_resolve),
	    cmocka_unit_test(test_opendir_at),
	};
	return cmocka_run_group_tests_name("path", tests, setup, teardown);
}
