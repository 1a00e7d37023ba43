/* The CLI's side of lib/progress.h: one line on stderr, rewritten in place. */
#pragma once

#include "cli/cli.h"
#include "lib/progress.h"

/* Progress on stderr when it is a terminal and the caller wants it (not
 * --json, not -q); else none. */
struct uc_progress cli_progress(const struct cli *cli);
