/* The slot records (mount/slots.c) and the /proc scan (mount/procs.c):
 * which records count as slots, what is read from them, the order, the
 * processes counted. No root: no handle is bound, so no slot is "bound". */
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

#include "lib/config.h"
#include "lib/statepath.h"
#include "mount/procs.h"
#include "mount/slots.h"

static char run[64], nsd[96];

static int setup(void **state)
{
	snprintf(run, sizeof(run), "/tmp/uc-test-slots.XXXXXX");
	assert_non_null(mkdtemp(run));
	snprintf(nsd, sizeof(nsd), "%s/ns", run);
	assert_int_equal(mkdir(nsd, 0700), 0);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", run);
	return system(cmd);
}

static void put(const char *user, const char *name, const char *text)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/.slots/%s/%s", nsd, user, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static ino_t self_mnt(void)
{
	struct stat st;
	assert_int_equal(stat("/proc/self/ns/mnt", &st), 0);
	return st.st_ino;
}

static void test_scan(void **state)
{
	int nsdir = open(nsd, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(nsdir >= 0);
	int ud = slots_user_dir(nsdir, "bob", true);
	assert_true(ud >= 0);
	close(ud);
	ud = slots_user_dir(nsdir, "alice", true);
	assert_true(ud >= 0);
	close(ud);
	put("alice", "12.info", "uid=1001\ngen=gen-000002\nmode=bind\nino=77\npidns=5\n");
	put("alice", "3.info", "uid=1001\ngen=gen-000001\nmode=overlay\nino=0\n");
	put("alice", "lock", "");
	put("alice", "init", "pid=1 pidns=2 ipcns=3\n");
	put("alice", "x.info", "uid=1\n");
	put("alice", "1234567890.info", "uid=1\n"); /* more than 9 digits */
	put("alice", "4.info", "");		    /* empty: not a slot */
	put("bob", "1.info", "uid=1002\ngen=gen-000002\nmode=overlay\n");
	struct nsproc pv[] = {{10, 77}, {11, 77}, {12, 78}};
	struct procs ps = {pv, 3};
	struct slotlist l;
	assert_int_equal(slots_scan(nsdir, NULL, &ps, &l), 0);
	assert_int_equal(l.n, 3);
	/* by user, then by number (12 after 3, not before) */
	assert_string_equal(l.v[0].user, "alice");
	assert_int_equal(l.v[0].n, 3);
	assert_int_equal(l.v[0].mode, UC_CAGE_OVERLAY);
	assert_int_equal(l.v[1].n, 12);
	assert_int_equal(l.v[1].uid, 1001);
	assert_string_equal(l.v[1].gen, "gen-000002");
	assert_int_equal(l.v[1].mode, UC_CAGE_BIND);
	assert_int_equal(l.v[1].ino, 77);
	assert_int_equal(l.v[1].pidns, 5);
	assert_false(l.v[1].bound);
	assert_int_equal(l.v[1].procs, 2);
	assert_string_equal(l.v[2].user, "bob");
	slotlist_release(&l);
	assert_int_equal(slots_scan(nsdir, "bob", &ps, &l), 0);
	assert_int_equal(l.n, 1);
	slotlist_release(&l);
	assert_int_equal(slots_scan(nsdir, "carol", &ps, &l), 0); /* none */
	assert_int_equal(l.n, 0);
	slotlist_release(&l);
	close(nsdir);
}

static void test_newest_and_list(void **state)
{
	struct uc_config cfg = {.run_dir = run};
	struct uc_error err = {0};
	struct slot s;
	struct slotlist l;
	/* no records: nothing listed, no newest slot */
	assert_int_equal(slots_list(&cfg, NULL, &l, &err), 0);
	assert_int_equal(l.n, 0);
	slotlist_release(&l);
	assert_int_equal(slots_newest(&cfg, "alice", &s, &err), -ENOENT);
	assert_int_equal(err.kind, UC_NOTFOUND);
	/* a record whose handle is not bound is no slot to join */
	int nsdir = open(nsd, O_PATH | O_DIRECTORY | O_CLOEXEC);
	close(slots_user_dir(nsdir, "alice", true));
	close(nsdir);
	put("alice", "1.info", "uid=1001\ngen=gen-000001\nmode=overlay\n");
	assert_int_equal(slots_list(&cfg, "alice", &l, &err), 0);
	assert_int_equal(l.n, 1);
	slotlist_release(&l);
	assert_int_equal(slots_newest(&cfg, "alice", &s, &err), -ENOENT);
	assert_int_equal(err.kind, UC_NOTFOUND);
	char h[160];
	assert_int_equal(statepath_ns_slot(&cfg, "alice", 7, h, sizeof(h)), 0);
	assert_non_null(strstr(h, "/ns/alice.7"));
	/* no run_dir/ns at all: no slots, not an error */
	struct uc_config none = {.run_dir = "/nonexistent/unicage"};
	assert_int_equal(slots_list(&none, NULL, &l, &err), 0);
	assert_int_equal(l.n, 0);
}

static void test_procs(void **state)
{
	struct procs ps;
	assert_int_equal(procs_scan(&ps), 0);
	/* this process at least is in its own mount namespace */
	assert_true(procs_in(&ps, self_mnt()) >= 1);
	assert_int_equal(procs_in(&ps, 0), 0); /* a slot being built counts none */
	free(ps.v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_scan, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_newest_and_list, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_procs, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
