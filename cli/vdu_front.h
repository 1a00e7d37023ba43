/* vdu without the verb table (cli/vdu_front.c): shared by cmd_vdu and the front. */
#pragma once

#include "cli/cli.h"

#include <stdbool.h>
#include <stddef.h>

enum { OPT_INODES = 0x400, OPT_CROSS, OPT_HUMAN };

struct vdu_opts {
	bool help, human, inodes, total, cross;
};

extern const char vdu_usage[];
/* Options into o (and cli: -c, --json, -v, -q). 0, or -1 for an unknown
 * option (getopt's optind names it). */
int vdu_parse(struct cli *cli, int argc, char **argv, struct vdu_opts *o);
/* Load the configuration, walk every path, then print (nothing on error). */
int vdu_run(struct cli *cli, char **paths, size_t npaths, const struct vdu_opts *o);
/* vdu run by the front (cli/front.c) itself: the exit code, or -1 for what
 * it leaves to unicage-core (help, usage errors, any error: nothing printed). */
int vdu_front(int argc, char **argv);
