/* The name lists of mount/policy.c (users.enabled, users.disabled,
 * exclude/ files): names once each, bad lines refused naming file:line;
 * one user's verdict (policy_user_verdict, the path of every exec) agrees
 * with the whole state's (policy_load, policy_verdict). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mount/policy.h"

#include <sys/stat.h>
#include <unistd.h>

static int parse(const char *text, size_t len, struct strv *out, struct uc_error *err)
{
	FILE *f = fmemopen((void *)text, len, "r");
	assert_non_null(f);
	int r = policy_parse_names(f, "exclude/panel", out, err);
	fclose(f);
	return r;
}

static void test_names(void **state)
{
	static const char text[] = "# panel accounts\nadmin\n\n  alice  \nadmin\nbob\n";
	struct strv sv = STRV_INIT;
	struct uc_error err = {0};
	assert_int_equal(parse(text, sizeof(text) - 1, &sv, &err), 0);
	assert_int_equal(sv.n, 3);
	assert_string_equal(sv.v[1], "alice");
	/* a second file appends what the first lacks */
	assert_int_equal(parse("bob\ncarol\n", 10, &sv, &err), 0);
	assert_int_equal(sv.n, 4);
	assert_string_equal(sv.v[3], "carol");
	strv_clear(&sv);
}

static void test_bad(void **state)
{
	static const char *const bad[] = {"ok\nbad name\n", "a/b\n", "a:b\n", "a\033[2Jb\n",
					  "a\x7f\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct strv sv = STRV_INIT;
		struct uc_error err = {0};
		assert_int_not_equal(parse(bad[i], strlen(bad[i]), &sv, &err), 0);
		assert_int_equal(err.kind, UC_BADREQUEST);
		if (!strstr(err.msg, i == 0 ? "exclude/panel:2: " : "exclude/panel:1: "))
			fail_msg("case %zu: '%s'", i, err.msg);
		strv_clear(&sv);
	}
}

/* 20,000 names and their repeats (a hash set; it searched the list per line) */
static void test_many(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	for (int i = 0; i < 40000; i++)
		fprintf(m, "user%d\n", i % 20000);
	fclose(m);
	struct strv sv = STRV_INIT;
	struct uc_error err = {0};
	assert_int_equal(parse(text, len, &sv, &err), 0);
	assert_int_equal(sv.n, 20000);
	strv_clear(&sv);
	free(text);
}

static char root[64];

static void put(const char *dir, const char *name, const char *text)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s/%s", root, dir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static enum user_verdict one(const struct uc_config *cfg, const char *name, uid_t uid, int *rc)
{
	struct uc_user u = {.name = (char *)name, .uid = uid, .gid = uid};
	enum user_verdict v = U_DISABLED;
	struct uc_error err = {0};
	*rc = policy_user_verdict(cfg, &u, &v, &err);
	return v;
}

/* every user of every state: the same verdict both ways */
static void test_verdict(void **state)
{
	snprintf(root, sizeof(root), "/tmp/uc-test-policy.XXXXXX");
	assert_non_null(mkdtemp(root));
	char st[128], conf[128], sub[160];
	snprintf(st, sizeof(st), "%s/state", root);
	snprintf(conf, sizeof(conf), "%s/etc", root);
	snprintf(sub, sizeof(sub), "%s/users", st);
	assert_int_equal(mkdir(st, 0755) | mkdir(sub, 0755) | mkdir(conf, 0755), 0);
	snprintf(sub, sizeof(sub), "%s/exclude", conf);
	assert_int_equal(mkdir(sub, 0755), 0);
	struct uc_config cfg;
	assert_int_equal(uc_config_init(&cfg), 0);
	free(cfg.state_dir);
	free(cfg.config_dir);
	cfg.state_dir = strdup(st);
	cfg.config_dir = strdup(conf);
	cfg.min_uid = 1000;
	put("etc/exclude", "panel", "# the panel's own\nadmin\n");
	put("etc/exclude", "broken", "carol\nnot a name\n"); /* excludes nobody */
	put("state/users", "users.enabled", "alice\nadmin\ncarol\n");
	put("state/users", "users.disabled", "bob\n");
	static const char *const modes[] = {"disable-all\n", "enable-all\n", ""};
	static const struct {
		const char *name;
		uid_t uid;
	} users[] = {{"alice", 1001}, {"bob", 1002},  {"carol", 1003},
		     {"admin", 1004}, {"dave", 1005}, {"daemon", 2}};
	for (size_t m = 0; m < 3; m++) {
		put("state/users", "mode", modes[m]);
		struct cage_users cu;
		struct uc_error err = {0};
		assert_int_equal(policy_load(&cfg, &cu, &err), 0);
		for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
			struct uc_user u = {.name = (char *)users[i].name, .uid = users[i].uid};
			int rc;
			enum user_verdict v = one(&cfg, users[i].name, users[i].uid, &rc);
			assert_int_equal(rc, 0);
			if (v != policy_verdict(&cfg, &cu, &u))
				fail_msg("mode %zu, %s: %d", m, users[i].name, (int)v);
		}
		policy_release(&cu);
	}
	int rc;
	put("state/users", "mode", "disable-all\n");
	assert_int_equal(one(&cfg, "alice", 1001, &rc), U_ENABLED);
	assert_int_equal(one(&cfg, "admin", 1004, &rc), U_EXCLUDED);
	assert_int_equal(one(&cfg, "carol", 1003, &rc), U_ENABLED);
	/* a bad line in the list not in force decides nothing; in the list in
	 * force it is an error (policy_load refuses both) */
	put("state/users", "users.disabled", "bob\nb/ad\n");
	assert_int_equal(one(&cfg, "alice", 1001, &rc), U_ENABLED);
	assert_int_equal(rc, 0);
	put("state/users", "mode", "enable-all\n");
	one(&cfg, "alice", 1001, &rc);
	assert_int_not_equal(rc, 0);
	uc_config_release(&cfg);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_bad),
	    cmocka_unit_test(test_many),
	    cmocka_unit_test(test_verdict),
	};
	return cmocka_run_group_tests_name("cage users", tests, NULL, NULL);
}
