/* `unicage init` and `unicage update`: build a skeleton generation. */
#include "cli/cli.h"

#include "lib/json.h"
#include "skel/skel.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char init_usage[] = "[--wait-lock]\n\n  build the first generation of the skeleton";
const char update_usage[] = "[--dry-run] [--wait-lock]\n\n"
			    "  build a new generation when the wanted files changed; \"nothing to do\"\n"
			    "  otherwise (no new generation)\n"
			    "  -n, --dry-run  say whether there is something to do, change nothing";

enum { OPT_WAIT_LOCK = 0x600 };

static void print_stats(struct cli *cli, const struct skel_stats *s, bool dry_run)
{
	static const struct {
		const char *key;
		size_t off;
	} f[] = {
#define F(n) {#n, offsetof(struct skel_stats, n)}
		F(paths), F(files), F(dirs), F(links), F(devices), F(shared), F(config), F(bytes),
		F(objects_created), F(objects_reused), F(unchanged_unread), F(bytes_read),
		F(suid_stripped), F(suid_kept), F(devices_skipped), F(missing), F(blacklisted),
		F(immutable_unsupported),
#undef F
	};
	if (cli->json) {
		struct json j;
		json_init(&j, stdout);
		json_envelope_begin(&j);
		json_object_begin(&j);
		json_kv_string(&j, "generation", s->generation);
		json_kv_bool(&j, "nothing_to_do", s->nothing_to_do);
		json_kv_bool(&j, "dry_run", dry_run);
		for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
			json_kv_uint(&j, f[i].key, *(const uint64_t *)((const char *)s + f[i].off));
		json_object_end(&j);
		json_envelope_end(&j);
		return;
	}
	if (s->nothing_to_do) {
		printf("nothing to do: %s is up to date\n", s->generation);
		return;
	}
	if (dry_run) {
		printf("dry run: the wanted files changed; update would build a new generation\n");
		return;
	}
	printf("generation %s is current\n", s->generation);
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		printf("  %-22s %" PRIu64 "\n", f[i].key, *(const uint64_t *)((const char *)s + f[i].off));
}

static int run(struct cli *cli, const char *verb, bool first, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONG,
		{"wait-lock", no_argument, NULL, OPT_WAIT_LOCK},
		{"dry-run", no_argument, NULL, 'n'},
		{NULL, 0, NULL, 0},
	};
	bool help = false, wait = false, dry = false;
	int opt;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":c:vqhn", longopts, NULL)) != -1) {
		if (cli_common_option(cli, opt, optarg, &help))
			continue;
		if (opt == OPT_WAIT_LOCK)
			wait = true;
		else if (opt == 'n' && !first)
			dry = true;
		else
			return cli_usage_error(cli, verb, "unknown option '%s'", argv[optind - 1]);
	}
	if (help) {
		cli_print_verb_help(verb_find(verb));
		return 0;
	}
	if (optind < argc)
		return cli_usage_error(cli, verb, "takes no arguments");
	int r = cli_load_config(cli);
	if (r < 0)
		return r;
	int lockfd = cli_skel_lock(cli, wait);
	if (lockfd < 0)
		return lockfd;
	struct skel_conf conf;
	r = skel_conf_load(&conf, cli->cfg.config_dir, &cli->err);
	struct skel_stats st;
	struct skel_opts o = {.cfg = &cli->cfg, .conf = &conf, .first = first, .dry_run = dry,
			      .wait_lock = wait, .progress = !cli->json && isatty(STDERR_FILENO)};
	if (r == 0)
		r = skel_build(&o, &st, &cli->err);
	if (r == 0)
		print_stats(cli, &st, dry);
	skel_conf_release(&conf);
	close(lockfd);
	return r;
}

int cmd_init(struct cli *cli, int argc, char **argv)
{
	return run(cli, "init", true, argc, argv);
}

int cmd_update(struct cli *cli, int argc, char **argv)
{
	return run(cli, "update", false, argc, argv);
}
