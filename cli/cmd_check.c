/* check: sanity of the kernel, the configuration, the skeleton and the
 * cages (check/check.h). */
#include "cli/cli.h"

#include "check/check.h"
#include "lib/json.h"
#include "lib/path.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char check_usage[] =
    "[--full]\n\n"
    "  one line per check: OK, FAILED, SKIPPED or WARN and why; exit 1 if any FAILED.\n"
    "  --full   re-hash every object of the current generation (default: a sample),\n"
    "           and read every ELF file of it again (default: what update found)";

enum { OPT_FULL = 0x400 };
const struct option check_longopts[] = {{"full", no_argument, NULL, OPT_FULL}, {NULL, 0, NULL, 0}};

/* The command users run (the front beside this binary), else this one. */
static void unicage_exe(char *buf, size_t size)
{
	if (path_beside_self(buf, size, "unicage") == 0 && access(buf, X_OK) == 0)
		return;
	snprintf(buf, size, "/proc/self/exe");
}

int cmd_check(struct cli *cli, int argc, char **argv)
{
	bool full = false;
	int opt, r = 0;
	while ((opt = cli_getopt(cli, argc, argv)) != -1)
		full = full || opt == OPT_FULL;
	if (optind < argc)
		return cli_usage_error(cli, "check", "takes no arguments");
	char exe[PATH_MAX];
	unicage_exe(exe, sizeof(exe));
	struct check_opts o = {.full = full, .exe = exe};
	struct check_report rep;
	check_run(&cli->cfg, &o, &rep);
	if (cli->json) {
		struct json j;
		json_init(&j, stdout);
		json_envelope_begin(&j);
		json_array_begin(&j);
		for (size_t i = 0; i < rep.n; i++) {
			json_object_begin(&j);
			json_kv_string(&j, "check", rep.v[i].name);
			json_kv_string(&j, "result", check_result_name(rep.v[i].result));
			json_kv_string(&j, "detail", rep.v[i].detail);
			json_object_end(&j);
		}
		json_array_end(&j);
		/* a failed check is not "ok" for a panel reading only metadata */
		if (check_failed(&rep))
			json_envelope_end_result(&j, uc_kind_name(UC_INTERNAL),
						 "some checks FAILED");
		else
			json_envelope_end(&j);
	} else {
		for (size_t i = 0; i < rep.n; i++)
			printf("%-8s %s: %s\n", check_result_name(rep.v[i].result), rep.v[i].name,
			       rep.v[i].detail);
	}
	if (check_failed(&rep)) {
		uc_fail(&cli->err, UC_INTERNAL, "check: some checks FAILED");
		cli->err_reported = cli->json; /* the report is the answer */
		r = -1;
	}
	check_report_release(&rep);
	return r;
}
