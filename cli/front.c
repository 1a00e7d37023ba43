/* unicage, the command: a small front that runs `enter` and `exec` into a
 * cage that is already mounted and current by itself (libc and libcap only,
 * so that a command run through it costs little more than the command), and
 * hands everything else, unchanged, to the full binary (unicage-core, with
 * librpm, libmount, zstd...). The full binary implements every verb,
 * including enter and exec when a cage must be mounted first; the front
 * never reports an error it can leave to it. */
#include "cli/update_front.h"
#include "cli/vdu_front.h"
#include "enter/fast.h"
#include "lib/config.h"
#include "lib/log.h"
#include "lib/path.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef UNICAGE_LIBEXECDIR
#define UNICAGE_LIBEXECDIR "/usr/local/libexec/unicage"
#endif

static _Noreturn void exec_core(char **argv)
{
	char path[PATH_MAX];
#ifdef UNICAGE_TEST_HOOKS
	/* the test build only: no variable chooses what an installed root
	 * binary runs */
	const char *env = getenv("UNICAGE_CORE");
	if (env && *env)
		execv(env, argv);
#endif
	/* the build tree: beside it; an install: PREFIX/sbin and
	 * PREFIX/libexec/unicage, whatever PREFIX was */
	char up[PATH_MAX];
	bool beside = path_beside_self(path, sizeof(path), "unicage-core") == 0;
	if (beside)
		execv(path, argv);
	if (path_beside_self(up, sizeof(up), "../libexec/unicage/unicage-core") == 0)
		execv(up, argv);
	execv(UNICAGE_LIBEXECDIR "/unicage-core", argv);
	fprintf(stderr, "unicage: cannot run unicage-core (beside %s, or in %s)\n",
		beside ? path : "this program", UNICAGE_LIBEXECDIR);
	exit(1);
}

/* Index of the verb after the global options (-c FILE, --json, -v, -q), or
 * -1; *config: the -c value. */
static int find_verb(int argc, char **argv, const char **config)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if ((!strcmp(a, "-c") || !strcmp(a, "--config")) && i + 1 < argc)
			*config = argv[++i];
		else if (!strncmp(a, "--config=", 9))
			*config = a + 9;
		else if (!strcmp(a, "-v") || !strcmp(a, "-q") || !strcmp(a, "--verbose") ||
			 !strcmp(a, "--quiet"))
			continue;
		else if (a[0] == '-')
			return -1; /* --json, --help, --version...: the full binary */
		else
			return i;
	}
	return -1;
}

/* -v and -q given before the verb. */
static int front_verbosity(char **argv, int at)
{
	int v = 0;
	for (int i = 1; i < at; i++)
		v += !strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose") ? 1
		     : !strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet") ? -1
									     : 0;
	return v;
}

int main(int argc, char **argv)
{
	int code_vdu;
	const char *config = NULL, *base = strrchr(argv[0], '/');
	base = base ? base + 1 : argv[0];
	int at = strcmp(base, "unicage") ? -1 : find_verb(argc, argv, &config);
	/* vdu (libc only) here: unicage-core's start would be most of its time */
	int vdu = !strcmp(base, "vdu") ? 0 : at == 1 && !strcmp(argv[1], "vdu") ? 1 : -1;
	if (vdu >= 0 && (code_vdu = vdu_front(argc - vdu, argv + vdu)) >= 0)
		return code_vdu;
	/* a no-op update proven from its records (skel/noop.h), else the full one */
	if (at >= 0 && !strcmp(argv[at], "update") &&
	    (code_vdu = update_front(argc - at, argv + at, config, front_verbosity(argv, at))) >= 0)
		return code_vdu;
	if (at < 0 || (strcmp(argv[at], "exec") && strcmp(argv[at], "enter")))
		exec_core(argv);
	struct uc_config cfg;
	struct uc_error err = {0};
	struct enter_opts o;
	bool help, joined = false;
	int code = -1;
	uc_log_init(0);
	if (uc_config_init(&cfg) < 0 ||
	    enter_parse(argc - at, argv + at, &o, &help, &config, &err) < 0 || help ||
	    uc_config_load(&cfg, config, &err) < 0)
		exec_core(argv);
	enter_fast(&cfg, &o, &code, &joined, &err);
	if (!joined)
		exec_core(argv); /* not mounted, not current, or an error to report */
	/* joined, then failed: the full binary is out of reach from here */
	uc_log(UC_LOG_ERROR, "%s", err.msg);
	fflush(NULL);
	_exit(code > 0 ? code : (int)err.kind);
}
