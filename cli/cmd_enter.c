/* enter, exec (the full binary's side: a cage that is not mounted, or not
 * on the current generation, is mounted first; see enter/verbs.h). */
#include "cli/cli.h"

#include "enter/verbs.h"
#include "export/commit.h"
#include "mount/cage.h"
#include "mount/cagemp.h"
#include "mount/etc.h"
#include "skel/conf.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int mount_for_entry(const struct uc_config *cfg, const struct uc_user *u, struct slot *out,
			   struct uc_error *err)
{
	/* as `mount` does: an import a crash stopped is finished first */
	int r = import_pending(cfg, u->name) ? import_recover(cfg, u->name, err) : 0;
	if (r < 0)
		return r;
	struct skel_conf conf = {0};
	struct cage_mp mp = {0};
	/* conf.d leniently: a bad line there stops update, not the cages */
	if ((r = cage_etc_conf_load(cfg->config_dir, &conf, err)) < 0)
		return r;
	if ((r = cagemp_load(&mp, cfg->config_dir, err)) == 0) {
		struct cage_mount_opts o = {0};
		bool created;
		r = cage_mount(cfg, &conf, &mp, u, &o, out, &created, err);
		cagemp_release(&mp);
	}
	skel_conf_release(&conf);
	return r;
}

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
	r = enter_run(&cli->cfg, &o, mount_for_entry, &code, &joined, &cli->err);
	if (joined) {
		/* inside the cage with its ids and capabilities: say why and go,
		 * nothing of the host is reachable from here any more */
		fprintf(stderr, "unicage: error: %s\n", cli->err.msg);
		fflush(NULL);
		_exit(code > 0 ? code : (int)cli->err.kind);
	}
	return r;
}
