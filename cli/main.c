/* unicage: one multi-call binary. `unicage VERB ...`, or a link named after a
 * verb (rpmscan, vunify, vdu) that behaves as `unicage VERB`. */
#include "cli/cli.h"

#include "lib/cleanup.h"
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

static const struct verb *alias_verb(const char *argv0)
{
	for (size_t i = 0; i < UC_ARRAY_SIZE(aliases); i++)
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
			*exit_code = cli_report(cli, -1);
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

int main(int argc, char **argv)
{
	struct cli cli = {.prog = "unicage"};
	int code = 0;
	if (uc_config_init(&cli.cfg) < 0) {
		fprintf(stderr, "unicage: out of memory\n");
		return UC_INTERNAL;
	}
	const struct verb *v = alias_verb(argv[0]);
	if (!strcmp(base_name(argv[0]), "cagefsctl")) {
		uc_log_init(0);
		code = cagefsctl_main(&cli, argc, argv);
	} else if (v) {
		uc_log_init(0);
		code = cli_run_verb(&cli, v, argc, argv);
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
				code = cli_report(&cli, -1);
			} else if (!v) {
				uc_fail(&cli.err, UC_BADREQUEST,
					"unknown verb '%s' (see 'unicage --help')", argv[at]);
				code = cli_report(&cli, -1);
			} else {
				code = cli_run_verb(&cli, v, argc - at, argv + at);
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
