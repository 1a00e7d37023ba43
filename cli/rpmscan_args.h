/* Arguments of `unicage rpmscan`, parsed apart from running so they can be
 * unit-tested. */
#pragma once

#include "cli/cli.h"
#include "lib/strv.h"
#include "rpmscan/rpmscan.h"

enum rpmscan_output { RPMSCAN_OUT_TABLE, RPMSCAN_OUT_TSV, RPMSCAN_OUT_JSON };

struct rpmscan_cmd {
	struct rpmscan_opts scan;
	struct strv args; /* package specs, or .rpm files with --rpm */
	bool rpm_mode;
	bool help;
	enum rpmscan_output out;
	char *sysroot; /* --sysroot, else the configuration's */
	char *dbpath;
};

/* Parse argv (argv[0] is the verb). On error cli->err is BadRequest. */
int rpmscan_parse_args(struct cli *cli, struct rpmscan_cmd *cmd, int argc, char **argv);
void rpmscan_cmd_release(struct rpmscan_cmd *cmd);
