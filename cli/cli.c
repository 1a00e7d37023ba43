#include "cli/cli.h"

#include "lib/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const struct verb verbs[] = {
    {"rpmscan", cmd_rpmscan, "list the files of RPM packages, classified (rpmdb or .rpm files)",
     rpmscan_usage, 0},
    {"unify", cmd_unify, "make duplicate files across trees one immutable object (vunify)",
     unify_usage, VERB_NEED_ROOT | VERB_TAKES_LOCK},
    {"vdu", cmd_vdu, "what trees really cost on disk: private and shared bytes (vdu)", vdu_usage,
     0},
    {"addrpm", cmd_addrpm, "add installed packages to rpm.list (applied at the next update)",
     addrpm_usage, VERB_TAKES_LOCK},
    {"delrpm", cmd_delrpm, "remove packages from rpm.list (applied at the next update)",
     delrpm_usage, VERB_TAKES_LOCK},
    {"list-rpm", cmd_listrpm, "show rpm.list", listrpm_usage, 0},
    {"init", cmd_init, "build the first skeleton generation", init_usage,
     VERB_NEED_ROOT | VERB_TAKES_LOCK},
    {"update", cmd_update, "build a new skeleton generation when the wanted files changed",
     update_usage, VERB_NEED_ROOT | VERB_TAKES_LOCK},
    {"update-list", cmd_updatelist,
     "a new skeleton generation taking again only the paths on stdin", updatelist_usage,
     VERB_NEED_ROOT | VERB_TAKES_LOCK},
    {"status", cmd_status, "the skeleton: current generation, files, bytes, objects, dedup",
     status_usage, 0},
    {"print-suids", cmd_printsuids,
     "setuid/setgid files the skeleton takes, and which keep the bit", printsuids_usage, 0},
    {"rollback", cmd_rollback, "make the previous skeleton generation current", rollback_usage,
     VERB_NEED_ROOT | VERB_TAKES_LOCK},
    {"gc", cmd_gc, "remove unused skeleton generations and objects", gc_usage,
     VERB_NEED_ROOT | VERB_TAKES_LOCK},
    {"enable", cmd_users, "cage these users", users_usage, VERB_TAKES_LOCK},
    {"disable", cmd_users, "do not cage these users", users_usage, VERB_TAKES_LOCK},
    {"enable-all", cmd_users, "Enable All mode: every user caged but users.disabled", users_usage,
     VERB_TAKES_LOCK},
    {"disable-all", cmd_users, "Disable All mode: only users.enabled caged", users_usage,
     VERB_TAKES_LOCK},
    {"toggle-mode", cmd_users, "switch the mode, keeping every user's state", users_usage,
     VERB_TAKES_LOCK},
    {"list-enabled", cmd_users, "users who are caged", users_usage, 0},
    {"list-disabled", cmd_users, "users who are not caged", users_usage, 0},
    {"user-status", cmd_users, "whether these users are caged, and why", users_usage, 0},
    {"display-user-mode", cmd_users, "Enable All or Disable All", users_usage, 0},
    {"update-etc", cmd_updateetc, "regenerate the private /etc of cages", updateetc_usage,
     VERB_NEED_ROOT},
    {"mount", cmd_mount, "build these users' cages (a new slot when the skeleton changed)",
     mount_usage, VERB_NEED_ROOT},
    {"umount", cmd_mount, "unmount these users' cages (running processes keep theirs)", mount_usage,
     VERB_NEED_ROOT},
    {"remount", cmd_mount, "a new slot for these users' cages", mount_usage, VERB_NEED_ROOT},
    {"remount-all", cmd_mount, "a new slot for every mounted cage", mount_usage, VERB_NEED_ROOT},
    {"umount-all", cmd_mount, "unmount every cage", mount_usage, VERB_NEED_ROOT},
    {"enter", cmd_enter, "a root repair shell (or -- CMD) inside a user's cage", enter_usage,
     VERB_NEED_ROOT},
    {"exec", cmd_enter, "run CMD as the user inside the user's cage", exec_usage, VERB_NEED_ROOT},
    {"check", cmd_check, "sanity check: kernel features, configuration, skeleton, cages",
     check_usage, VERB_NEED_ROOT},
    {"export", cmd_export, "one archive of a cage's own state (to move or back it up)",
     export_usage, VERB_NEED_ROOT},
    {"import", cmd_import, "a cage from an archive, checked whole before it is put in place",
     import_usage, VERB_NEED_ROOT},
    {"list", cmd_mount, "cages: user, slot, generation, mode, processes", mount_usage, 0},
    {"tmpwatch", cmd_tmpwatch, "remove old files from every cage's /tmp", tmpwatch_usage, VERB_NEED_ROOT},
    {NULL, NULL, NULL, NULL, 0},
};

const struct verb *verb_find(const char *name)
{
	for (const struct verb *v = verbs; v->name; v++)
		if (strcmp(v->name, name) == 0)
			return v;
	return NULL;
}

bool cli_common_option(struct cli *cli, int opt, const char *arg, bool *help)
{
	switch (opt) {
	case 'c':
		cli->config_path = arg;
		return true;
	case OPT_JSON:
		cli->json = true;
		return true;
	case 'v':
		cli->verbosity++;
		return true;
	case 'q':
		cli->verbosity--;
		return true;
	case 'h':
		*help = true;
		return true;
	default:
		return false;
	}
}

int cli_load_config(struct cli *cli)
{
	/* Options are all parsed by now: -v/-q counted wherever they stood. */
	uc_log_init(cli->verbosity);
	return uc_config_load(&cli->cfg, cli->config_path, &cli->err);
}

int cli_usage_error(struct cli *cli, const char *verb, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return uc_fail(&cli->err, UC_BADREQUEST, "%s: %s (see 'unicage %s --help')", verb, msg,
		       verb);
}

void cli_print_verb_help(const struct verb *v)
{
	printf("usage: unicage %s %s\n\n%s.\n", v->name, v->usage, v->summary);
	printf("\nCommon options:\n"
	       "  -c, --config FILE   unicage.conf to use (also UNICAGE_CONFIG)\n"
	       "      --json          output in the {\"data\", \"metadata\"} envelope\n"
	       "  -v, --verbose       more messages (UNICAGE_DEBUG=rpm,path,config for debug)\n"
	       "  -q, --quiet         fewer messages\n"
	       "  -h, --help          this help\n");
}
