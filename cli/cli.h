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
	bool err_reported; /* the verb already wrote the error (JSON mid-stream) */
};

enum verb_flags {
	VERB_NEED_ROOT = 1 << 0,
	VERB_TAKES_LOCK = 1 << 1,
};

struct verb {
	const char *name;
	int (*run)(struct cli *cli, int argc, char **argv);
	const char *summary;
	const char *usage; /* options, printed by `unicage VERB --help` */
	unsigned flags;
};

extern const struct verb verbs[];
const struct verb *verb_find(const char *name);

/* Options every verb takes: -c FILE, --json, -v, -q, -h. CLI_COMMON_SHORT is
 * their short letters for getopt_long; CLI_COMMON_LONG their long entries. */
#define CLI_COMMON_SHORT "+:c:vqh"
#define OPT_JSON 0x100
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
extern const char mount_usage[];
extern const char users_usage[];
extern const char printsuids_usage[];
int cmd_tmpwatch(struct cli *cli, int argc, char **argv);
extern const char tmpwatch_usage[];
/* Take the skeleton's exclusive lock (state_dir/skel.lock); fd or <0. */
int cli_skel_lock(struct cli *cli, bool wait);
