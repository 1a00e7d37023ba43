/* Which users are caged: enable, disable, enable-all, disable-all,
 * toggle-mode, list-enabled, list-disabled, user-status, display-user-mode
 * (CageFS's cagefsctl options of the same names). */
#include "cli/cli.h"

#include "lib/json.h"
#include "lib/lock.h"
#include "mount/etc.h"
#include "mount/policy.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define USERS_HELP                                                                                 \
	"  Disable All mode (the default): only users.enabled are caged;\n"                        \
	"  Enable All mode: every user but users.disabled. Users below min_uid and\n"              \
	"  those listed in config_dir/exclude/ are never caged."
const char users_usage_user[] = "USER...\n\n" USERS_HELP;
const char users_usage_none[] = "\n\n" USERS_HELP;

static const char *mode_name(enum cage_mode m)
{
	return m == CAGE_ENABLE_ALL ? "Enable All" : "Disable All";
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
		if (cli->err.kind != UC_OK) {
			json_envelope_end_result(&j, uc_kind_name(cli->err.kind), cli->err.msg);
			cli->err_reported = true;
		} else {
			json_envelope_end(&j);
		}
		return;
	}
	for (size_t i = 0; i < names->n; i++)
		printf(states ? "%s: %s\n" : "%s\n", names->v[i], states ? states->v[i] : "");
}

/* user-status: each USER reported, an unknown one as such (exit 4 after
 * the others are printed). */
static int status_each(struct cli *cli, struct strv *args, struct cage_users *cu)
{
	struct strv names = STRV_INIT, states = STRV_INIT;
	int r = 0;
	for (size_t i = 0; i < args->n; i++) {
		struct uc_user u;
		struct uc_error e = {0};
		strv_push(&names, args->v[i]);
		if (users_lookup(&cli->cfg, args->v[i], &u, &e) < 0) {
			strv_push(&states, e.kind == UC_NOTFOUND ? "unknown user" : e.msg);
			if (cli->err.kind == UC_OK)
				cli->err = e;
			r = -1;
			continue;
		}
		strv_push(&states, policy_verdict_name(policy_verdict(&cli->cfg, cu, &u)));
		user_release(&u);
	}
	print_pairs(cli, &names, &states, "status");
	strv_clear(&names);
	strv_clear(&states);
	return r;
}

/* enable / disable: each USER looked up first; an unknown one is exit 4
 * before anything changes. */
static int set_each(struct cli *cli, const char *verb, struct strv *args, struct cage_users *cu)
{
	bool enable = strcmp(verb, "enable") == 0;
	struct strv names = STRV_INIT, states = STRV_INIT;
	struct uc_user *u = calloc(args->n + 1, sizeof(*u));
	int r = u ? 0 : uc_fail(&cli->err, UC_INTERNAL, "out of memory");
	for (size_t i = 0; r == 0 && i < args->n; i++)
		r = users_lookup(&cli->cfg, args->v[i], &u[i], &cli->err);
	for (size_t i = 0; r == 0 && i < args->n; i++)
		r = policy_user_set(&cli->cfg, cu, &u[i], enable, &cli->err);
	if (r == 0)
		r = policy_save(&cli->cfg, cu, &cli->err);
	for (size_t i = 0; r == 0 && i < args->n; i++) {
		strv_push(&names, u[i].name);
		strv_push(&states, policy_verdict_name(policy_verdict(&cli->cfg, cu, &u[i])));
	}
	if (r == 0 && cli_says(cli))
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
		enum user_verdict v = policy_verdict(&cli->cfg, cu, &all.v[i]);
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
		r = policy_toggle(&cli->cfg, cu, &cli->err);
	if (r == 0 && strcmp(verb, "display-user-mode") != 0)
		r = policy_save(&cli->cfg, cu, &cli->err);
	bool report = strcmp(verb, "display-user-mode") == 0;
	if (r == 0 && cli->json) {
		struct json j;
		json_init(&j, stdout);
		json_envelope_begin(&j);
		json_object_begin(&j);
		json_kv_string(&j, "mode", mode_name(cu->mode));
		json_object_end(&j);
		json_envelope_end(&j);
	} else if (r == 0 && (report || cli_says(cli))) {
		printf("Mode: %s\n", mode_name(cu->mode));
	}
	return r;
}

int cmd_users(struct cli *cli, int argc, char **argv)
{
	const char *verb = argv[0];
	bool takes_users =
	    !strcmp(verb, "enable") || !strcmp(verb, "disable") || !strcmp(verb, "user-status");
	bool mutating = cli->verb->flags & VERB_USERS_LOCK;
	while (cli_getopt(cli, argc, argv) != -1)
		;
	if (takes_users && optind >= argc)
		return cli_usage_error(cli, verb, "name at least one USER");
	if (!takes_users && optind < argc)
		return cli_usage_error(cli, verb, "takes no arguments");
	struct strv args = STRV_INIT;
	for (int i = optind; i < argc; i++)
		strv_push(&args, argv[i]);
	struct cage_users cu = {0};
	int r = policy_load(&cli->cfg, &cu, &cli->err);
	/* sessions cage the users of a broken exclude/ file; a change of the
	 * state waits until it is fixed */
	if (r == 0 && mutating && cu.broken.n)
		r = uc_fail(&cli->err, UC_BADREQUEST, "%s", cu.broken.v[0]);
	if (r == 0) {
		if (!strcmp(verb, "user-status"))
			r = status_each(cli, &args, &cu);
		else if (takes_users)
			r = set_each(cli, verb, &args, &cu);
		else if (!strcmp(verb, "list-enabled"))
			r = listing(cli, &cu, U_ENABLED);
		else if (!strcmp(verb, "list-disabled"))
			r = listing(cli, &cu, U_DISABLED);
		else
			r = mode_verb(cli, verb, &cu);
	}
	policy_release(&cu);
	strv_clear(&args);
	return r;
}

const char updateetc_usage[] =
    "[USER...]\n\n"
    "  regenerate the private /etc of these users' cages (all caged users\n"
    "  without arguments): the skeleton's etc, passwd and group with the\n"
    "  system accounts and that user only, then custom.etc/USER/";

int cmd_updateetc(struct cli *cli, int argc, char **argv)
{
	while (cli_getopt(cli, argc, argv) != -1)
		;
	struct skel_conf conf = {0};
	struct cage_users cu = {0};
	struct uc_userlist users = {0};
	struct strv done = STRV_INIT;
	int r = skel_conf_load(&conf, cli->cfg.config_dir, &cli->err);
	if (r == 0)
		r = policy_load(&cli->cfg, &cu, &cli->err);
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
		if (optind >= argc && policy_verdict(&cli->cfg, &cu, &users.v[i]) != U_ENABLED)
			continue; /* all: the caged users only */
		r = etc_generate(&cli->cfg, &conf, &users.v[i], NULL, &cli->err);
		if (r == 0)
			strv_push(&done, users.v[i].name);
	}
	if (r == 0 && cli_says(cli)) {
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
	policy_release(&cu);
	skel_conf_release(&conf);
	return r;
}
