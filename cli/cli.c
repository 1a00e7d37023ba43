#include "cli/cli.h"

#include "lib/cleanup.h"
#include "lib/json.h"
#include "lib/lock.h"
#include "lib/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ROOT VERB_NEED_ROOT
#define CONF VERB_NEEDS_CONFIG
#define SKEL_LOCK (VERB_NEEDS_CONFIG | VERB_TAKES_LOCK)
#define USERS_LOCK (VERB_NEEDS_CONFIG | VERB_USERS_LOCK)
#define OWN VERB_OWN_ARGS

/* a verb with no options of its own leaves the last two fields out */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
const struct verb verbs[] = {
    {"rpmscan", cmd_rpmscan, "list the files of RPM packages, classified (rpmdb or .rpm files)",
     rpmscan_usage, OWN},
    {"unify", cmd_unify, "make duplicate files across trees one immutable object (vunify)",
     unify_usage, ROOT | CONF, "n", unify_longopts},
    {"vdu", cmd_vdu, "what trees really cost on disk: private and shared bytes (vdu)", vdu_usage,
     OWN},
    {"addrpm", cmd_addrpm, "add installed packages to rpm.list (applied at the next update)",
     addrpm_usage, SKEL_LOCK, NULL, addrpm_longopts},
    {"delrpm", cmd_delrpm, "remove packages from rpm.list (applied at the next update)",
     delrpm_usage, SKEL_LOCK},
    {"list-rpm", cmd_listrpm, "show rpm.list", listrpm_usage, CONF},
    {"init", cmd_init, "build the first skeleton generation", init_usage, ROOT | SKEL_LOCK},
    {"update", cmd_update, "build a new skeleton generation when the wanted files changed",
     update_usage, ROOT | SKEL_LOCK, "n", update_longopts},
    {"update-list", cmd_updatelist,
     "a new skeleton generation taking again only the paths on stdin", updatelist_usage,
     ROOT | SKEL_LOCK, "n", updatelist_longopts},
    {"status", cmd_status, "the skeleton: current generation, files, bytes, objects, dedup",
     status_usage, CONF},
    {"print-suids", cmd_printsuids,
     "setuid/setgid files the skeleton takes, and which keep the bit", printsuids_usage, CONF},
    {"rollback", cmd_rollback, "make the previous skeleton generation current", rollback_usage,
     ROOT | SKEL_LOCK},
    {"gc", cmd_gc, "remove unused skeleton generations and objects", gc_usage, ROOT | SKEL_LOCK},
    {"enable", cmd_users, "cage these users", users_usage_user, ROOT | USERS_LOCK},
    {"disable", cmd_users, "do not cage these users", users_usage_user, ROOT | USERS_LOCK},
    {"enable-all", cmd_users, "Enable All mode: every user caged but users.disabled",
     users_usage_none, ROOT | USERS_LOCK},
    {"disable-all", cmd_users, "Disable All mode: only users.enabled caged", users_usage_none,
     ROOT | USERS_LOCK},
    {"toggle-mode", cmd_users, "switch the mode, keeping every user's state", users_usage_none,
     ROOT | USERS_LOCK},
    {"list-enabled", cmd_users, "users who are caged", users_usage_none, CONF},
    {"list-disabled", cmd_users, "users who are not caged", users_usage_none, CONF},
    {"user-status", cmd_users, "whether these users are caged, and why", users_usage_user, CONF},
    {"display-user-mode", cmd_users, "Enable All or Disable All", users_usage_none, CONF},
    {"update-etc", cmd_updateetc, "regenerate the private /etc of cages", updateetc_usage,
     ROOT | CONF},
    {"mount", cmd_mount, "build these users' cages (a new slot when the skeleton changed)",
     mount_usage_mount, ROOT | CONF},
    {"umount", cmd_mount, "unmount these users' cages (running processes keep theirs)",
     mount_usage_user, ROOT | CONF, NULL, mount_longopts},
    {"remount", cmd_mount, "a new slot for these users' cages", mount_usage_user, ROOT | CONF, NULL,
     mount_longopts},
    {"remount-all", cmd_mount, "a new slot for every mounted cage", mount_usage_none, ROOT | CONF,
     NULL, mount_longopts},
    {"umount-all", cmd_mount, "unmount every cage", mount_usage_none, ROOT | CONF, NULL,
     mount_longopts},
    {"enter", cmd_enter, "a root repair shell (or -- CMD) inside a user's cage", enter_usage,
     ROOT | OWN},
    {"exec", cmd_enter, "run CMD as the user inside the user's cage", exec_usage, ROOT | OWN},
    {"check", cmd_check, "sanity check: kernel features, configuration, skeleton, cages",
     check_usage, ROOT | CONF, NULL, check_longopts},
    {"export", cmd_export, "one archive of a cage's own state (to move or back it up)",
     export_usage, ROOT | CONF, "o:", export_longopts},
    {"import", cmd_import, "a cage from an archive, checked whole before it is put in place",
     import_usage, ROOT | CONF, NULL, import_longopts},
    {"list", cmd_mount, "cages: user, slot, generation, mode, processes", mount_usage_list, CONF},
    {"user-created", cmd_lifecycle, "a new account: its cage directory and /etc made ready",
     lifecycle_usage_created, ROOT | USERS_LOCK},
    {"user-renamed", cmd_lifecycle,
     "an account renamed or moved: its cage, upper, custom.etc and state follow",
     lifecycle_usage_renamed, ROOT | USERS_LOCK},
    {"user-deleted", cmd_lifecycle, "an account removed: its cage unmounted (--kill) and removed",
     lifecycle_usage_deleted, ROOT | USERS_LOCK},
    {"clean", cmd_lifecycle, "remove the cages and pins of users that no longer exist",
     lifecycle_usage_clean, ROOT | USERS_LOCK},
    {"remove-all", cmd_removeall,
     "disable every cage, unmount all, remove skeleton, store and cages (config kept)",
     removeall_usage, ROOT | SKEL_LOCK | VERB_USERS_LOCK, NULL, removeall_longopts},
    {"getprefix", cmd_lifecycle, "the two-digit prefix of a user's cage directory (uid mod 100)",
     lifecycle_usage_getprefix, CONF},
    {"tmpwatch", cmd_tmpwatch, "remove old files from every cage's /tmp", tmpwatch_usage,
     ROOT | CONF, NULL, tmpwatch_longopts},
    {NULL, NULL, NULL, NULL, 0, NULL, NULL},
};
#pragma GCC diagnostic pop

#undef ROOT
#undef CONF
#undef SKEL_LOCK
#undef USERS_LOCK
#undef OWN

const struct verb *verb_find(const char *name)
{
	for (const struct verb *v = verbs; v->name; v++)
		if (strcmp(v->name, name) == 0)
			return v;
	return NULL;
}

/* Levenshtein distance, capped: names are short. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[64];
	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

const struct verb *verb_nearest(const char *name)
{
	const struct verb *best = NULL, *prefix = NULL;
	size_t best_d = 3, n_prefix = 0;
	for (const struct verb *v = verbs; v->name; v++) {
		size_t d = edit_distance(name, v->name);
		if (d < best_d && d < strlen(name)) { /* not a short word made over */
			best_d = d;
			best = v;
		}
		if (*name && strncmp(v->name, name, strlen(name)) == 0) {
			prefix = v;
			n_prefix++;
		}
	}
	return best ? best : n_prefix == 1 ? prefix : NULL;
}

/* getopt_long's tables for v: the common options, --wait-lock for verbs
 * that take the skeleton's lock, then the verb's own. */
static void verb_getopt_tables(const struct verb *v, char *shorts, size_t size,
			       struct option *longs, size_t max)
{
	static const struct option common[] = {CLI_COMMON_LONG};
	size_t n = 0;
	snprintf(shorts, size, ":c:vqh%s", v->shortopts ? v->shortopts : "");
	for (size_t i = 0; i < UC_ARRAY_SIZE(common); i++)
		longs[n++] = common[i];
	if (v->flags & VERB_TAKES_LOCK)
		longs[n++] = (struct option){"wait-lock", no_argument, NULL, OPT_WAIT_LOCK_COMMON};
	for (const struct option *o = v->longopts; o && o->name && n + 1 < max; o++)
		longs[n++] = *o;
	longs[n] = (struct option){NULL, 0, NULL, 0};
}

int cli_getopt(struct cli *cli, int argc, char **argv)
{
	char shorts[64];
	struct option longs[48];
	verb_getopt_tables(cli->verb, shorts, sizeof(shorts), longs, UC_ARRAY_SIZE(longs));
	int opt;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		bool dummy;
		struct cli scratch = {0};
		/* common ones were counted by cli_prepare: skipped here */
		if (opt != OPT_WAIT_LOCK_COMMON &&
		    !cli_common_option(&scratch, opt, optarg, &dummy))
			return opt;
	}
	return -1;
}

bool cli_says(const struct cli *cli)
{
	return cli->json || cli->verbosity >= 0;
}

/* Common options into cli; *bad: the first option refused, or NULL. */
static bool prescan(struct cli *cli, const struct verb *v, int argc, char **argv, char *bad,
		    size_t size)
{
	char shorts[64];
	struct option longs[48];
	bool help = false;
	int opt;
	verb_getopt_tables(v, shorts, sizeof(shorts), longs, UC_ARRAY_SIZE(longs));
	*bad = '\0';
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		if (opt == OPT_WAIT_LOCK_COMMON)
			cli->wait_lock = true;
		else if ((opt == '?' || opt == ':') && !*bad)
			snprintf(bad, size, "%s '%s'",
				 opt == ':' ? "option needs a value:" : "unknown option",
				 argv[optind - 1]);
		else
			cli_common_option(cli, opt, optarg, &help);
	}
	optind = 0;
	return help;
}

/* -h or --help before "--" (the verbs that parse their own argv). */
static bool asks_help(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return true;
	return false;
}

static int need_root(struct cli *cli, const struct verb *v)
{
	if (!(v->flags & VERB_NEED_ROOT) || geteuid() == 0)
		return 0;
	return uc_fail(&cli->err, UC_PERMISSION, "%s: must be run as root", v->name);
}

int cli_prepare(struct cli *cli, const struct verb *v, int argc, char **argv, int lockfd[2])
{
	char bad[300];
	cli->verb = v;
	if (v->flags & VERB_OWN_ARGS)
		return asks_help(argc, argv) ? 0 : need_root(cli, v);
	if (prescan(cli, v, argc, argv, bad, sizeof(bad))) {
		cli_print_verb_help(v);
		return 1;
	}
	int r = need_root(cli, v);
	if (r == 0 && *bad)
		r = cli_usage_error(cli, v->name, "%s", bad);
	uc_log_init(cli->verbosity);
	if (r == 0 && (v->flags & VERB_NEEDS_CONFIG))
		r = cli_load_config(cli);
	if (r == 0 && (v->flags & VERB_TAKES_LOCK) &&
	    (lockfd[0] = cli_skel_lock(cli, cli->wait_lock)) < 0)
		r = lockfd[0];
	if (r == 0 && (v->flags & VERB_USERS_LOCK) && (lockfd[1] = cli_users_lock(cli)) < 0)
		r = lockfd[1];
	return r;
}

int cli_users_lock(struct cli *cli)
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
	printf("usage: unicage %s%s%s\n\n%s.\n", v->name, v->usage[0] == '\n' ? "" : " ", v->usage,
	       v->summary);
	printf("\nCommon options:\n"
	       "  -c, --config FILE   unicage.conf to use (also UNICAGE_CONFIG)\n"
	       "      --json          output in the {\"data\", \"metadata\"} envelope\n"
	       "  -v, --verbose       more messages (UNICAGE_DEBUG=rpm,path,config for debug)\n"
	       "  -q, --quiet         fewer messages\n"
	       "  -h, --help          this help\n");
}

int cli_report(struct cli *cli, int r)
{
	if (r >= 0 && cli->err.kind == UC_OK)
		return 0;
	if (cli->err.kind == UC_OK)
		uc_fail_errno(&cli->err, r, "%s", "unicage");
	if (cli->json && cli->err_reported)
		; /* closed its own envelope */
	else if (cli->json)
		json_envelope_error(stdout, cli->err.kind, cli->err.msg);
	else
		uc_log(UC_LOG_ERROR, "%s", cli->err.msg);
	return (int)cli->err.kind;
}

/* The verb table's flags are done here, once (cli_prepare), then the verb. */
int cli_run_verb(struct cli *cli, const struct verb *v, int argc, char **argv)
{
	int lockfd[2] = {-1, -1};
	int r = cli_prepare(cli, v, argc, argv, lockfd);
	optind = 0; /* full getopt reset: the verb parses its own argv */
	if (r == 0)
		r = v->run(cli, argc, argv);
	else if (r > 0)
		r = 0; /* its help */
	for (int i = 0; i < 2; i++)
		if (lockfd[i] >= 0)
			close(lockfd[i]);
	fflush(stdout);
	if (ferror(stdout) && r >= 0)
		r = uc_fail(&cli->err, UC_INTERNAL, "write error on standard output");
	return cli_report(cli, r);
}
