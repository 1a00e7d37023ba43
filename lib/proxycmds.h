/* The proxied commands: config_dir/proxy.commands and
 * custom.proxy.commands, in CageFS's syntax (doc/proxy.md):
 *
 *   ALIAS[:wrapper_name]=[username:]path
 *
 * ALIAS names the command (and filters/ALIAS.json); wrapper_name is where
 * `unicage update` puts the wrapper in the skeleton (an absolute path, or a
 * name in path's directory; default: path itself); username runs the
 * command as that user (its effective ids; the real ids stay the caller's,
 * as a setuid program of that user would run), else it runs as the caller.
 * `#` starts a comment line. A custom.proxy.commands line replaces the
 * proxy.commands line of the same alias. A bad line is an error naming
 * file:line. */
#pragma once

#include <stdbool.h>

#include <stddef.h>

#include "lib/config.h"
#include "lib/error.h"

struct proxy_command {
	char alias[64];
	char wrapper[4096]; /* absolute path in the skeleton */
	char user[64];	    /* "" : the caller */
	char path[4096];    /* the program on the host */
};

struct proxy_commands {
	struct proxy_command *v;
	size_t n;
};

/* Parse one file into cmds (a later alias replaces an earlier one of
 * another file; twice in one file is an error). A missing file is no
 * error. name is used in messages. */
int proxy_commands_parse_file(struct proxy_commands *cmds, const char *path, const char *name,
			      struct uc_error *err);
/* A file name of config_dir the proxy reads: proxy.commands, and
 * *.proxy.commands as CageFS has them (custom.proxy.commands among them). */
bool proxy_commands_file(const char *name);
/* Every such file of config_dir: proxy.commands first, the others by
 * name, custom.proxy.commands last; a later file's alias replaces an
 * earlier one's. */
int proxy_commands_load(const struct uc_config *cfg, struct proxy_commands *cmds,
			struct uc_error *err);
/* By alias, or (alias NULL or "") by wrapper path. NULL if none. */
const struct proxy_command *proxy_commands_find(const struct proxy_commands *cmds,
						const char *alias, const char *wrapper);
/* By the wrapper's own path in the cage (/proc/self/exe: a real path):
 * a wrapper path as written, or as it resolves in sysroot (the skeleton
 * takes /sbin/x at /usr/sbin/x when /sbin -> usr/sbin). NULL if none. */
const struct proxy_command *proxy_commands_find_exe(const struct proxy_commands *cmds,
						    const char *sysroot, const char *exe);
void proxy_commands_release(struct proxy_commands *cmds);
