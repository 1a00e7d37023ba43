#include "cli/rpmscan_args.h"

#include "lib/path.h"

#include <stdlib.h>
#include <string.h>

const char rpmscan_usage[] =
    "[--sysroot DIR] [--dbpath PATH] [--snapshot] (--all | PKG... | --rpm FILE...)\n"
    "                       [--requires] [--verify] [--tsv | --json]\n\n"
    "  --sysroot DIR   host tree holding the rpmdb and the files (default: sysroot of\n"
    "                  unicage.conf, else /)\n"
    "  --dbpath PATH   rpmdb directory inside sysroot (default: the first of /var/lib/rpm\n"
    "                  and /usr/lib/sysimage/rpm that holds a database)\n"
    "  --snapshot      read a private copy of the database\n"
    "  --all           every installed package\n"
    "  PKG             a package name or an N-V-R[.A] / N-E:V-R[.A] label\n"
    "  --rpm FILE...   read the headers of these .rpm files instead (nothing installed)\n"
    "  --requires      add every installed package the selection requires, transitively\n"
    "  --verify        compare each file on disk with its header, as rpm -V does; a file\n"
    "                  that no longer matches becomes class config\n"
    "  --tsv           tab-separated, stable columns, one header line\n"
    "  (default)       a readable table";

enum {
	OPT_SYSROOT = 0x200,
	OPT_DBPATH,
	OPT_SNAPSHOT,
	OPT_ALL,
	OPT_RPM,
	OPT_REQUIRES,
	OPT_VERIFY,
	OPT_TSV,
};

static int set_once(char **dst, const char *v)
{
	free(*dst);
	*dst = strdup(v);
	return *dst ? 0 : -1;
}

static int check_combination(struct cli *cli, struct rpmscan_cmd *cmd, bool tsv)
{
	if (tsv && cli->json)
		return cli_usage_error(cli, "rpmscan", "--tsv and --json exclude each other");
	cmd->out = tsv ? RPMSCAN_OUT_TSV : cli->json ? RPMSCAN_OUT_JSON : RPMSCAN_OUT_TABLE;
	if (cmd->help)
		return 0;
	if (cmd->scan.all && cmd->rpm_mode)
		return cli_usage_error(cli, "rpmscan", "--all and --rpm exclude each other");
	if (cmd->scan.all && cmd->args.n)
		return cli_usage_error(cli, "rpmscan", "--all takes no package names");
	if (!cmd->scan.all && cmd->args.n == 0)
		return cli_usage_error(cli, "rpmscan",
				       cmd->rpm_mode
					   ? "--rpm needs at least one FILE"
					   : "name packages, or give --all or --rpm FILE...");
	if (cmd->dbpath && !path_is_clean_absolute(cmd->dbpath))
		return cli_usage_error(cli, "rpmscan",
				       "--dbpath must be a clean absolute path, not '%s'",
				       cmd->dbpath);
	if (cmd->sysroot && !*cmd->sysroot)
		return cli_usage_error(cli, "rpmscan", "--sysroot needs a directory");
	return 0;
}

int rpmscan_parse_args(struct cli *cli, struct rpmscan_cmd *cmd, int argc, char **argv)
{
	static const struct option longopts[] = {
	    CLI_COMMON_LONG,
	    {"sysroot", required_argument, NULL, OPT_SYSROOT},
	    {"dbpath", required_argument, NULL, OPT_DBPATH},
	    {"snapshot", no_argument, NULL, OPT_SNAPSHOT},
	    {"all", no_argument, NULL, OPT_ALL},
	    {"rpm", no_argument, NULL, OPT_RPM},
	    {"requires", no_argument, NULL, OPT_REQUIRES},
	    {"verify", no_argument, NULL, OPT_VERIFY},
	    {"tsv", no_argument, NULL, OPT_TSV},
	    {NULL, 0, NULL, 0},
	};
	bool tsv = false;
	int opt;
	memset(cmd, 0, sizeof(*cmd));
	opterr = 0;
	/* Not "+": options may follow package names, as with rpm. */
	while ((opt = getopt_long(argc, argv, ":c:vqh", longopts, NULL)) != -1) {
		if (cli_common_option(cli, opt, optarg, &cmd->help))
			continue;
		switch (opt) {
		case OPT_SYSROOT:
			set_once(&cmd->sysroot, optarg);
			break;
		case OPT_DBPATH:
			set_once(&cmd->dbpath, optarg);
			break;
		case OPT_SNAPSHOT:
			cmd->scan.snapshot = true;
			break;
		case OPT_ALL:
			cmd->scan.all = true;
			break;
		case OPT_RPM:
			cmd->rpm_mode = true;
			break;
		case OPT_REQUIRES:
			cmd->scan.requires
			= true;
			break;
		case OPT_VERIFY:
			cmd->scan.verify = true;
			break;
		case OPT_TSV:
			tsv = true;
			break;
		case ':':
			return cli_usage_error(cli, "rpmscan", "option '%s' needs a value",
					       argv[optind - 1]);
		default:
			return cli_usage_error(cli, "rpmscan", "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	for (int i = optind; i < argc; i++)
		strv_push(&cmd->args, argv[i]);
	return check_combination(cli, cmd, tsv);
}

void rpmscan_cmd_release(struct rpmscan_cmd *cmd)
{
	strv_clear(&cmd->args);
	free(cmd->sysroot);
	free(cmd->dbpath);
}
