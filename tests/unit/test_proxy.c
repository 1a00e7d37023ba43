/* proxy/: proxy.commands lines, filters (parsing with json-c, applying),
 * the request encoding. No root, no daemon. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/tsv.h"
#include "lib/proxycmds.h"
#include "proxy/filter.h"
#include "proxy/proto.h"

static int parse_cmds(struct proxy_commands *c, const char *text, struct uc_error *err)
{
	char path[] = "/tmp/uc-test-proxy.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	int r = proxy_commands_parse_file(c, path, "proxy.commands", err);
	unlink(path);
	return r;
}

static void test_commands(void **state)
{
	struct proxy_commands c = {0};
	struct uc_error err = {0};
	assert_int_equal(parse_cmds(&c,
				    "# comment\n\n"
				    "passwd=root:/usr/bin/passwd\n"
				    "  crontab = /usr/bin/crontab  \n"
				    "SENDMAIL:/usr/lib/sendmail=/usr/sbin/sendmail\n"
				    "php:php-proxy=/usr/bin/php\n",
				    &err),
			 0);
	assert_int_equal(c.n, 4);
	assert_string_equal(c.v[0].alias, "passwd");
	assert_string_equal(c.v[0].user, "root");
	assert_string_equal(c.v[0].path, "/usr/bin/passwd");
	assert_string_equal(c.v[0].wrapper, "/usr/bin/passwd");
	assert_string_equal(c.v[1].alias, "crontab");
	assert_string_equal(c.v[1].user, "");
	assert_string_equal(c.v[2].wrapper, "/usr/lib/sendmail");
	assert_string_equal(c.v[3].wrapper, "/usr/bin/php-proxy");
	assert_ptr_equal(proxy_commands_find(&c, "crontab", NULL), &c.v[1]);
	assert_ptr_equal(proxy_commands_find(&c, "", "/usr/lib/sendmail"), &c.v[2]);
	assert_null(proxy_commands_find(&c, "", "/usr/sbin/sendmail"));
	assert_null(proxy_commands_find(&c, "nope", "/usr/bin/passwd"));
	/* a second file replaces an alias */
	assert_int_equal(parse_cmds(&c, "crontab=bob:/opt/crontab\n", &err), 0);
	assert_int_equal(c.n, 4);
	assert_string_equal(c.v[1].path, "/opt/crontab");
	proxy_commands_release(&c);
}

static void bad_cmd(const char *text, const char *want)
{
	struct proxy_commands c = {0};
	struct uc_error err = {0};
	assert_int_not_equal(parse_cmds(&c, text, &err), 0);
	assert_int_equal(err.kind, UC_BADREQUEST);
	if (!strstr(err.msg, want))
		fail_msg("'%s': got '%s', wanted '%s'", text, err.msg, want);
	proxy_commands_release(&c);
}

static void test_commands_bad(void **state)
{
	bad_cmd("ok=/bin/true\nno equals sign\n", "proxy.commands:2: expected ALIAS");
	bad_cmd("x=bin/true\n", "proxy.commands:1: the program must be an absolute path");
	bad_cmd("x=/usr/../bin/true\n", ":1: the program must be a clean absolute path");
	bad_cmd("x y=/bin/true\n", ":1: bad alias");
	bad_cmd("=/bin/true\n", ":1: bad alias");
	bad_cmd("x:../w=/bin/true\n", ":1: bad wrapper_name");
	bad_cmd("x:..=/usr/bin/true\n", ":1: bad wrapper_name"); /* would be /usr */
	bad_cmd("x:.=/usr/bin/true\n", ":1: bad wrapper_name");
	bad_cmd("x=-root:/bin/true\n", ":1: bad user name");
	bad_cmd("a=/bin/true\n\na=/bin/false\n", ":3: alias a given twice");
}

static void filter(struct proxy_filter *f, const char *json)
{
	struct uc_error err = {0};
	if (proxy_filter_parse(json, "f.json", f, &err) < 0)
		fail_msg("%s", err.msg);
}

/* args (space separated) through f: the result joined by '|', or
 * "REFUSED: why". */
/* a mapper that says which value it was asked for */
static int fake_map(void *ctx, const char *value, bool write, char *out, size_t size, char *why,
		    size_t ws)
{
	(void)ctx;
	(void)why;
	(void)ws;
	snprintf(out, size, "<%s%s>", write ? "rw:" : "", value);
	return 0;
}

static proxy_path_map_fn run_map; /* NULL: none */

static char *run(const struct proxy_filter *f, const char *args)
{
	static char out[1024];
	char buf[512];
	const char *argv[64] = {"cmd"};
	int argc = 1;
	snprintf(buf, sizeof(buf), "%s", args);
	for (char *s = strtok(buf, " "); s; s = strtok(NULL, " "))
		argv[argc++] = s;
	struct strv v = STRV_INIT;
	char why[256] = "";
	if (proxy_filter_apply(f, "alice", argc, argv, run_map, NULL, &v, why, sizeof(why)) < 0) {
		snprintf(out, sizeof(out), "REFUSED: %s", why);
	} else {
		out[0] = '\0';
		for (size_t i = 0; i < v.n; i++)
			snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", i ? "|" : "",
				 v.v[i]);
	}
	strv_clear(&v);
	return out;
}

static void test_filter_sendmail(void **state)
{
	struct proxy_filter f;
	filter(&f, "{\"strict_options\": true,\n"
		   " \"deny\": [\"-b\", \"-C\", \"-oA\"],\n"
		   " \"allow\": [\"-t\", \"-i\", \"-oi\", \"-f*\"],\n"
		   " \"operands\": \"no_paths\", \"end_of_options\": true}");
	assert_string_equal(run(&f, "-t -i"), "-t|-i");
	assert_string_equal(run(&f, "-i -f me@x bob@y"), "-i|-f|me@x|--|bob@y");
	assert_string_equal(run(&f, "-fme@x bob@y"), "-fme@x|--|bob@y");
	assert_string_equal(run(&f, "-oA/tmp/x"), "REFUSED: option -oA/tmp/x is not allowed");
	assert_string_equal(run(&f, "-C/etc/x"), "REFUSED: option -C/etc/x is not allowed");
	assert_string_equal(run(&f, "-bi"), "REFUSED: option -bi is not allowed");
	assert_string_equal(run(&f, "-X /tmp/log"), "REFUSED: option -X is not allowed");
	assert_string_equal(run(&f, "/home/alice/mbox"),
			    "REFUSED: argument '/home/alice/mbox' is not allowed");
	assert_string_equal(run(&f, "|/bin/sh"), "REFUSED: argument '|/bin/sh' is not allowed");
	assert_string_equal(run(&f, "-i -- -oA/x"), "REFUSED: argument '-oA/x' is not allowed");
	assert_string_equal(run(&f, "-i -f"), "REFUSED: option -f needs a value");
	assert_string_equal(run(&f, "-- bob@y"), "--|bob@y"); /* one "--", ours */
	proxy_filter_release(&f);
}

static void test_filter_operands(void **state)
{
	struct proxy_filter f;
	filter(&f, "{\"operands\": \"self\"}");
	assert_string_equal(run(&f, "alice"), "alice");
	assert_string_equal(run(&f, "-x bob"), "REFUSED: argument 'bob' is not allowed");
	assert_string_equal(run(&f, "-x"), "-x"); /* not strict: options pass */
	proxy_filter_release(&f);
	filter(&f, "{\"operands\": [\"-\"], \"allow\": [\"--long*\"], \"strict_options\": true}");
	assert_string_equal(run(&f, "-"), "-");
	assert_string_equal(run(&f, "file"), "REFUSED: argument 'file' is not allowed");
	assert_string_equal(run(&f, "--long=v --long w"), "--long=v|--long|w");
	assert_string_equal(run(&f, "--longer"), "--longer"); /* '*': a value attached */
	proxy_filter_release(&f);
	filter(&f, "{\"operands\": \"none\", \"restrict_path\": [\"-F\"], "
		   "\"strict_options\": true}");
	assert_string_equal(run(&f, "x"), "REFUSED: argument 'x' is not allowed");
	/* no path mapper given: a restrict_path value is refused */
	assert_string_equal(run(&f, "-F /etc/x"), "REFUSED: ");
	proxy_filter_release(&f);
	/* restrict_path: the option exactly, its value in every spelling
	 * getopt takes, and nothing that only starts like it */
	filter(&f, "{\"restrict_path\": [\"-F\", \"--file\"], \"strict_options\": true}");
	run_map = fake_map;
	assert_string_equal(run(&f, "-F a"), "-F|<a>");
	assert_string_equal(run(&f, "-Fa"), "-F<a>");
	assert_string_equal(run(&f, "--file a"), "--file|<a>");
	assert_string_equal(run(&f, "--file=a"), "--file=<a>");
	assert_string_equal(run(&f, "--filexyz=a"), "REFUSED: option --filexyz=a is not allowed");
	assert_string_equal(run(&f, "--fil a"), "REFUSED: option --fil is not allowed");
	assert_string_equal(run(&f, "-vF a"), "REFUSED: option -vF is not allowed");
	proxy_filter_release(&f);
	/* restrict_path_write: the same, and the mapper is told to open it
	 * for writing */
	filter(&f, "{\"restrict_path\": [\"-F\"], \"restrict_path_write\": [\"-o\"], "
		   "\"strict_options\": true}");
	assert_string_equal(run(&f, "-F a -o b -ob"), "-F|<a>|-o|<rw:b>|-o<rw:b>");
	run_map = NULL;
	proxy_filter_release(&f);
}

static void bad_filter(const char *json, const char *want)
{
	struct proxy_filter f;
	struct uc_error err = {0};
	assert_int_not_equal(proxy_filter_parse(json, "f.json", &f, &err), 0);
	assert_int_equal(err.kind, UC_BADREQUEST);
	if (!strstr(err.msg, want))
		fail_msg("'%s': got '%s', wanted '%s'", json, err.msg, want);
	proxy_filter_release(&f);
}

static void test_filter_bad(void **state)
{
	bad_filter("{\"deny\": [\"-b\",\n  ]}", "f.json:2: ");
	bad_filter("{\n\"deny\": \"-b\"}", "\"deny\" must be a list of strings");
	bad_filter("{\"allow\": [1]}", "\"allow\"[0] must be a string");
	bad_filter("{\"strict_options\": \"yes\"}", "\"strict_options\" must be true or false");
	bad_filter("{\"operands\": \"some\"}", "\"operands\" must be");
	bad_filter("{\"denny\": []}", "unknown key \"denny\"");
	bad_filter("[]", "f.json:1: expected a JSON object");
	bad_filter("{} {}", "f.json:1: ");
	bad_filter("{\"deny\": [", "unexpected end of file");
	/* -vf FILE and --fil FILE would pass restrict_path without it */
	bad_filter("{\"restrict_path\": [\"-f\"]}", "restrict_path needs \"strict_options\": true");
	bad_filter("{\"restrict_path_write\": [\"-f\"]}",
		   "restrict_path needs \"strict_options\": true");
}

static void test_request(void **state)
{
	static char buf[PROXY_MAX_REQUEST];
	char *argv[] = {"passwd", "-S", NULL};
	char *envp[] = {"TERM=xterm", NULL};
	long n = proxy_request_encode(buf, sizeof(buf), "passwd", "/usr/bin/passwd", "/home/a", 2,
				      argv, 1, envp);
	assert_true(n > 0);
	static struct proxy_request rq;
	assert_int_equal(proxy_request_parse(buf, (size_t)n, &rq), 0);
	assert_string_equal(rq.alias, "passwd");
	assert_string_equal(rq.cwd, "/home/a");
	assert_int_equal(rq.argc, 2);
	assert_string_equal(rq.argv[1], "-S");
	assert_null(rq.argv[2]);
	assert_string_equal(rq.envp[0], "TERM=xterm");
	/* truncated, trailing bytes, a string without its NUL, bad counts */
	assert_int_equal(proxy_request_parse(buf, (size_t)n - 1, &rq), -EINVAL);
	buf[n] = 'x';
	assert_int_equal(proxy_request_parse(buf, (size_t)n + 1, &rq), -EINVAL);
	struct proxy_req_hdr h;
	memcpy(&h, buf, sizeof(h));
	h.argc = PROXY_MAX_ARGS + 1;
	memcpy(buf, &h, sizeof(h));
	assert_int_equal(proxy_request_parse(buf, (size_t)n, &rq), -EINVAL);
	h.argc = 0;
	memcpy(buf, &h, sizeof(h));
	assert_int_equal(proxy_request_parse(buf, (size_t)n, &rq), -EINVAL);
	assert_int_equal(proxy_request_parse(buf, 3, &rq), -EINVAL);
}

static void put_file(const char *dir, const char *name, const char *text)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* every *.proxy.commands of config_dir, as CageFS reads them: proxy.commands
 * first, custom.proxy.commands last, a later alias replacing an earlier */
static void test_commands_files(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_proxy_files.XXXXXX";
	assert_non_null(mkdtemp(dir));
	put_file(dir, "proxy.commands", "A=/bin/a\n");
	put_file(dir, "php.proxy.commands", "A=/bin/php-a\nB=/bin/b\n");
	put_file(dir, "custom.proxy.commands", "B=/bin/custom-b\n");
	put_file(dir, ".hidden.proxy.commands", "C=/bin/c\n");
	put_file(dir, "proxy.commands.rpmsave", "D=/bin/d\n");
	struct uc_config cfg = {.config_dir = dir};
	struct uc_error err = {0};
	struct proxy_commands cmds;
	assert_int_equal(proxy_commands_load(&cfg, &cmds, &err), 0);
	assert_int_equal(cmds.n, 2);
	assert_string_equal(proxy_commands_find(&cmds, "A", NULL)->path, "/bin/php-a");
	assert_string_equal(proxy_commands_find(&cmds, "B", NULL)->path, "/bin/custom-b");
	assert_null(proxy_commands_find(&cmds, "C", NULL));
	proxy_commands_release(&cmds);
	assert_true(proxy_commands_file("cagefs.proxy.commands"));
	assert_false(proxy_commands_file(".proxy.commands"));
	assert_false(proxy_commands_file("proxy.commands~"));
	const char *names[] = {"proxy.commands", "php.proxy.commands", "custom.proxy.commands",
			       ".hidden.proxy.commands", "proxy.commands.rpmsave"};
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		char p[512];
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		unlink(p);
	}
	rmdir(dir);
}

/* tsv_put on a memory stream: what the daemon logs of s */
static char *logged(const char *s)
{
	static char out[256];
	char *buf = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&buf, &n);
	assert_non_null(m);
	tsv_put(m, s);
	fclose(m);
	snprintf(out, sizeof(out), "%s", buf);
	free(buf);
	return out;
}

/* What the daemon logs (proxy/daemon.c say(), through lib/tsv.h): no byte
 * of a caller's text can end the line, return the carriage or start an
 * escape sequence (review finding 8). */
static void test_escape_log(void **state)
{
	(void)state;
	assert_string_equal(logged("plain -x /a b"), "plain -x /a b");
	assert_string_equal(logged("a\nunicage-proxyd: forged"), "a\\nunicage-proxyd: forged");
	assert_string_equal(logged("\r\t\x1b[2J\x7f\x01"), "\\x0d\\t\\x1b[2J\\x7f\\x01");
	/* a backslash too: "\\n" typed by her is not a newline escaped by us */
	assert_string_equal(logged("a\\nb"), "a\\\\nb");
	assert_string_equal(logged("caf\xc3\xa9"), "caf\xc3\xa9"); /* UTF-8 passes */
	for (const char *p = logged("\x02\x03\x1f\n\r\x7f"); *p; p++)
		assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_commands),	    cmocka_unit_test(test_commands_files),
	    cmocka_unit_test(test_commands_bad),    cmocka_unit_test(test_filter_sendmail),
	    cmocka_unit_test(test_filter_operands), cmocka_unit_test(test_filter_bad),
	    cmocka_unit_test(test_request),	    cmocka_unit_test(test_escape_log),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
