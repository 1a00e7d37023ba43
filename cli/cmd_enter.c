/* enter, exec (the full binary's side: a cage that is not mounted, or not
 * on the current generation, is mounted first; see enter/verbs.h). */
#include "cli/cli.h"

#include "enter/entry_mount.h"
#include "enter/verbs.h"
#include "lib/audit.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int cmd_enter(struct cli *cli, int argc, char **argv)
{
	struct enter_opts o;
	bool help;
	const char *config = NULL;
	int r = enter_parse(argc, argv, &o, &help, &config, &cli->err);
	if (r < 0)
		return r;
	if (help) {
		cli_print_verb_help(verb_find(argv[0]));
		return 0;
	}
	if (config)
		cli->config_path = config;
	if ((r = cli_load_config(cli)) < 0)
		return r;
	int code;
	bool joined;
	uc_audit(argv[0], (char *[]){(char *)o.user, NULL}, o.cmd, NULL);
	r = enter_run(&cli->cfg, &o, entry_mount_cage, &code, &joined, &cli->err);
	if (joined) {
		/* inside the cage with its ids and capabilities: say why and go,
		 * nothing of the host is reachable from here any more */
		fprintf(stderr, "unicage: error: %s\n", cli->err.msg);
		fflush(NULL);
		_exit(code > 0 ? code : (int)cli->err.kind);
	}
	return r;
}
