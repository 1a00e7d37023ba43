/* The account lifecycle, as control panels and userdel call it
 * (doc/users.md): user-created, user-renamed, user-deleted, clean,
 * getprefix, remove-all. */
#include "cli/cli.h"

#include "lib/audit.h"
#include "lib/json.h"
#include "mount/etc.h"
#include "mount/lifecycle.h"
#include "mount/policy.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char lifecycle_usage_created[] =
    "USER\n\n"
    "  a new account: its cage directory (cages_dir/NN/USER) made with its owner\n"
    "  record and, when a skeleton exists, its /etc; the cage mounts at the first\n"
    "  session. A cage a former account of that name left (another uid) is\n"
    "  removed first: a new account never gets another one's files.";
const char lifecycle_usage_renamed[] =
    "OLD NEW\n\n"
    "  the account OLD is now NEW (the same uid; OLD = NEW for a new home):\n"
    "  OLD's slots are killed, then its cage directory, custom.etc/OLD and its\n"
    "  users.enabled / users.disabled entries move to NEW, and /etc is made\n"
    "  again. Refused, nothing changed, when OLD is still an account, when NEW\n"
    "  has a cage or custom.etc of its own, or when a cage of OLD was made for\n"
    "  another uid. Run again after a crash, it finishes the rename.";
const char lifecycle_usage_deleted[] =
    "USER\n\n"
    "  an account removed (hooks/unicage-userdel is a USERDEL_CMD for it): the\n"
    "  user's slots killed and released, its cage directory, custom.etc/USER\n"
    "  and its users.enabled / users.disabled entries removed. Works before and\n"
    "  after the account is gone.";
const char lifecycle_usage_clean[] =
    "\n\n"
    "  remove the cages of accounts that no longer exist (or whose name a new\n"
    "  account took), killing what runs in them, and the pins of their slots\n"
    "  (CageFS --clean-var-cagefs). Prints each cage removed.";
const char lifecycle_usage_getprefix[] =
    "USER\n\n"
    "  the two-digit prefix of USER's cage directory: uid mod 100\n"
    "  (cages_dir/PREFIX/USER)";
const char removeall_usage[] =
    "[--yes]\n\n"
    "  CageFS --remove-all: Disable All mode with nobody enabled, every cage\n"
    "  unmounted (processes killed), then the skeleton, the store and every\n"
    "  cage removed. The configuration (config_dir) is kept. On a terminal it\n"
    "  asks first unless --yes.";

enum { OPT_YES = 0x700 };
const struct option removeall_longopts[] = {{"yes", no_argument, NULL, OPT_YES},
					    {NULL, 0, NULL, 0}};

/* {"user": user, key: value} or "user: value". */
static void say(struct cli *cli, const char *user, const char *key, const char *value)
{
	if (!cli_says(cli))
		return;
	if (!cli->json) {
		printf("%s: %s\n", user, value);
		return;
	}
	struct json j;
	json_init(&j, stdout);
	json_envelope_begin(&j);
	json_object_begin(&j);
	json_kv_string(&j, "user", user);
	json_kv_string(&j, key, value);
	json_object_end(&j);
	json_envelope_end(&j);
}

static int created(struct cli *cli, const char *name)
{
	struct uc_user u;
	struct skel_conf conf = {0};
	bool etc;
	int r = users_lookup(&cli->cfg, name, &u, &cli->err);
	if (r < 0)
		return r;
	if ((r = etc_conf_load(cli->cfg.config_dir, &conf, &cli->err)) == 0 &&
	    (r = lifecycle_created(&cli->cfg, &conf, &u, &etc, &cli->err)) == 0)
		say(cli, u.name, "result",
		    etc ? "cage ready" : "cage ready (no skeleton yet: /etc at the first mount)");
	skel_conf_release(&conf);
	user_release(&u);
	return r;
}

static int renamed(struct cli *cli, const char *old, const char *nu)
{
	struct uc_user u;
	struct skel_conf conf = {0};
	char what[600];
	int r = users_lookup(&cli->cfg, nu, &u, &cli->err);
	if (r < 0)
		return r;
	if ((r = etc_conf_load(cli->cfg.config_dir, &conf, &cli->err)) == 0 &&
	    (r = lifecycle_renamed(&cli->cfg, &conf, old, &u, &cli->err)) == 0) {
		snprintf(what, sizeof(what), "renamed from %s", old);
		say(cli, u.name, "result", what);
	}
	skel_conf_release(&conf);
	user_release(&u);
	return r;
}

static int deleted(struct cli *cli, const char *name)
{
	bool found;
	int r = lifecycle_deleted(&cli->cfg, name, &found, &cli->err);
	if (r == 0)
		say(cli, name, "result", found ? "cage removed" : "no cage");
	return r;
}

static int clean(struct cli *cli)
{
	struct strv removed = STRV_INIT;
	int r = lifecycle_clean(&cli->cfg, &removed, &cli->err);
	if (r == 0 && cli->json) {
		struct json j;
		json_init(&j, stdout);
		json_envelope_begin(&j);
		json_array_begin(&j);
		for (size_t i = 0; i < removed.n; i++)
			json_string(&j, removed.v[i]);
		json_array_end(&j);
		json_envelope_end(&j);
	} else if (r == 0 && cli_says(cli)) {
		for (size_t i = 0; i < removed.n; i++)
			printf("removed %s/%s\n", cli->cfg.cages_dir, removed.v[i]);
	}
	strv_clear(&removed);
	return r;
}

static int getprefix(struct cli *cli, const char *name)
{
	struct uc_user u;
	char nn[8];
	int r = users_lookup(&cli->cfg, name, &u, &cli->err);
	if (r < 0)
		return r;
	snprintf(nn, sizeof(nn), "%02u", (unsigned)(u.uid % 100));
	if (cli->json) {
		say(cli, u.name, "prefix", nn);
	} else {
		printf("%s\n", nn); /* as cagefsctl --getprefix: the prefix alone */
	}
	user_release(&u);
	return 0;
}

int cmd_lifecycle(struct cli *cli, int argc, char **argv)
{
	const char *verb = argv[0];
	int want = !strcmp(verb, "clean") ? 0 : !strcmp(verb, "user-renamed") ? 2 : 1;
	while (cli_getopt(cli, argc, argv) != -1)
		;
	if (argc - optind != want)
		return cli_usage_error(cli, verb, "%s",
				       want == 0   ? "takes no arguments"
				       : want == 2 ? "name OLD and NEW"
						   : "name one USER");
	char **a = argv + optind;
	/* a name that cannot be a cage's is refused before any lookup: an
	 * account database may hold anything */
	for (int i = 0; i < want; i++)
		if (!lifecycle_name_ok(a[i]))
			return uc_fail(&cli->err, UC_BADREQUEST,
				       "%s: '%s' is not a user name a cage can have", verb, a[i]);
	if (!strcmp(verb, "user-created"))
		return created(cli, a[0]);
	if (!strcmp(verb, "user-renamed"))
		return renamed(cli, a[0], a[1]);
	if (!strcmp(verb, "user-deleted"))
		return deleted(cli, a[0]);
	if (!strcmp(verb, "getprefix"))
		return getprefix(cli, a[0]);
	return clean(cli);
}

/* On a terminal: the question, and "yes" typed. */
static bool confirmed(void)
{
	char line[16] = "";
	fprintf(stderr, "remove-all: every cage, the skeleton and the store are removed; the "
			"configuration is kept. Type yes to go on: ");
	return fgets(line, sizeof(line), stdin) && !strcmp(line, "yes\n");
}

int cmd_removeall(struct cli *cli, int argc, char **argv)
{
	bool yes = false;
	int opt;
	while ((opt = cli_getopt(cli, argc, argv)) != -1)
		yes = yes || opt == OPT_YES;
	if (optind < argc)
		return cli_usage_error(cli, "remove-all", "takes no arguments");
	if (!yes && isatty(STDIN_FILENO) && !confirmed())
		return uc_fail(&cli->err, UC_BADREQUEST, "remove-all: not confirmed, nothing done");
	int r = lifecycle_remove_all(&cli->cfg, &cli->err);
	uc_audit("remove-all", NULL, argv, r == 0 ? "ok" : "failed");
	if (r < 0 || !cli_says(cli))
		return r;
	if (cli->json) {
		struct json j;
		json_init(&j, stdout);
		json_envelope_begin(&j);
		json_object_begin(&j);
		json_kv_string(&j, "removed", "cages, skeleton, store");
		json_kv_string(&j, "kept", cli->cfg.config_dir);
		json_object_end(&j);
		json_envelope_end(&j);
	} else {
		printf("removed: every cage, the skeleton and the store; kept: %s\n",
		       cli->cfg.config_dir);
	}
	return 0;
}
