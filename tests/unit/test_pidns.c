/* The user's init record and the cage's namespace handles (mount/pidns.c):
 * what counts as a live init, what makes a slot's namespaces unusable.
 * No root: the "init" is this process, the handles plain files. */
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
#include "mount/pidns.h"

static char run[64], nsd[96];

static ino_t self_ns(const char *kind)
{
	char p[64];
	struct stat st;
	snprintf(p, sizeof(p), "/proc/self/ns/%s", kind);
	return stat(p, &st) == 0 ? st.st_ino : 0;
}

static void put_record(const char *text)
{
	char p[160];
	snprintf(p, sizeof(p), "%s/.slots", nsd);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/.slots/alice", nsd);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/.slots/alice/init", nsd);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	snprintf(run, sizeof(run), "/tmp/uc-test-pidns.XXXXXX");
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

static void test_record(void **state)
{
	struct cage_init ci;
	int nsdir = open(nsd, O_PATH | O_DIRECTORY);
	assert_int_equal(pidns_init_get(nsdir, "alice", &ci), -ENOENT); /* none */
	put_record("garbage\n");
	assert_int_equal(pidns_init_get(nsdir, "alice", &ci), -ENOENT);
	char text[160];
	snprintf(text, sizeof(text), "pid=%d\npidns=%llu\nipcns=%llu\n", (int)getpid(),
		 (unsigned long long)self_ns("pid"), (unsigned long long)self_ns("ipc"));
	put_record(text);
	assert_int_equal(pidns_init_get(nsdir, "alice", &ci), 0); /* "alive": ours */
	assert_int_equal(ci.pid, getpid());
	/* a recycled pid: the process is in another pid namespace */
	snprintf(text, sizeof(text), "pid=%d\npidns=%llu\nipcns=%llu\n", (int)getpid(),
		 (unsigned long long)self_ns("pid") + 1, (unsigned long long)self_ns("ipc"));
	put_record(text);
	assert_int_equal(pidns_init_get(nsdir, "alice", &ci), -ESRCH);
	/* a dead init not reaped yet still shows its pid namespace, not its IPC */
	snprintf(text, sizeof(text), "pid=%d\npidns=%llu\nipcns=%llu\n", (int)getpid(),
		 (unsigned long long)self_ns("pid"), (unsigned long long)self_ns("ipc") + 1);
	put_record(text);
	assert_int_equal(pidns_init_get(nsdir, "alice", &ci), -ESRCH);
	close(nsdir);
}

/* run_dir/ns/.pidns/<inode> -> user: a hint, believed only when the
 * user's record has that namespace and her init is alive */
static void put_index(ino_t ino, const char *target)
{
	char p[160];
	snprintf(p, sizeof(p), "%s/.pidns", nsd);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/.pidns/%llu", nsd, (unsigned long long)ino);
	unlink(p);
	assert_int_equal(symlink(target, p), 0);
}

static void test_user_of(void **state)
{
	char user[64], text[160];
	int nsdir = open(nsd, O_PATH | O_DIRECTORY);
	ino_t me = self_ns("pid");
	assert_int_equal(pidns_user_of(nsdir, me, user, sizeof(user)), -ENOENT); /* no index */
	put_index(me, "alice");
	assert_int_equal(pidns_user_of(nsdir, me, user, sizeof(user)), -ENOENT); /* no record */
	snprintf(text, sizeof(text), "pid=%d\npidns=%llu\nipcns=%llu\n", (int)getpid(),
		 (unsigned long long)me, (unsigned long long)self_ns("ipc"));
	put_record(text);
	assert_int_equal(pidns_user_of(nsdir, me, user, sizeof(user)), 0);
	assert_string_equal(user, "alice");
	/* a stale entry: another namespace's inode, alice's record says hers */
	put_index(me + 1, "alice");
	assert_int_equal(pidns_user_of(nsdir, me + 1, user, sizeof(user)), -ENOENT);
	/* an entry that names a path, or nobody */
	put_index(me, "../alice");
	assert_int_equal(pidns_user_of(nsdir, me, user, sizeof(user)), -ENOENT);
	put_index(me, "bob");
	assert_int_equal(pidns_user_of(nsdir, me, user, sizeof(user)), -ENOENT);
	/* a name longer than the buffer is refused, not cut */
	put_index(me, "alice");
	assert_int_equal(pidns_user_of(nsdir, me, user, 5), -ENOENT);
	close(nsdir);
}

static void test_ns_open(void **state)
{
	struct uc_config cfg = {.run_dir = run};
	char text[160];
	snprintf(text, sizeof(text), "pid=%d\npidns=%llu\nipcns=%llu\n", (int)getpid(),
		 (unsigned long long)self_ns("pid"), (unsigned long long)self_ns("ipc"));
	put_record(text);
	struct slot s = {.pidns = self_ns("pid")};
	snprintf(s.user, sizeof(s.user), "alice");
	int p, i;
	/* no handles bound: unusable (the full binary rebuilds) */
	assert_int_equal(pidns_open(&cfg, &s, &p, &i), -ESRCH);
	assert_int_equal(p, -1);
	assert_false(pidns_alive(&cfg, &s));
	/* handles that are not the recorded namespaces: unusable */
	char h[160];
	snprintf(h, sizeof(h), "%s/alice.pid", nsd);
	close(open(h, O_CREAT | O_WRONLY, 0600));
	snprintf(h, sizeof(h), "%s/alice.ipc", nsd);
	close(open(h, O_CREAT | O_WRONLY, 0600));
	assert_int_equal(pidns_open(&cfg, &s, &p, &i), -ESRCH);
	/* a slot built on another pid namespace than the live one */
	s.pidns = self_ns("pid") + 1;
	assert_int_equal(pidns_open(&cfg, &s, &p, &i), -ESRCH);
	char path[160];
	assert_int_equal(statepath_ns_kind(&cfg, "alice", "pid", path, sizeof(path)), 0);
	assert_non_null(strstr(path, "/ns/alice.pid"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_record, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_user_of, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ns_open, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
