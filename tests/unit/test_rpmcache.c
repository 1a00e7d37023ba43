/* skel/rpm-files (skel/rpmcache.c): the packages' files round-trip, a
 * damaged file is an empty cache (the rpmdb is read again), and the key
 * follows the rpmdb files' identity and rpm.list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "skel/rpmcache.h"

static char dir[] = "/tmp/uc-rpmcache-XXXXXX";
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
	char cmd[64];
	close(dfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void test_round_trip(void **state)
{
	struct rpmcache c = {0}, r;
	struct uc_error err = {0};
	c.key = strdup("Packages:1:2:3:4.5:6.7; rpms:bash, local:/etc,");
	c.ghosts = 42;
	assert_int_equal(rpmcache_add(&c, "/usr/bin/bash", 's', "bash-4.4.20-1.el8_4.x86_64"), 0);
	assert_int_equal(rpmcache_add(&c, "/etc/odd\tname\\x", 'c', "setup-2.12.2-6.el8.noarch"),
			 0);
	assert_int_equal(rpmcache_write(&c, dfd, &err), 0);
	assert_int_equal(rpmcache_read(&r, dfd), 0);
	assert_string_equal(r.key, c.key);
	assert_int_equal(r.ghosts, 42);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.v[1].path, "/etc/odd\tname\\x");
	assert_int_equal(r.v[1].cls, 'c');
	assert_string_equal(r.v[0].nevra, "bash-4.4.20-1.el8_4.x86_64");
	rpmcache_release(&r);
	/* cut short: no key, nothing (the rpmdb is read again) */
	int fd = openat(dfd, "rpm-files", O_RDWR);
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(ftruncate(fd, st.st_size - 3), 0);
	close(fd);
	assert_int_equal(rpmcache_read(&r, dfd), 0);
	assert_null(r.key);
	assert_int_equal(r.n, 0);
	rpmcache_release(&c);
}

static void test_key(void **state)
{
	char root[PATH_MAX], p[PATH_MAX + 32];
	snprintf(root, sizeof(root), "%s/root", dir);
	snprintf(p, sizeof(p), "%s/var/lib/rpm", root);
	char cmd[PATH_MAX * 3];
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s' && echo db > '%s/rpmdb.sqlite'", p, p);
	assert_int_equal(system(cmd), 0);
	int rootfd = open(root, O_PATH | O_DIRECTORY);
	struct uc_config cfg = {0};
	struct strv rpms = STRV_INIT;
	strv_push(&rpms, "bash");
	char *k1 = NULL, *k2 = NULL, *k3 = NULL;
	bool sqlite = false;
	assert_int_equal(rpmcache_key(rootfd, &cfg, &rpms, &k1, &sqlite), 0);
	assert_true(sqlite);
	assert_non_null(strstr(k1, "rpmdb.sqlite:"));
	assert_int_equal(rpmcache_key(rootfd, &cfg, &rpms, &k2, &sqlite), 0);
	assert_string_equal(k1, k2); /* nothing changed: the same key */
	/* the database written (its times change): another key */
	struct timeval tv[2] = {{1000000000, 0}, {1000000000, 0}};
	snprintf(p, sizeof(p), "%s/var/lib/rpm/rpmdb.sqlite", root);
	assert_int_equal(utimes(p, tv), 0);
	assert_int_equal(rpmcache_key(rootfd, &cfg, &rpms, &k3, &sqlite), 0);
	assert_string_not_equal(k1, k3);
	free(k2);
	/* another rpm.list: another key */
	strv_push(&rpms, "coreutils-single");
	assert_int_equal(rpmcache_key(rootfd, &cfg, &rpms, &k2, &sqlite), 0);
	assert_string_not_equal(k2, k3);
	free(k1);
	free(k2);
	free(k3);
	strv_clear(&rpms);
	close(rootfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_key),
	};
	return cmocka_run_group_tests_name("rpmcache", tests, setup, teardown);
}
