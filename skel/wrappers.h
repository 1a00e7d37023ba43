/* The proxy's wrapper in the skeleton (doc/proxy.md, "The wrapper").
 *
 * Each command of proxy.commands (lib/proxycmds.h) whose program the host
 * has (it runs there, outside every cage) gets unicage-proxyexec at its
 * wrapper path in every generation: one store object, hardlinked at every
 * such path, root's, 0755, never the host's program. The wanted set
 * (skel/wanted.c) takes these paths from here instead of from sysroot;
 * their index entries (class W_WRAPPER) carry the wrapper binary's
 * identity, so a new wrapper binary, an alias added or removed, or a
 * program installed or removed on the host makes the next update build a
 * generation, and nothing else does. */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>

#include "lib/config.h"
#include "lib/error.h"
#include "lib/strv.h"

#define SKEL_WRAPPER_NAME "unicage-proxyexec"

struct skel_wrappers {
	char exe[4096];	   /* the wrapper binary on the host; "" none */
	struct stat st;	   /* its identity, with owner root and mode 0755 */
	struct strv paths; /* wrapper paths (as proxy.commands names them) */
};

/* Where the wrapper binary is: beside this program, else LIBEXECDIR. */
int skel_wrapper_exe(char *buf, size_t size);

/* The wrappers of the next generation. A bad proxy.commands is
 * UC_BADREQUEST naming file:line (nothing is built); no wrapper binary is a
 * warning and no wrappers. */
int skel_wrappers_plan(struct skel_wrappers *w, const struct uc_config *cfg, struct uc_error *err);
void skel_wrappers_release(struct skel_wrappers *w);

/* The wrapper binary opened for reading, still the inode of w->st
 * (-ESTALE when it was replaced since). */
int skel_wrapper_open(const struct skel_wrappers *w);

/* The lean no-op's record lines (skel/noop.h) for what the plan is made
 * of: every proxy.commands file and config_dir, the wrapper binary, each
 * command's program on the host; where each wrapper path resolves in
 * sysroot. -1 when the plan cannot be proven so. */
int skel_wrappers_put_noop(FILE *f, const struct uc_config *cfg, int rootfd);
