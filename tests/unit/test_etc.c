/* A cage's /etc (mount/etc.c): what it takes from conf.d (leniently, file
 * by file), and the passwd/group filtering that keeps every other user's
 * name out of it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fcntl.h>

#include "lib/config.h"
#include "lib/log.h"
#include "mount/etc.h"

static void put(const char *dir, const char *name, const char *text)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_field_ok(void **state)
{
	assert_true(etc_field_ok("/home/alice"));
	assert_true(etc_field_ok("Alice Example, Room 1"));
	assert_true(etc_field_ok(""));
	assert_false(etc_field_ok("/home/x:0:0::/root:/bin/sh"));
	assert_false(etc_field_ok("/bin/sh\nroot2::0:0::/:/bin/sh"));
	assert_false(etc_field_ok("a\tb"));
	assert_false(etc_field_ok("a\x7f"));
}

static void test_lenient(void **state)
{
	char root[] = "/tmp/test_etc.XXXXXX", confd[PATH_MAX];
	assert_non_null(mkdtemp(root));
	snprintf(confd, sizeof(confd), "%s/conf.d", root);
	struct skel_conf c;
	struct uc_error err = {0};
	/* no conf.d: nothing, no error */
	assert_int_equal(etc_conf_load(root, &c, &err), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(mkdir(confd, 0755), 0);
	put(confd, "a.cfg", "[mail]\nusers=postfix\ngroups=postdrop\n");
	put(confd, "b.cfg", "[extra]\nusers=svc\nthis is not a key\n");
	put(confd, "c.cfg", "[web]\nusers=apache,\n    nginx\n");
	put(confd, "d.txt", "not a cfg at all\n");
	put(root, "black.list", "not/absolute\n"); /* never read by a mount */
	uc_log_init(-2);			   /* the warning is not this test's output */
	assert_int_equal(etc_conf_load(root, &c, &err), 0);
	assert_int_equal(c.n, 2); /* a.cfg and c.cfg; b.cfg adds nothing */
	assert_string_equal(c.v[0].name, "mail");
	assert_string_equal(c.v[0].users.v[0], "postfix");
	assert_string_equal(c.v[0].groups.v[0], "postdrop");
	assert_string_equal(c.v[1].name, "web");
	assert_int_equal(c.v[1].users.n, 2);
	assert_string_equal(c.v[1].users.v[1], "nginx");
	skel_conf_release(&c);
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
}

static char *slurp(const char *dir, const char *name)
{
	char p[PATH_MAX], *text = NULL;
	size_t cap = 0;
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "r");
	assert_non_null(f);
	ssize_t n = getdelim(&text, &cap, '\0', f);
	fclose(f);
	return n < 0 ? strdup("") : text;
}

/* The host's accounts as a cage's etc starts with them; alice's cage keeps
 * root, the system accounts (below min_uid), postfix (conf.d users=), the
 * mail group (groups=) and alice: bob, carol and their groups go, and so do
 * their names in member and admin lists. Malformed lines go too. */
static void test_filter(void **state)
{
	char dir[] = "/tmp/test_etc_filter.XXXXXX";
	assert_non_null(mkdtemp(dir));
	put(dir, "passwd",
	    "root:x:0:0:root:/root:/bin/bash\n"
	    "daemon:x:2:2::/:/sbin/nologin\n"
	    "alice:x:1001:1001:Alice:/home/alice:/bin/bash\n"
	    "bob:x:1002:1002:Bob:/home/bob:/bin/bash\n"
	    "postfix:x:1500:1500::/var/spool/postfix:/sbin/nologin\n"
	    "carol::1003:1003:\n"
	    "broken:x:notanumber\n"
	    "+nisuser\n");
	put(dir, "group",
	    "root:x:0:\n"
	    "wheel::10:alice,bob,carol\n"
	    "users:x:100:bob,,alice,\n"
	    "alice:x:1001:\n"
	    "bob:x:1002:alice\n"
	    "carol:x:1003:\n"
	    "mail:x:1600:postfix,bob\n"
	    "big:x:4294967296:bob\n");
	put(dir, "shadow",
	    "root:*:1::::::\nalice:$6$a:1::::::\nbob:$6$b:1::::::\ncarol:!:1::::::\n");
	put(dir, "gshadow", "wheel:!:bob,alice:alice,bob,carol\nbob:!::alice\nusers:!::bob\n");
	struct uc_config cfg;
	assert_int_equal(uc_config_init(&cfg), 0);
	cfg.min_uid = 1000;
	struct skel_conf conf = {0};
	static const char cfgtext[] = "[mail]\nusers=postfix\ngroups=mail\n";
	FILE *f = fmemopen((void *)cfgtext, sizeof(cfgtext) - 1, "r");
	struct uc_error err = {0};
	assert_int_equal(skel_cfg_parse(&conf, f, "mail.cfg", &err), 0);
	fclose(f);
	struct uc_user alice = {"alice", 1001, 1001, "Alice", "/home/alice", "/bin/bash"};
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	assert_int_equal(etc_filter_accounts(&cfg, &conf, &alice, dfd), 0);
	static const char *const names[] = {"passwd", "group", "shadow", "gshadow"};
	for (size_t i = 0; i < 4; i++) {
		char *t = slurp(dir, names[i]);
		if (strstr(t, "bob") || strstr(t, "carol") || strstr(t, "broken") ||
		    strstr(t, "nis"))
			fail_msg("%s shows another account:\n%s", names[i], t);
		free(t);
	}
	char *pw = slurp(dir, "passwd"), *gr = slurp(dir, "group"), *gs = slurp(dir, "gshadow");
	/* alice's line is the user database's, written last */
	assert_string_equal(pw, "root:x:0:0:root:/root:/bin/bash\n"
				"daemon:x:2:2::/:/sbin/nologin\n"
				"postfix:x:1500:1500::/var/spool/postfix:/sbin/nologin\n"
				"alice:x:1001:1001:Alice:/home/alice:/bin/bash\n");
	assert_string_equal(gr, "root:x:0:\n"
				"wheel::10:alice\n"
				"users:x:100:alice\n"
				"alice:x:1001:\n"
				"mail:x:1600:postfix\n");
	assert_string_equal(gs, "wheel:!:alice:alice\nusers:!::\n");
	free(pw);
	free(gr);
	free(gs);
	close(dfd);
	skel_conf_release(&conf);
	uc_config_release(&cfg);
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_field_ok),
					   cmocka_unit_test(test_lenient),
					   cmocka_unit_test(test_filter)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
