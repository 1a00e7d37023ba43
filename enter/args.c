#include "enter/verbs.h"

#include <getopt.h>
#include <string.h>

const char enter_usage[] =
    "USER [-- CMD...]\n\n"
    "  a root shell in USER's cage for repair (the cage is mounted first if it\n"
    "  is not): the home as cwd, a clean environment, a prompt naming the\n"
    "  cage, and without the enter_drop_caps capabilities (CAP_SYS_ADMIN,\n"
    "  CAP_LINUX_IMMUTABLE...). With -- CMD, CMD runs instead of the shell.";

const char exec_usage[] =
    "USER [--allow-uncaged] [--] CMD...\n\n"
    "  CMD as USER inside the cage (exec'd in place: its exit status, signals\n"
    "  and stdio are yours): the user's ids and groups, no capability,\n"
    "  no_new_privs, cwd = home. A user who is not caged is refused unless\n"
    "  --allow-uncaged (then CMD runs as the user on the host).\n"
    "  126/127: CMD could not be executed / was not found.";

enum { OPT_ALLOW_UNCAGED = 0x300, OPT_JSON_IGNORED };

int enter_parse(int argc, char **argv, struct enter_opts *o, bool *help, const char **config,
		struct uc_error *err)
{
	static const struct option longopts[] = {
	    {"allow-uncaged", no_argument, NULL, OPT_ALLOW_UNCAGED},
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
		else if (opt == 'c' && config)
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
	while (optind < argc && o->as_user && !strcmp(argv[optind], "--allow-uncaged")) {
		o->allow_uncaged = true;
		optind++;
	}
	if (optind < argc && !strcmp(argv[optind], "--"))
		optind++;
	if (optind < argc)
		o->cmd = &argv[optind];
	else if (o->as_user)
		return uc_fail(err, UC_BADREQUEST, "exec: name a CMD to run");
	else if (optind > 0 && !strcmp(argv[optind - 1], "--"))
		return uc_fail(err, UC_BADREQUEST, "enter: nothing after --");
	return 0;
}
