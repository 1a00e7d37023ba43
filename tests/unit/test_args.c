/* Option parsing of `unicage rpmscan` (cli/rpmscan_args.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "cli/rpmscan_args.h"

static int parse(struct cli *cli, struct rpmscan_cmd *cmd, int argc, const char *const *argv)
{
	memset(cli, 0, sizeof(*cli));
	optind = 0;
	return rpmscan_parse_args(cli, cmd, argc, (char **)argv);
}

static void test_packages_and_options(void **st)
{
	struct cli cli;
	struct rpmscan_cmd cmd;
	const char *argv[] = {"rpmscan",
			      "bash",
			      "--sysroot",
			      "/srv/host",
			      "--requires",
			      "coreutils-9.1-1.el9.x86_64",
			      "--verify",
			      "--tsv",
			      "-c",
			      "/tmp/u.conf",
			      "--dbpath=/usr/lib/sysimage/rpm",
			      "-v"};
	assert_int_equal(parse(&cli, &cmd, 12, argv), 0);
	assert_int_equal(cmd.args.n, 2);
	assert_string_equal(cmd.args.v[0], "bash");
	assert_string_equal(cmd.args.v[1], "coreutils-9.1-1.el9.x86_64");
	assert_string_equal(cmd.sysroot, "/srv/host");
	assert_string_equal(cmd.dbpath, "/usr/lib/sysimage/rpm");
	assert_string_equal(cli.config_path, "/tmp/u.conf");
	assert_true(cmd.scan.requires);
	assert_true(cmd.scan.verify);
	assert_false(cmd.scan.all);
	assert_false(cmd.rpm_mode);
	assert_int_equal(cmd.out, RPMSCAN_OUT_TSV);
	assert_int_equal(cli.verbosity, 1);
	rpmscan_cmd_release(&cmd);
}

static void test_modes(void **st)
{
	struct cli cli;
	struct rpmscan_cmd cmd;
	const char *a1[] = {"rpmscan", "--rpm", "a.rpm", "b.rpm", "--snapshot"};
	assert_int_equal(parse(&cli, &cmd, 5, a1), 0);
	assert_true(cmd.rpm_mode);
	assert_true(cmd.scan.snapshot);
	assert_int_equal(cmd.args.n, 2);
	assert_int_equal(cmd.out, RPMSCAN_OUT_TABLE);
	rpmscan_cmd_release(&cmd);

	const char *a2[] = {"rpmscan", "--all", "--json"};
	assert_int_equal(parse(&cli, &cmd, 3, a2), 0);
	assert_true(cmd.scan.all);
	assert_true(cli.json);
	assert_int_equal(cmd.out, RPMSCAN_OUT_JSON);
	rpmscan_cmd_release(&cmd);

	const char *a3[] = {"rpmscan", "--help"};
	assert_int_equal(parse(&cli, &cmd, 2, a3), 0);
	assert_true(cmd.help);
	rpmscan_cmd_release(&cmd);
}

static void test_bad_usage(void **st)
{
	static const struct {
		int argc;
		const char *argv[4];
		const char *msg;
	} cases[] = {
	    {1, {"rpmscan"}, "name packages, or give --all or --rpm"},
	    {3, {"rpmscan", "--all", "bash"}, "--all takes no package names"},
	    {3, {"rpmscan", "--all", "--rpm"}, "--all and --rpm exclude each other"},
	    {2, {"rpmscan", "--rpm"}, "--rpm needs at least one FILE"},
	    {4, {"rpmscan", "--all", "--tsv", "--json"}, "--tsv and --json exclude"},
	    {2, {"rpmscan", "--bogus"}, "unknown option '--bogus'"},
	    {2, {"rpmscan", "--sysroot"}, "option '--sysroot' needs a value"},
	    {4, {"rpmscan", "--all", "--dbpath", "var/lib/rpm"}, "--dbpath must be a clean"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cli cli;
		struct rpmscan_cmd cmd;
		assert_int_not_equal(parse(&cli, &cmd, cases[i].argc, cases[i].argv), 0);
		assert_int_equal(cli.err.kind, UC_BADREQUEST);
		if (!strstr(cli.err.msg, cases[i].msg))
			fail_msg("case %zu: '%s' lacks '%s'", i, cli.err.msg, cases[i].msg);
		rpmscan_cmd_release(&cmd);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_packages_and_options),
	    cmocka_unit_test(test_modes),
	    cmocka_unit_test(test_bad_usage),
	};
	return cmocka_run_group_tests_name("rpmscan-args", tests, NULL, NULL);
}
