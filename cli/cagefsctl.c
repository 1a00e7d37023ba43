/* `cagefsctl` (a link to unicage): CloudLinux cagefsctl's options, each
 * run as the unicage verb that does the same (doc/cagefs.md has the table),
 * so control panels that call cagefsctl work unchanged. An option unicage
 * has no feature for is exit 3 naming it. */
#include "cli/cli.h"

#include "lib/cleanup.h"
#include "lib/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum cf_kind {
	CF_VERB,     /* runs `unicage VERB ARGS...` */
	CF_MODIFIER, /* changes how the action runs */
	CF_SPECIAL,  /* done here: --set-min-uid, --get-min-uid, --help */
};

struct cf_opt {
	const char *name; /* without the leading -- */
	char short_name;
	enum cf_kind kind;
	const char *verb; /* CF_VERB: the unicage verb */
};

static const struct cf_opt cf_opts[] = {
    {"init", 'i', CF_VERB, "init"},
    {"update", 'u', CF_VERB, "update"},
    {"force-update", 0, CF_VERB, "update"}, /* no update period to ignore */
    {"update-list", 0, CF_VERB, "update-list"},
    {"addrpm", 0, CF_VERB, "addrpm"},
    {"delrpm", 0, CF_VERB, "delrpm"},
    {"list-rpm", 0, CF_VERB, "list-rpm"},
    {"enter", 'e', CF_VERB, "enter"},
    {"update-etc", 0, CF_VERB, "update-etc"},
    {"force-update-etc", 0, CF_VERB, "update-etc"},
    {"remount", 'm', CF_VERB, "remount"},
    {"remount-all", 'M', CF_VERB, "remount-all"},
    {"unmount", 'w', CF_VERB, "umount"},
    {"unmount-all", 'W', CF_VERB, "umount-all"},
    {"list", 'l', CF_VERB, "list"},
    {"enable", 0, CF_VERB, "enable"},
    {"disable", 0, CF_VERB, "disable"},
    {"enable-all", 0, CF_VERB, "enable-all"},
    {"disable-all", 0, CF_VERB, "disable-all"},
    {"toggle-mode", 0, CF_VERB, "toggle-mode"},
    {"display-user-mode", 0, CF_VERB, "display-user-mode"},
    {"list-enabled", 0, CF_VERB, "list-enabled"},
    {"list-disabled", 0, CF_VERB, "list-disabled"},
    {"user-status", 0, CF_VERB, "user-status"},
    {"getprefix", 0, CF_VERB, "getprefix"},
    {"print-suids", 0, CF_VERB, "print-suids"},
    {"sanity-check", 0, CF_VERB, "check"},
    {"clean-var-cagefs", 0, CF_VERB, "clean"},
    {"remove-all", 0, CF_VERB, "remove-all"},
    {"tmpwatch", 0, CF_VERB, "tmpwatch"},
    {"set-min-uid", 0, CF_SPECIAL, NULL},
    {"get-min-uid", 0, CF_SPECIAL, NULL},
    {"help", 'h', CF_SPECIAL, NULL},
    {"dont-clean", 'd', CF_MODIFIER, NULL},
    {"wait-lock", 0, CF_MODIFIER, NULL},
    {"do-not-ask", 0, CF_MODIFIER, NULL},
    {"verbose", 'v', CF_MODIFIER, NULL},
};

struct cf_call {
	const struct cf_opt *action;
	bool dont_clean, wait_lock, do_not_ask;
	int verbose;
	char **args; /* the words that are not options */
	int nargs;
};

static const struct cf_opt *cf_find(const char *arg)
{
	for (size_t i = 0; i < UC_ARRAY_SIZE(cf_opts); i++) {
		const struct cf_opt *o = &cf_opts[i];
		if ((arg[1] == '-' && !strcmp(arg + 2, o->name)) ||
		    (arg[1] != '-' && o->short_name && arg[1] == o->short_name && !arg[2]))
			return o;
	}
	return NULL;
}

static int cf_modifier(struct cf_call *c, const struct cf_opt *o)
{
	if (!strcmp(o->name, "dont-clean"))
		c->dont_clean = true;
	else if (!strcmp(o->name, "wait-lock"))
		c->wait_lock = true;
	else if (!strcmp(o->name, "do-not-ask"))
		c->do_not_ask = true;
	else
		c->verbose++;
	return 0;
}

/* One action, its modifiers, the other words; "--" ends the options. */
static int cf_parse(struct cli *cli, int argc, char **argv, struct cf_call *c)
{
	bool opts = true;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (opts && !strcmp(a, "--")) {
			opts = false;
			continue;
		}
		if (!opts || a[0] != '-' || !a[1]) {
			c->args[c->nargs++] = argv[i];
			continue;
		}
		const struct cf_opt *o = cf_find(a);
		if (!o)
			return uc_fail(&cli->err, UC_BADREQUEST,
				       "cagefsctl: option '%s' is not supported by unicage (see "
				       "doc/cagefs.md for the options it has)",
				       a);
		if (o->kind == CF_MODIFIER) {
			cf_modifier(c, o);
			continue;
		}
		if (c->action)
			return uc_fail(&cli->err, UC_BADREQUEST,
				       "cagefsctl: one action at a time (--%s and %s)",
				       c->action->name, a);
		c->action = o;
	}
	if (!c->action)
		return uc_fail(&cli->err, UC_BADREQUEST,
			       "cagefsctl: name an action (cagefsctl --help)");
	return 0;
}

static void cf_help(void)
{
	printf("usage: cagefsctl [--wait-lock] [--do-not-ask] [-v] ACTION [ARGS...]\n\n"
	       "cagefsctl's options, run as unicage verbs (doc/cagefs.md):\n");
	for (size_t i = 0; i < UC_ARRAY_SIZE(cf_opts); i++) {
		const struct cf_opt *o = &cf_opts[i];
		if (o->kind == CF_VERB)
			printf("  --%-20s unicage %s%s\n", o->name, o->verb,
			       verb_find(o->verb) ? "" : " (not in this build)");
	}
	printf("  --%-20s min_uid in unicage.conf\n  --%-20s min_uid\n"
	       "Modifiers: --dont-clean (--update), --wait-lock, --do-not-ask (--remove-all), "
	       "-v.\nAny other cagefsctl option is exit 3.\n",
	       "set-min-uid UID", "get-min-uid");
}

/* The file --set-min-uid writes: the one this run reads. */
static const char *conf_path(const struct cli *cli)
{
	if (cli->cfg.source)
		return cli->cfg.source;
	if (cli->config_path)
		return cli->config_path;
	const char *env = getenv("UNICAGE_CONFIG");
	return env && *env ? env : UC_DEFAULT_CONFIG;
}

static int cf_min_uid(struct cli *cli, const struct cf_call *c, bool set)
{
	int r = cli_load_config(cli);
	if (r < 0)
		return r;
	if (!set) {
		if (c->nargs)
			return uc_fail(&cli->err, UC_BADREQUEST,
				       "cagefsctl --get-min-uid: no arguments");
		printf("%u\n", cli->cfg.min_uid);
		return 0;
	}
	if (geteuid() != 0)
		return uc_fail(&cli->err, UC_PERMISSION,
			       "cagefsctl --set-min-uid: must be run as root");
	if (c->nargs != 1)
		return uc_fail(&cli->err, UC_BADREQUEST, "cagefsctl --set-min-uid: name one UID");
	r = uc_config_set(conf_path(cli), "min_uid", c->args[0], &cli->err);
	if (r == 0 && cli_says(cli))
		printf("min_uid = %s (%s)\n", c->args[0], conf_path(cli));
	return r;
}

/* The unicage verb's argv: its name, the modifiers it takes, the words. */
static int cf_verb_argv(const struct cf_call *c, const struct verb *v, char **out)
{
	int n = 0;
	out[n++] = (char *)v->name;
	if (c->wait_lock && (v->flags & VERB_TAKES_LOCK))
		out[n++] = "--wait-lock";
	if (c->dont_clean && !strcmp(v->name, "update"))
		out[n++] = "--dont-clean";
	if (c->do_not_ask && !strcmp(v->name, "remove-all"))
		out[n++] = "--yes";
	/* the words are arguments, never options (enter parses its own) */
	if (c->nargs && !(v->flags & VERB_OWN_ARGS))
		out[n++] = "--";
	for (int i = 0; i < c->nargs; i++)
		out[n++] = c->args[i];
	out[n] = NULL;
	return n;
}

static int cf_run(struct cli *cli, struct cf_call *c)
{
	cli->verbosity += c->verbose;
	uc_log_init(cli->verbosity);
	if (!strcmp(c->action->name, "help")) {
		cf_help();
		return 0;
	}
	if (c->action->kind == CF_SPECIAL)
		return cli_report(cli, cf_min_uid(cli, c, !strcmp(c->action->name, "set-min-uid")));
	const struct verb *v = verb_find(c->action->verb);
	if (!v) {
		uc_fail(&cli->err, UC_BADREQUEST,
			"cagefsctl --%s: unicage has no %s verb in this build", c->action->name,
			c->action->verb);
		return cli_report(cli, -1);
	}
	char **av = calloc((size_t)c->nargs + 8, sizeof(*av));
	if (!av) {
		uc_fail(&cli->err, UC_INTERNAL, "out of memory");
		return cli_report(cli, -1);
	}
	int n = cf_verb_argv(c, v, av);
	int code = cli_run_verb(cli, v, n, av);
	free(av);
	return code;
}

int cagefsctl_main(struct cli *cli, int argc, char **argv)
{
	struct cf_call c = {.args = calloc((size_t)argc + 1, sizeof(char *))};
	if (!c.args) {
		uc_fail(&cli->err, UC_INTERNAL, "out of memory");
		return cli_report(cli, -1);
	}
	int code = cf_parse(cli, argc, argv, &c) < 0 ? cli_report(cli, -1) : cf_run(cli, &c);
	free(c.args);
	return code;
}
