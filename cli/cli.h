/* The `unicage` binary: shared state of one invocation, the verb table and
 * the option helpers every verb uses. Verbs parse, call one library function,
 * print; they never exit. */
#pragma once

#include <getopt.h>
#include <stdbool.h>

#include "lib/config.h"
#include "lib/error.h"

struct cli {
	const char *prog;	 /* "unicage" */
	const char *config_path; /* -c FILE; else UNICAGE_CONFIG; else the default */
	bool json;		 /* --json: control-panel envelope on stdout */
	int verbosity;		 /* -v: +1, -q: -1 */
	struct uc_config cfg;
	struct uc_error err;
	bool err_reported;	 /* the verb already wrote the error (JSON mid-stream) */
	const struct verb *verb; /* the verb being run */
	bool wait_lock;		 /* --wait-lock (VERB_TAKES_LOCK verbs) */
};

/* What run_verb (cli/main.c) does before a verb runs, in this order: -h
 * prints the verb's help; VERB_NEED_ROOT: exit 2 "must be run as root"
 * unless euid 0; an unknown option: exit 3; VERB_NEEDS_CONFIG: the
 * configuration loaded; VERB_TAKES_LOCK: the skeleton's lock taken
 * (state_dir/skel.lock; --wait-lock waits for it); VERB_USERS_LOCK: the
 * users' state lock (state_dir/users.lock). Both are released after. */
enum verb_flags {
	VERB_NEED_ROOT = 1 << 0,
	VERB_TAKES_LOCK = 1 << 1,
	VERB_NEEDS_CONFIG = 1 << 2,
	VERB_USERS_LOCK = 1 << 3,
	/* parses its argv itself, common options and help included (enter,
	 * exec, rpmscan): only the root check is done for it */
	VERB_OWN_ARGS = 1 << 4,
};

struct verb {
	const char *name;
	int (*run)(struct cli *cli, int argc, char **argv);
	const char *summary;
	const char *usage; /* `unicage VERB` + this: arguments, then the help text */
	unsigned flags;
	/* the verb's own options (beyond the common ones): short letters
	 * and long entries ({NULL} ended; NULL: none) */
	const char *shortopts;
	const struct option *longopts;
};

extern const struct verb verbs[];
const struct verb *verb_find(const char *name);
/* The verb nearest to a mistyped name (edit distance at most 2, or a
 * unique prefix), or NULL. */
const struct verb *verb_nearest(const char *name);
/* The next of the verb's own options in argv (common ones were taken by
 * run_verb already and are skipped), -1 at the end. Unknown options never
 * get here: run_verb refused them. */
int cli_getopt(struct cli *cli, int argc, char **argv);
/* True when a verb that changes something says what it did: always in
 * JSON (the envelope is the answer), in text unless -q. Reports (list,
 * status, ...) print regardless. */
bool cli_says(const struct cli *cli);
/* The error of a verb (r < 0, or cli->err set) printed once, as text on
 * stderr or the JSON envelope; the exit code. */
int cli_report(struct cli *cli, int r);
/* Run verb v on argv (argv[0] the verb's name): cli_prepare, the verb,
 * the locks released, the outcome reported. The exit code. */
int cli_run_verb(struct cli *cli, const struct verb *v, int argc, char **argv);
/* cagefsctl's options as unicage verbs (cli/cagefsctl.c): the exit code. */
int cagefsctl_main(struct cli *cli, int argc, char **argv);
/* Common work of run_verb before the verb: 0 to run it, 1 when done
 * (help printed), <0 on error (cli->err set). *lockfd: a lock to close. */
int cli_prepare(struct cli *cli, const struct verb *v, int argc, char **argv, int lockfd[2]);

/* Options every verb takes: -c FILE, --json, -v, -q, -h. CLI_COMMON_SHORT is
 * their short letters for getopt_long; CLI_COMMON_LONG their long entries. */
#define CLI_COMMON_SHORT "+:c:vqh"
#define OPT_JSON 0x100
#define OPT_WAIT_LOCK_COMMON 0x101
#define CLI_COMMON_LONG                                                                            \
	{"config", required_argument, NULL, 'c'}, {"json", no_argument, NULL, OPT_JSON},           \
	    {"verbose", no_argument, NULL, 'v'}, {"quiet", no_argument, NULL, 'q'},                \
	{                                                                                          \
		"help", no_argument, NULL, 'h'                                                     \
	}

/* Handle one of the common options; returns true if opt was one of them.
 * Sets *help for -h. */
bool cli_common_option(struct cli *cli, int opt, const char *arg, bool *help);
/* Load the configuration chosen by -c / UNICAGE_CONFIG. */
int cli_load_config(struct cli *cli);
/* Usage error: sets cli->err to BadRequest with "VERB: message". */
int cli_usage_error(struct cli *cli, const char *verb, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void cli_print_verb_help(const struct verb *v);

/* Verbs. */
int cmd_rpmscan(struct cli *cli, int argc, char **argv);
extern const char rpmscan_usage[];
int cmd_unify(struct cli *cli, int argc, char **argv);
extern const char unify_usage[];
int cmd_vdu(struct cli *cli, int argc, char **argv);
extern const char vdu_usage[];
int cmd_addrpm(struct cli *cli, int argc, char **argv);
int cmd_delrpm(struct cli *cli, int argc, char **argv);
int cmd_listrpm(struct cli *cli, int argc, char **argv);
extern const char addrpm_usage[], delrpm_usage[], listrpm_usage[];
int cmd_init(struct cli *cli, int argc, char **argv);
int cmd_update(struct cli *cli, int argc, char **argv);
extern const char init_usage[], update_usage[];
int cmd_updatelist(struct cli *cli, int argc, char **argv);
extern const char updatelist_usage[];
int cmd_status(struct cli *cli, int argc, char **argv);
int cmd_rollback(struct cli *cli, int argc, char **argv);
int cmd_gc(struct cli *cli, int argc, char **argv);
extern const char status_usage[], rollback_usage[], gc_usage[];
int cmd_printsuids(struct cli *cli, int argc, char **argv);
int cmd_users(struct cli *cli, int argc, char **argv);
int cmd_updateetc(struct cli *cli, int argc, char **argv);
extern const char updateetc_usage[];
int cmd_mount(struct cli *cli, int argc, char **argv);
int cmd_enter(struct cli *cli, int argc, char **argv);
int cmd_check(struct cli *cli, int argc, char **argv);
int cmd_export(struct cli *cli, int argc, char **argv);
int cmd_import(struct cli *cli, int argc, char **argv);
extern const char export_usage[], import_usage[];
extern const char check_usage[];
extern const char enter_usage[], exec_usage[];
extern const char mount_usage_user[], mount_usage_none[], mount_usage_list[], mount_usage_mount[];
extern const char users_usage_user[], users_usage_none[];
/* The verbs' own options (cli_getopt). */
extern const struct option unify_longopts[], addrpm_longopts[], update_longopts[],
    updatelist_longopts[], mount_longopts[], check_longopts[], export_longopts[], import_longopts[],
    removeall_longopts[];
/* Account lifecycle (cli/cmd_lifecycle.c): user-created, user-renamed,
 * user-deleted, clean, getprefix; remove-all. */
int cmd_lifecycle(struct cli *cli, int argc, char **argv);
int cmd_removeall(struct cli *cli, int argc, char **argv);
extern const char lifecycle_usage_created[], lifecycle_usage_renamed[], lifecycle_usage_deleted[],
    lifecycle_usage_clean[], lifecycle_usage_getprefix[], removeall_usage[];
extern const char printsuids_usage[];
int cmd_tmpwatch(struct cli *cli, int argc, char **argv);
extern const char tmpwatch_usage[];
extern const struct option tmpwatch_longopts[];
/* Take the skeleton's exclusive lock (state_dir/skel.lock); fd or <0. */
int cli_skel_lock(struct cli *cli, bool wait);
/* The users' state lock (state_dir/users.lock, waited for); fd or <0. */
int cli_users_lock(struct cli *cli);
