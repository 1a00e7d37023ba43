/* Choosing packages as dnf does (rpmscan/select.c): by name, by virtual
 * provide, by file path; all or nothing; what provides a capability. Real
 * databases from ../shared/data/rpmdb (a sqlite one, and a Berkeley DB
 * Packages without index files, read header by header), copied into a
 * temporary sysroot. No root needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/error.h"
#include "rpmscan/rpmscan.h"

static char tmp[PATH_MAX / 4];
static char sq[PATH_MAX / 2], bdb[PATH_MAX / 2];

static int setup(void **state)
{
	(void)state;
	const char *shared = getenv("UNICAGE_SHARED") ? getenv("UNICAGE_SHARED") : "../shared";
	char cmd[PATH_MAX * 8];
	snprintf(tmp, sizeof(tmp), "/tmp/uc-rpmselect.XXXXXX");
	if (!mkdtemp(tmp))
		return -1;
	snprintf(sq, sizeof(sq), "%s/sq", tmp);
	snprintf(bdb, sizeof(bdb), "%s/bdb", tmp);
	int n = snprintf(
	    cmd, sizeof(cmd),
	    "mkdir -p %s/var/lib/rpm %s/var/lib/rpm && cp %s/data/rpmdb/rpm-tests/rpmdb.sqlite "
	    "%s/var/lib/rpm/ && cp %s/data/rpmdb/libuuid/Packages %s/var/lib/rpm/ && chmod u+w "
	    "%s/var/lib/rpm/* %s/var/lib/rpm/* 2>/dev/null",
	    sq, bdb, shared, sq, shared, bdb, sq, bdb);
	if (n >= (int)sizeof(cmd) || system(cmd) != 0)
		tmp[0] = '\0'; /* no shared data: the tests skip */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[PATH_MAX];
	if (tmp[0]) {
		if (snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp) >= (int)sizeof(cmd) ||
		    system(cmd) != 0)
			return -1;
	}
	return 0;
}

/* resolve specs (space-separated) in root: the names found, "|", the vias */
static int resolve(const char *root, const char *specs, char *out, size_t size)
{
	struct strv in = STRV_INIT, names = STRV_INIT, via = STRV_INIT;
	strv_split(&in, specs, " ");
	struct rpmscan_opts o = {.sysroot = root, .packages = &in};
	struct uc_error err = {0};
	int r = rpmscan_resolve(&o, &names, &via, &err);
	size_t n = 0;
	out[0] = '\0';
	for (size_t i = 0; i < names.n; i++)
		n += (size_t)snprintf(out + n, size - n, "%s%s", i ? " " : "", names.v[i]);
	n += (size_t)snprintf(out + n, size - n, "|");
	for (size_t i = 0; i < via.n; i++)
		n += (size_t)snprintf(out + n, size - n, "%s%s", i ? "," : "", via.v[i]);
	strv_clear(&in);
	strv_clear(&names);
	strv_clear(&via);
	return r < 0 ? (int)err.kind : 0;
}

static void test_sqlite(void **state)
{
	(void)state;
	if (!tmp[0])
		skip();
	char out[1024];
	assert_int_equal(resolve(sq, "foo", out, sizeof(out)), 0);
	assert_string_equal(out, "foo|");
	assert_int_equal(resolve(sq, "hi", out, sizeof(out)), 0); /* a virtual provide */
	assert_string_equal(out, "foo|hi\tfoo");
	assert_int_equal(resolve(sq, "/bin/sh", out, sizeof(out)), 0); /* a path provide */
	assert_string_equal(out, "hlinktest|/bin/sh\thlinktest");
	/* one unknown: not found, and nothing of the call */
	assert_int_equal(resolve(sq, "foo nosuchthing", out, sizeof(out)), UC_NOTFOUND);
	assert_string_equal(out, "|");
	assert_int_equal(resolve(sq, "nosuchthing", out, sizeof(out)), UC_NOTFOUND);
}

static void test_unindexed(void **state)
{
	(void)state;
	if (!tmp[0])
		skip();
	char out[1024];
	assert_int_equal(resolve(bdb, "libuuid", out, sizeof(out)), 0);
	assert_string_equal(out, "libuuid|");
	assert_int_equal(resolve(bdb, "libuuid.so.1()(64bit)", out, sizeof(out)), 0);
	assert_string_equal(out, "libuuid|libuuid.so.1()(64bit)\tlibuuid");
	assert_int_equal(resolve(bdb, "/usr/lib64/libuuid.so.1", out, sizeof(out)), 0);
	assert_string_equal(out, "libuuid|/usr/lib64/libuuid.so.1\tlibuuid");
	assert_int_equal(resolve(bdb, "/usr/lib64/nosuch.so", out, sizeof(out)), UC_NOTFOUND);

	struct strv caps = STRV_INIT, pk = STRV_INIT;
	strv_push(&caps, "libuuid.so.1()(64bit)");
	strv_push(&caps, "libtinfo.so.6()(64bit)");
	struct rpmscan_opts o = {.sysroot = bdb};
	struct uc_error err = {0};
	assert_int_equal(rpmscan_whatprovides(&o, &caps, &pk, &err), 0);
	assert_int_equal(pk.n, 2);
	assert_string_equal(pk.v[0], "libuuid");
	assert_string_equal(pk.v[1], "");
	strv_clear(&caps);
	strv_clear(&pk);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sqlite),
	    cmocka_unit_test(test_unindexed),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
