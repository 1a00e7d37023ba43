/* `unicage update` in the static front: a lean no-op (skel/noop.h), else
 * -1 and unicage-core runs the full update. */
#pragma once

#include <stdbool.h>

#include "lib/strv.h"
#include "skel/skel.h"

/* argv from the verb on; config: a -c given before it. Returns the exit
 * code when the no-op was proven and said, or -1. */
int update_front(int argc, char **argv, const char *config, int verbosity);

/* What init/update/update-list print (cli/cmd_skel.c and the front). */
void skel_print_stats(bool json, int verbosity, const struct skel_stats *s, bool dry_run,
		      const struct strv *diffs);
