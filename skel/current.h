/* Generation names and `current` (state_dir/skel/current, a symlink to
 * gen-NNNNNN): the one parser of a name, reader of current and switcher.
 * libc only: the static front reads current through it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "lib/config.h"
#include "lib/error.h"

#define SKEL_GEN_FMT "gen-%06u"

/* The number of a generation's name as build writes it ("gen-" and its
 * number, at least six digits, nothing else: no sign, space or other
 * padding, not 0, within unsigned), or 0. *tmp (if not NULL) is set for
 * "gen-NNNNNN.tmp", a build not finished, which is otherwise refused. */
unsigned skel_gen_parse(const char *name, bool *tmp);
/* current's target into gen: 0, -ENOENT (none), -EINVAL (not a generation
 * name), -ENAMETOOLONG. */
int skel_current_read(int skelfd, char *gen, size_t size);
/* The same by path (state_dir/skel/current): NotFound "unicage init first". */
int skel_current_gen(const struct uc_config *cfg, char *gen, size_t size, struct uc_error *err);
/* current -> gen: a new symlink renamed over it, the directory fsynced. */
int skel_current_switch(int skelfd, const char *gen);
