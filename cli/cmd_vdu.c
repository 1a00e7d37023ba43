/* `unicage vdu` (vdu): private and shared bytes of trees. */
#include "cli/cli.h"
#include "cli/vdu_front.h"

#include <getopt.h>

const char vdu_usage[] =
    "[-s] [-h] [--inodes] [--cross-mounts] [--json] PATH...\n\n"
    "  per PATH: apparent bytes, allocated bytes, private (allocated bytes of inodes\n"
    "  all of whose links are inside PATH) and shared (the others, each once)\n"
    "  -s              add a total over all PATHs (an inode linked only from within\n"
    "                  them is private to the set)\n"
    "  -h, --human     sizes in K, M, G (1024)\n"
    "  --inodes        inode counts too\n"
    "  -x              do not cross mount points (the default)\n"
    "  --cross-mounts  do cross them";

int cmd_vdu(struct cli *cli, int argc, char **argv)
{
	struct vdu_opts o = {0};
	if (vdu_parse(cli, argc, argv, &o) < 0)
		return cli_usage_error(cli, "vdu", "unknown option '%s'", argv[optind - 1]);
	if (o.help) {
		cli_print_verb_help(verb_find("vdu"));
		return 0;
	}
	if (optind >= argc)
		return cli_usage_error(cli, "vdu", "name at least one PATH");
	return vdu_run(cli, argv + optind, (size_t)(argc - optind), &o);
}
