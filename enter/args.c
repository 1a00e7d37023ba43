#include "enter/verbs.h"

#include "lib/cleanup.h"
#include "enter/sandbox.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

const char enter_usage[] =
    "USER [--pty] [-- CMD...]\n\n"
    "  a root shell in USER's cage for repair (the cage is mounted first if it\n"
    "  is not): HOME=/root of the cage, a clean environment, no rc file, a\n"
    "  prompt naming the cage, only the enter_caps capabilities and the\n"
    "  seccomp filter; on a terminal, on a new pty that unicage relays.\n"
    "  With -- CMD, CMD runs instead of the shell (your stdio, a new\n"
    "  session; a terminal among them is a relayed pty; --pty: all three).";

const char exec_usage[] =
    "USER [--allow-uncaged] [--preserve-fds N] [--pty] [--env VAR=VAL]...\n"
    "     [--keep-env VAR,...]... [--cwd DIR] [--] [CMD...]\n\n"
    "  CMD as USER inside the cage: its exit status, signals and stdin/stdout/\n"
    "  stderr are yours; nothing else of yours: no other descriptor (unless\n"
    "  --preserve-fds N: fds 3..3+N-1 too), a new session keyring, a new\n"
    "  session without your terminal: a terminal on fds 0-2 is replaced by a\n"
    "  new pty unicage relays (--pty: on all three).\n"
    "  The user's ids and groups, no capability, no_new_privs, cwd = home\n"
    "  (--cwd DIR: DIR of the cage, absolute or relative to the home, opened\n"
    "  as the user; no '..', no /proc magic link). A clean environment\n"
    "  (HOME USER LOGNAME SHELL PATH, TERM and LANG), plus --keep-env's names\n"
    "  from yours and --env's values (those win). Without CMD: the user's\n"
    "  login shell.\n"
    "  A user who is not caged is refused unless --allow-uncaged (then CMD\n"
    "  runs as the user on the host). 126/127: CMD could not be executed / was\n"
    "  not found.";

enum {
	OPT_ALLOW_UNCAGED = 0x300,
	OPT_JSON_IGNORED,
	OPT_PTY,
	OPT_PRESERVE_FDS,
	OPT_ENV,
	OPT_KEEP_ENV,
	OPT_CWD,
};

static int parse_fds(const char *verb, const char *v, unsigned *out, struct uc_error *err)
{
	char *end;
	errno = 0;
	unsigned long n = v && *v >= '0' && *v <= '9' ? strtoul(v, &end, 10) : ULONG_MAX;
	if (n == ULONG_MAX || errno || *end || n > SANDBOX_MAX_PRESERVE_FDS)
		return uc_fail(err, UC_BADREQUEST,
			       "%s: --preserve-fds takes a number of descriptors (0-%d), not '%s'",
			       verb, SANDBOX_MAX_PRESERVE_FDS, v ? v : "");
	*out = (unsigned)n;
	return 0;
}

/* One of exec's options that take a value (--env, --keep-env, --cwd,
 * --preserve-fds) into o. enter has none of them: root's repair shell
 * takes nothing of the caller's environment or choice of directory. */
static int take_value(struct enter_opts *o, int opt, const char *v, struct uc_error *err)
{
	const char *verb = o->as_user ? "exec" : "enter";
	if (!o->as_user)
		return uc_fail(err, UC_BADREQUEST,
			       "enter: --env, --keep-env, --cwd and --preserve-fds are exec's "
			       "(root's repair shell takes nothing of the caller)");
	if (!v)
		return uc_fail(err, UC_BADREQUEST, "%s: the option needs a value", verb);
	switch (opt) {
	case OPT_ENV:
		return exec_env_add_set(&o->env, v, err);
	case OPT_KEEP_ENV:
		return exec_env_add_keep(&o->env, v, err);
	case OPT_CWD:
		return exec_env_set_cwd(&o->env, v, err);
	default:
		return parse_fds(verb, v, &o->preserve_fds, err);
	}
}

/* The long options with a value that may follow USER: "--NAME VAL" or
 * "--NAME=VAL". Returns the option, or 0; *v its value, *used the words. */
static int value_option(const char *a, const char *next, const char **v, int *used)
{
	static const struct {
		const char *name;
		int opt;
	} t[] = {{"--env", OPT_ENV},
		 {"--keep-env", OPT_KEEP_ENV},
		 {"--cwd", OPT_CWD},
		 {"--preserve-fds", OPT_PRESERVE_FDS}};
	for (size_t i = 0; i < UC_ARRAY_SIZE(t); i++) {
		size_t n = strlen(t[i].name);
		if (strncmp(a, t[i].name, n))
			continue;
		if (a[n] == '\0') {
			*v = next;
			*used = 2;
			return t[i].opt;
		}
		if (a[n] == '=') {
			*v = a + n + 1;
			*used = 1;
			return t[i].opt;
		}
	}
	return 0;
}

/* Options after USER (exec USER --allow-uncaged -- CMD): until "--" or the
 * first word that is not one. Returns the index of what follows. */
static int options_after_user(int argc, char **argv, int i, struct enter_opts *o,
			      struct uc_error *err)
{
	while (i < argc) {
		const char *a = argv[i], *v = NULL;
		int used = 1, opt = value_option(a, i + 1 < argc ? argv[i + 1] : NULL, &v, &used);
		if (o->as_user && !strcmp(a, "--allow-uncaged"))
			o->allow_uncaged = true;
		else if (!strcmp(a, "--pty"))
			o->pty = true;
		else if (opt && take_value(o, opt, v, err) < 0)
			return -EINVAL;
		else if (!opt)
			break;
		i += used;
	}
	return i;
}

int enter_parse(int argc, char **argv, struct enter_opts *o, bool *help, const char **config,
		struct uc_error *err)
{
	static const struct option longopts[] = {
	    {"allow-uncaged", no_argument, NULL, OPT_ALLOW_UNCAGED},
	    {"pty", no_argument, NULL, OPT_PTY},
	    {"preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS},
	    {"env", required_argument, NULL, OPT_ENV},
	    {"keep-env", required_argument, NULL, OPT_KEEP_ENV},
	    {"cwd", required_argument, NULL, OPT_CWD},
	    {"config", required_argument, NULL, 'c'},
	    {"json", no_argument, NULL, OPT_JSON_IGNORED},
	    {"verbose", no_argument, NULL, 'v'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	const char *verb = argv[0];
	*o = (struct enter_opts){.as_user = !strcmp(verb, "exec")};
	*help = false;
	int opt;
	optind = 0;
	opterr = 0;
	/* "+": options end at USER; what follows is the command's */
	while ((opt = getopt_long(argc, argv, "+:c:vqh", longopts, NULL)) != -1) {
		if (opt == OPT_ALLOW_UNCAGED && o->as_user)
			o->allow_uncaged = true;
		else if (opt == OPT_PTY)
			o->pty = true;
		else if (opt == OPT_PRESERVE_FDS || opt == OPT_ENV || opt == OPT_KEEP_ENV ||
			 opt == OPT_CWD) {
			if (take_value(o, opt, optarg, err) < 0)
				return -EINVAL;
		} else if (opt == 'c' && config)
			*config = optarg;
		else if (opt == 'h')
			*help = true;
		else if (opt != 'v' && opt != 'q' && opt != OPT_JSON_IGNORED && opt != 'c')
			return uc_fail(err, UC_BADREQUEST, "%s: unknown option '%s'", verb,
				       argv[optind - 1]);
	}
	if (*help)
		return 0;
	if (optind >= argc)
		return uc_fail(err, UC_BADREQUEST, "%s: name a USER", verb);
	o->user = argv[optind++];
	/* exec USER --allow-uncaged -- CMD: options may follow USER too */
	if ((optind = options_after_user(argc, argv, optind, o, err)) < 0)
		return -EINVAL;
	if (optind < argc && !strcmp(argv[optind], "--"))
		optind++;
	if (optind < argc)
		o->cmd = &argv[optind];
	else if (optind > 0 && !strcmp(argv[optind - 1], "--"))
		return uc_fail(err, UC_BADREQUEST, "%s: nothing after --", verb);
	return 0;
}
