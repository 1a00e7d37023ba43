/* tmpwatch: old files out of every cage's /tmp (proxy/tmpwatch.h). */
#include "cli/cli.h"

#include "lib/json.h"
#include "proxy/tmpwatch.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

const char tmpwatch_usage[] =
    "[--hours N]\n\n"
    "  remove files not accessed for N hours (default: tmpwatch_hours of unicage.conf,\n"
    "  720) from every cage's /tmp and /var/tmp and the tmpwatch_dirs, as their user;\n"
    "  -v names every file removed";

enum { OPT_HOURS = 0x400 };

struct shown {
	bool verbose, json;
};

static void show(void *ctx, const char *user, const char *path)
{
	const struct shown *s = ctx;
	if (s->verbose && !s->json)
		printf("removed %s %s\n", user, path);
}

static int parse_hours(struct cli *cli, const char *v, unsigned *out)
{
	char *end;
	unsigned long n = strtoul(v, &end, 10);
	if (!*v || *end || n > UINT_MAX / 3600)
		return cli_usage_error(cli, "tmpwatch", "--hours takes a number of hours, not '%s'",
				       v);
	*out = (unsigned)n;
	return 0;
}

const struct option tmpwatch_longopts[] = {{"hours", required_argument, NULL, OPT_HOURS},
					   {NULL, 0, NULL, 0}};

int cmd_tmpwatch(struct cli *cli, int argc, char **argv)
{
	const char *hours_arg = NULL;
	int opt, r;
	while ((opt = cli_getopt(cli, argc, argv)) != -1)
		if (opt == OPT_HOURS)
			hours_arg = optarg;
	if (optind < argc)
		return cli_usage_error(cli, "tmpwatch", "takes no arguments");
	unsigned hours = cli->cfg.tmpwatch_hours;
	if (hours_arg && (r = parse_hours(cli, hours_arg, &hours)) < 0)
		return r;
	struct shown s = {cli->verbosity > 0, cli->json};
	struct tmpwatch_stats st;
	r = tmpwatch_run(&cli->cfg, hours, show, &s, &st, &cli->err);
	if (r < 0)
		return r;
	if (cli->json) {
		struct json j;
		json_init(&j, stdout);
		json_envelope_begin(&j);
		json_object_begin(&j);
		json_kv_uint(&j, "users", st.users);
		json_kv_uint(&j, "files", st.files);
		json_kv_uint(&j, "dirs", st.dirs);
		json_kv_uint(&j, "bytes", st.bytes);
		json_object_end(&j);
		json_envelope_end(&j);
	} else if (cli->verbosity > 0) {
		printf("tmpwatch: %llu files and %llu directories removed (%llu bytes), %u users\n",
		       (unsigned long long)st.files, (unsigned long long)st.dirs,
		       (unsigned long long)st.bytes, st.users);
	}
	return 0;
}
