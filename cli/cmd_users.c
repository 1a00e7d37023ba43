/* Which users are caged: enable, disable, enable-all, disable-all,
 * toggle-mode, list-enabled, list-disabled, user-status, display-user-mode
 * (CageFS's cagefsctl options of the same names). */
#include "cli/cli.h"

#include "lib/json.h"
#include "lib/lock.h"
#include "mount/etc.h"
#include "mount/users.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char users_usage[] =
    "USER...  (enable, disable, user-status)\n"
    "       (none)   (enable-all, disable-all, toggle-mode, list-enabled,\n"
    "                 list-disabled, display-user-mode)\n\n"
    "  Disable All mode (the default): only users.enabled are caged;\n"
    "  Enable All mode: every user but users.disabled. Users below min_uid and\n"
    "  those listed in config_dir/exclude/ are never caged.";

static const char *mode_name(enum cage_mode m)
{
	return m == CAGE_ENABLE_ALL ? "Enable All" : "Disable All";
}

static int users_lock(struct cli *cli)
{
	if (mkdir(cli->cfg.state_dir, 0755) < 0 && errno != EEXIST)
		return uc_fail_errno(&cli->err, errno, "state directory %s", cli->cfg.state_dir);
	int dfd = open(cli->cfg.state_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return uc_fail_errno(&cli->err, errno, "state directory %s", cli->cfg.state_dir);
	int fd = uc_lock_take(dfd, "users.lock", "the users' state", UC_LOCK_WAIT, &cli->err);
	close(dfd);
	return fd;
}

static void print_pairs(struct cli *cli, const struct strv *names, const struct strv *states,
			const char *key)
{
	if (cli->json) {
		struct json j;
		json_init(&j, stdout);
		json_envelope_begin(&j);
		json_array_begin(&j);
		for (size_t i = 0; i < names->n; i++) {
			json_object_begin(&j);
			json_kv_string(&j, "user", names->v[i]);
			if (states)
				json_kv_string(&j, key, states->v[i]);
			json_object_end(&j);
		}
		json_array_end(&j);
		json_envelope_end(&j);
		return;
	}
	for (size_t i = 0; i < names->n; i++)
		printf(states ? "%s: %s\n" : "%s\n", names->v[i], states ? states->v[i] : "");
}

/* enable / disable / user-status: each USER looked up first; an unknown one
 * is exit 4 before anything changes. */
static int per_user(struct cli *cli, const char *verb, struct strv *args, struct cage_users *cu)
{
	bool set = strcmp(verb, "user-status") != 0;
	bool enable = strcmp(verb, "enable") == 0;
	struct strv names = STRV_INIT, states = STRV_INIT;
	struct uc_user *u = calloc(args->n + 1, sizeof(*u));
	int r = u ? 0 : uc_fail(&cli->err, UC_INTERNAL, "out of memory");
	for (size_t i = 0; r == 0 && i < args->n; i++)
		r = users_lookup(&cli->cfg, args->v[i], &u[i], &cli->err);
	for (size_t i = 0; r == 0 && set && i < args->n; i++)
		r = cage_user_set(&cli->cfg, cu, &u[i], enable, &cli->err);
	if (r == 0 && set)
		r = cage_users_save(&cli->cfg, cu, &cli->err);
	for (size_t i = 0; r == 0 && i < args->n; i++) {
		strv_push(&names, u[i].name);
		strv_push(&states, cage_verdict_name(cage_user_verdict(&cli->cfg, cu, &u[i])));
	}
	if (r == 0)
		print_pairs(cli, &names, &states, "status");
	for (size_t i = 0; u && i < args->n; i++)
		user_release(&u[i]);
	free(u);
	strv_clear(&names);
	strv_clear(&states);
	return r;
}

static int listing(struct cli *cli, struct cage_users *cu, enum user_verdict want)
{
	struct uc_userlist all;
	struct strv names = STRV_INIT;
	int r = users_all(&cli->cfg, &all, &cli->err);
	for (size_t i = 0; r == 0 && i < all.n; i++) {
		enum user_verdict v = cage_user_verdict(&cli->cfg, cu, &all.v[i]);
		if (v == U_SYSTEM)
			continue; /* system accounts are never caged: not listed */
		if ((want == U_ENABLED) == (v == U_ENABLED))
			strv_push(&names, all.v[i].name);
	}
	if (r == 0)
		print_pairs(cli, &names, NULL, NULL);
	userlist_release(&all);
	strv_clear(&names);
	return r;
}

static int mode_verb(struct cli *cli, const char *verb, struct cage_users *cu)
{
	int r = 0;
	if (strcmp(verb, "enable-all") == 0)
		cu->mode = CAGE_ENABLE_ALL;
	else if (strcmp(verb, "disable-all") == 0)
		cu->mode = CAGE_DISABLE_ALL;
	else if (strcmp(verb, "toggle-mode") == 0)
		r = cage_users_toggle(&cli->cfg, cu, &cli->err);
	if (r == 0 && strcmp(verb, "display-user-mode") != 0)
		r = cage_users_save(&cli->cfg, cu, &cli->err);
	if (r == 0 && cli->json) {
		struct json j;
		json_init(&j, stdout);
		json_envelope_begin(&j);
		json_object_begin(&j);
		json_kv_string(&j, "mode", mode_name(cu->mode));
		json_object_end(&j);
		json_envelope_end(&j);
	} else if (r == 0) {
		printf("Mode: %s\n", mode_name(cu->mode));
	}
	return r;
}

int cmd_users(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {CLI_COMMON_LONG, {NULL, 0, NULL, 0}};
	const char *verb = argv[0];
	bool help = false, takes_users = !strcmp(verb, "enable") || !strcmp(verb, "disable") ||
					 !strcmp(verb, "user-status");
	int opt;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":c:vqh", longopts, NULL)) != -1)
		if (!cli_common_option(cli, opt, optarg, &help))
			return cli_usage_error(cli, verb, "unknown option '%s'", argv[optind - 1]);
	if (help) {
		cli_print_verb_help(verb_find(verb));
		return 0;
	}
	if (takes_users && optind >= argc)
		return cli_usage_error(cli, verb, "name at least one USER");
	if (!takes_users && optind < argc)
		return cli_usage_error(cli, verb, "takes no arguments");
	struct strv args = STRV_INIT;
	for (int i = optind; i < argc; i++)
		strv_push(&args, argv[i]);
	int r = cli_load_config(cli);
	bool mutating = !strcmp(verb, "enable") || !strcmp(verb, "disable") ||
			!strcmp(verb, "enable-all") || !strcmp(verb, "disable-all") ||
			!strcmp(verb, "toggle-mode");
	int lockfd = r == 0 && mutating ? users_lock(cli) : -1;
	if (mutating && lockfd < 0 && r == 0)
		r = lockfd;
	struct cage_users cu = {0};
	if (r == 0)
		r = cage_users_load(&cli->cfg, &cu, &cli->err);
	/* sessions cage the users of a broken exclude/ file; a change of the
	 * state waits until it is fixed */
	if (r == 0 && mutating && cu.broken.n)
		r = uc_fail(&cli->err, UC_BADREQUEST, "%s", cu.broken.v[0]);
	if (r == 0) {
		if (takes_users)
			r = per_user(cli, verb, &args, &cu);
		else if (!strcmp(verb, "list-enabled"))
			r = listing(cli, &cu, U_ENABLED);
		else if (!strcmp(verb, "list-disabled"))
			r = listing(cli, &cu, U_DISABLED);
		else
			r = mode_verb(cli, verb, &cu);
	}
	cage_users_release(&cu);
	strv_clear(&args);
	if (lockfd >= 0)
		close(lockfd);
	return r;
}

const char updateetc_usage[] =
    "[USER...]\n\n"
    "  regenerate the private /etc of these users' cages (all caged users\n"
    "  without arguments): the skeleton's etc, passwd and group with the\n"
    "  system accounts and that user only, then custom.etc/USER/";

int cmd_updateetc(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {CLI_COMMON_LONG, {NULL, 0, NULL, 0}};
	bool help = false;
	int opt;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":c:vqh", longopts, NULL)) != -1)
		if (!cli_common_option(cli, opt, optarg, &help))
			return cli_usage_error(cli, "update-etc", "unknown option '%s'",
					       argv[optind - 1]);
	if (help) {
		cli_print_verb_help(verb_find("update-etc"));
		return 0;
	}
	struct skel_conf conf = {0};
	struct cage_users cu = {0};
	struct uc_userlist users = {0};
	struct strv done = STRV_INIT;
	int r = cli_load_config(cli);
	if (r == 0)
		r = skel_conf_load(&conf, cli->cfg.config_dir, &cli->err);
	if (r == 0)
		r = cage_users_load(&cli->cfg, &cu, &cli->err);
	if (r == 0 && optind < argc) {
		users.v = calloc((size_t)(argc - optind), sizeof(*users.v));
		for (int i = optind; r == 0 && users.v && i < argc; i++)
			if ((r = users_lookup(&cli->cfg, argv[i], &users.v[users.n], &cli->err)) ==
			    0)
				users.n++;
	} else if (r == 0) {
		r = users_all(&cli->cfg, &users, &cli->err);
	}
	for (size_t i = 0; r == 0 && i < users.n; i++) {
		if (optind >= argc && cage_user_verdict(&cli->cfg, &cu, &users.v[i]) != U_ENABLED)
			continue; /* all: the caged users only */
		r = cage_etc_generate(&cli->cfg, &conf, &users.v[i], NULL, &cli->err);
		if (r == 0)
			strv_push(&done, users.v[i].name);
	}
	if (r == 0) {
		if (cli->json) {
			struct json j;
			json_init(&j, stdout);
			json_envelope_begin(&j);
			json_array_begin(&j);
			for (size_t i = 0; i < done.n; i++)
				json_string(&j, done.v[i]);
			json_array_end(&j);
			json_envelope_end(&j);
		} else {
			for (size_t i = 0; i < done.n; i++)
				printf("%s: /etc regenerated\n", done.v[i]);
		}
	}
	strv_clear(&done);
	userlist_release(&users);
	cage_users_release(&cu);
	skel_conf_release(&conf);
	return r;
}
