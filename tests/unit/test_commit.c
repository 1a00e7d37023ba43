/* Import's crash-safe commit (mount/treeswap.c), without root: two trees in
 * a temporary directory (one replacing an existing tree, one new), the
 * commit killed (SIGKILL, in a child) at each of its points, then recovery
 * in this process: every tree is the new one, the old ones and the record
 * are gone. A record that does not parse is refused and left alone; the
 * names of temporary directories are told apart by user. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mount/treeswap.h"
#include "lib/config.h"
#include "lib/store.h"

static void test_tmp_names(void **state)
{
	(void)state;
	char buf[64];
	import_tmp_name(buf, sizeof(buf), "alice", 123);
	assert_string_equal(buf, ".import-alice.123");
	assert_true(is_import_tmp(".import-alice.123", "alice"));
	assert_false(is_import_tmp(".import-alice.x.1", "alice")); /* alice.x's */
	assert_true(is_import_tmp(".import-alice.x.1", "alice.x"));
	assert_false(is_import_tmp(".import-alice.", "alice"));
	assert_false(is_import_tmp(".import-alice.12a", "alice"));
	assert_false(is_import_tmp(".import-alice", "alice"));
	assert_false(is_import_tmp("import-alice.1", "alice"));
	assert_false(is_import_tmp(".import-alic.1", "alice"));
}

struct fx {
	char root[64];
	struct uc_config cfg;
};

static void put(const char *dir, const char *name, const char *text)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *get(const char *path)
{
	static char buf[64];
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void fx_setup(struct fx *x)
{
	snprintf(x->root, sizeof(x->root), "/tmp/uc-commit.XXXXXX");
	assert_non_null(mkdtemp(x->root));
	assert_int_equal(uc_config_init(&x->cfg), 0);
	char p[256];
	snprintf(p, sizeof(p), "%s/state", x->root);
	mkdir(p, 0700);
	free(x->cfg.state_dir);
	x->cfg.state_dir = strdup(p);
	snprintf(p, sizeof(p), "%s/etc", x->root);
	free(x->cfg.config_dir);
	x->cfg.config_dir = strdup(p);
	snprintf(p, sizeof(p), "%s/cages", x->root);
	free(x->cfg.cages_dir);
	x->cfg.cages_dir = strdup(p);
	snprintf(p, sizeof(p), "%s/passwd", x->root); /* nobody: no /etc to make */
	put(x->root, "passwd", "");
	free(x->cfg.passwd_file);
	x->cfg.passwd_file = strdup(p);
}

static void fx_teardown(struct fx *x)
{
	int d = open("/tmp", O_RDONLY | O_DIRECTORY);
	store_rm_tree(d, x->root + 5);
	close(d);
	uc_config_release(&x->cfg);
}

/* Tree A replaces an old one (final exists), tree B is new (no final). */
static void prepare(struct fx *x, struct import_commit *c)
{
	char p[512];
	memset(c, 0, sizeof(*c));
	snprintf(c->user, sizeof(c->user), "alice");
	c->n = 2;
	snprintf(p, sizeof(p), "%s/a", x->root);
	mkdir(p, 0755);
	snprintf(c->t[0].final, sizeof(c->t[0].final), "%s/a/alice", x->root);
	mkdir(c->t[0].final, 0700);
	put(c->t[0].final, "v", "old");
	snprintf(c->t[0].tmp, sizeof(c->t[0].tmp), "%s/a/.import-alice.1", x->root);
	mkdir(c->t[0].tmp, 0700);
	snprintf(c->t[0].src, sizeof(c->t[0].src), "%.200s/tree", c->t[0].tmp);
	mkdir(c->t[0].src, 0755);
	put(c->t[0].src, "v", "new");
	snprintf(c->t[1].final, sizeof(c->t[1].final), "%s/b", x->root);
	snprintf(c->t[1].tmp, sizeof(c->t[1].tmp), "%s/.import-alice.1", x->root);
	mkdir(c->t[1].tmp, 0700); /* the tree is the temporary dir itself */
	snprintf(c->t[1].src, sizeof(c->t[1].src), "%s", c->t[1].tmp);
	put(c->t[1].src, "v", "new");
}

static void assert_committed(struct fx *x, const struct import_commit *c)
{
	char p[512];
	snprintf(p, sizeof(p), "%.400s/v", c->t[0].final);
	assert_string_equal(get(p), "new");
	snprintf(p, sizeof(p), "%.400s/v", c->t[1].final);
	assert_string_equal(get(p), "new");
	assert_int_equal(access(c->t[0].tmp, F_OK), -1); /* the old tree is gone */
	assert_int_equal(access(c->t[1].tmp, F_OK), -1);
	snprintf(p, sizeof(p), "%s/imports/alice.intent", x->cfg.state_dir);
	assert_int_equal(access(p, F_OK), -1);
}

static void test_commit_whole(void **state)
{
	(void)state;
	struct fx x;
	struct import_commit c;
	struct uc_error err = {0};
	fx_setup(&x);
	prepare(&x, &c);
	assert_int_equal(import_commit(&x.cfg, &c, &err), 0);
	assert_committed(&x, &c);
	fx_teardown(&x);
}

/* import_commit in a child told to kill itself at point k: its wait status. */
static int commit_in_child(struct fx *x, struct import_commit *c, int k)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct uc_error err = {0};
		char v[16];
		snprintf(v, sizeof(v), "%d", k);
		setenv("UNICAGE_TEST_IMPORT_CRASH", v, 1);
		import_commit(&x->cfg, c, &err);
		_exit(0);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

/* Killed at point k, then recovered here: true. False when the commit has
 * fewer points than k (it ran to its end, nothing to recover). */
static bool crash_then_recover(int k)
{
	struct fx x;
	struct import_commit c;
	struct uc_error err = {0};
	fx_setup(&x);
	prepare(&x, &c);
	int status = commit_in_child(&x, &c, k);
	bool killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
	assert_true(killed || (WIFEXITED(status) && WEXITSTATUS(status) == 0));
	/* at no point is a final place missing that existed */
	assert_int_equal(access(c.t[0].final, F_OK), 0);
	if (killed)
		assert_int_equal(import_recover_locked(&x.cfg, "alice", &err), 1);
	assert_committed(&x, &c);
	assert_int_equal(import_recover_locked(&x.cfg, "alice", &err), 0); /* nothing left */
	fx_teardown(&x);
	return killed;
}

static void test_crash_points(void **state)
{
	(void)state;
	/* every point the commit has, counted by running it: killed at k = 1,
	 * 2, ... until a run with k past its last point ends by itself (the
	 * points are the record made durable, one after each swap, after /etc,
	 * after the old trees are removed: more trees, more points) */
	int k = 1;
	while (crash_then_recover(k))
		k++;
	assert_true(k - 1 >= 5);
	assert_true(k - 1 < 100);
}

/* The new tree removed by hand after a crash: recovery cannot finish, says
 * how to give the import up, and changes nothing. */
static void test_stuck(void **state)
{
	(void)state;
	struct fx x;
	struct import_commit c;
	struct uc_error err = {0};
	fx_setup(&x);
	prepare(&x, &c);
	commit_in_child(&x, &c, 1);
	char p[512];
	snprintf(p, sizeof(p), "%s/a/.import-alice.1", x.root);
	int d = open(p, O_RDONLY | O_DIRECTORY);
	store_rm_tree(d, "tree");
	close(d);
	assert_true(import_recover_locked(&x.cfg, "alice", &err) < 0);
	assert_non_null(strstr(err.msg, "imports/alice.intent"));
	snprintf(p, sizeof(p), "%s/a/alice/v", x.root);
	assert_string_equal(get(p), "old"); /* nothing moved */
	snprintf(p, sizeof(p), "%s/imports/alice.intent", x.cfg.state_dir);
	assert_int_equal(unlink(p), 0); /* given up as the message says */
	assert_int_equal(import_recover_locked(&x.cfg, "alice", &err), 0);
	fx_teardown(&x);
}

static void test_bad_record(void **state)
{
	(void)state;
	struct fx x;
	struct uc_error err = {0};
	fx_setup(&x);
	char p[512];
	snprintf(p, sizeof(p), "%s/imports", x.cfg.state_dir);
	mkdir(p, 0700);
	put(p, "alice.intent", "not a record");
	assert_true(import_recover_locked(&x.cfg, "alice", &err) < 0);
	assert_non_null(strstr(err.msg, "alice.intent"));
	snprintf(p, sizeof(p), "%s/imports/alice.intent", x.cfg.state_dir);
	assert_int_equal(access(p, F_OK), 0); /* left as it is */
	fx_teardown(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tmp_names),	 cmocka_unit_test(test_commit_whole),
	    cmocka_unit_test(test_crash_points), cmocka_unit_test(test_stuck),
	    cmocka_unit_test(test_bad_record),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
