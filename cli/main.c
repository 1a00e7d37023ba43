/* unicage: one multi-call binary. `unicage VERB ...`, or a link named after a
 * verb (rpmscan, vunify, vdu) that behaves as `unicage VERB`. */
#include "cli/cli.h"

#include "lib/json.h"
#include "lib/log.h"

#include <unistd.h>

#include <getopt.h>
#include <rpm/rpmlib.h>
#include <rpm/rpmmacro.h>
#include <stdio.h>
#include <string.h>

/* Links that behave as a verb, as vserver's tools did. */
static const struct {
	const char *link, *verb;
} aliases[] = {
    {"rpmscan", "rpmscan"},
    {"vunify", "unify"},
    {"vdu", "vdu"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: unicage [-c FILE] [--json] [-v|-q] VERB [ARGS...]\n"
		   "       unicage VERB --help | unicage --help | unicage --version\n\nVerbs:\n");
	for (const struct verb *v = verbs; v->name; v++)
		fprintf(f, "  %-12s %s\n", v->name, v->summary);
	fprintf(f, "\nExit codes: 0 ok, 1 internal error, 2 permission denied, 3 bad request,\n"
		   "4 not found. See doc/ for the administrator's guide.\n");
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static int report(struct cli *cli, int r)
{
	if (r >= 0 && cli->err.kind == UC_OK)
		return 0;
	if (cli->err.kind == UC_OK)
		uc_fail_errno(&cli->err, r, "%s", "unicage");
	if (cli->json && cli->err_reported)
		; /* closed its own envelope */
	else if (cli->json)
		json_envelope_error(stdout, cli->err.kind, cli->err.msg);
	else
		uc_log(UC_LOG_ERROR, "%s", cli->err.msg);
	return (int)cli->err.kind;
}

static const struct verb *alias_verb(const char *argv0)
{
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(base_name(argv0), aliases[i].link) == 0)
			return verb_find(aliases[i].verb);
	return NULL;
}

/* Global options before the verb; returns the index of the verb or -1 when done. */
static int parse_global(struct cli *cli, int argc, char **argv, int *exit_code)
{
	static const struct option longopts[] = {
	    CLI_COMMON_LONG, {"version", no_argument, NULL, 'V'}, {NULL, 0, NULL, 0}};
	bool help = false;
	int opt;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORT, longopts, NULL)) != -1) {
		if (opt == 'V') {
			printf("unicage %s\n", UNICAGE_VERSION);
			*exit_code = 0;
			return -1;
		}
		if (!cli_common_option(cli, opt, optarg, &help)) {
			uc_fail(&cli->err, UC_BADREQUEST,
				"unknown option '%s' (see 'unicage --help')", argv[optind - 1]);
			*exit_code = report(cli, -1);
			return -1;
		}
	}
	if (help || optind >= argc) {
		usage(help ? stdout : stderr);
		*exit_code = help ? 0 : UC_BADREQUEST;
		return -1;
	}
	return optind;
}

/* The verb table's flags are done here, once (cli_prepare), then the verb. */
static int run_verb(struct cli *cli, const struct verb *v, int argc, char **argv)
{
	int lockfd[2] = {-1, -1};
	int r = cli_prepare(cli, v, argc, argv, lockfd);
	optind = 0; /* full getopt reset: the verb parses its own argv */
	if (r == 0)
		r = v->run(cli, argc, argv);
	else if (r > 0)
		r = 0; /* its help */
	for (int i = 0; i < 2; i++)
		if (lockfd[i] >= 0)
			close(lockfd[i]);
	fflush(stdout);
	if (ferror(stdout) && r >= 0)
		r = uc_fail(&cli->err, UC_INTERNAL, "write error on standard output");
	return report(cli, r);
}

int main(int argc, char **argv)
{
	struct cli cli = {.prog = "unicage"};
	int code = 0;
	if (uc_config_init(&cli.cfg) < 0) {
		fprintf(stderr, "unicage: out of memory\n");
		return UC_INTERNAL;
	}
	const struct verb *v = alias_verb(argv[0]);
	if (v) {
		uc_log_init(0);
		code = run_verb(&cli, v, argc, argv);
	} else {
		int at = parse_global(&cli, argc, argv, &code);
		if (at >= 0) {
			uc_log_init(cli.verbosity);
			v = verb_find(argv[at]);
			const struct verb *near = v ? NULL : verb_nearest(argv[at]);
			if (!v && near) {
				uc_fail(&cli.err, UC_BADREQUEST,
					"unknown verb '%s'; did you mean '%s'? (see 'unicage "
					"--help')",
					argv[at], near->name);
				code = report(&cli, -1);
			} else if (!v) {
				uc_fail(&cli.err, UC_BADREQUEST,
					"unknown verb '%s' (see 'unicage --help')", argv[at]);
				code = report(&cli, -1);
			} else {
				code = run_verb(&cli, v, argc - at, argv + at);
			}
		}
	}
	uc_config_release(&cli.cfg);
#if defined(__SANITIZE_ADDRESS__)
	/* for the leak checker only: rpmFreeRpmrc() creates librpm's Lua state
	 * if no verb did, just to free it (~0.3 ms of every run) */
	rpmFreeMacros(NULL);
	rpmFreeRpmrc();
#endif
	return code;
}
