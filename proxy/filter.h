/* Argument filters: config_dir/filters/<alias>.json, CageFS's keys (deny,
 * allow, restrict_path, strict_options) and three of unicage's (doc/proxy.md,
 * "Filters"), parsed with json-c:
 *
 *   "deny":   options refused: an argument starting with an entry is
 *             refused ("-oA" refuses "-oA/tmp/x"; "-C" refuses "-C" and "-Cfile")
 *   "allow":  options accepted; an entry ending in "*" takes a value, attached
 *             ("-fme@x") or as the next argument ("-f" "me@x")
 *   "strict_options": true: an option that no "allow" entry matches is
 *             refused (else it passes)
 *   "restrict_path": options whose value is a file: it must be inside the
 *             caller's home; the daemon opens it there for reading (as
 *             the caller: her ids and groups; no link followed; a regular
 *             file of hers with one link) and the command gets
 *             /proc/self/fd/N
 *   "restrict_path_write" (unicage): the same, opened for reading and
 *             writing
 *   "operands": "any" (default), "none", "no_paths" (no '/', no leading
 *             '|', '.' or '-'), "self" (each must be the caller's user
 *             name), or a list of the literal operands allowed
 *   "end_of_options": true: the daemon puts "--" before the first operand
 *             (the caller's own "--" is dropped)
 * An option is an argument starting with '-' ("-" alone is an operand)
 * before any "--". Options are matched as given: grouped short options
 * ("-ti") are one option. */
#pragma once

#include <stdbool.h>

#include "lib/config.h"
#include "lib/error.h"
#include "lib/strv.h"

enum filter_operands {
	OPERANDS_ANY,
	OPERANDS_NONE,
	OPERANDS_NO_PATHS,
	OPERANDS_SELF,
	OPERANDS_LIST
};

struct proxy_filter {
	bool present; /* a file was found */
	bool strict;
	bool end_of_options;
	enum filter_operands operands;
	struct strv allow, deny, restrict_path, restrict_path_write, operand_list;
};

/* filters/<alias>.json of config_dir; no file: an empty filter (0). */
int proxy_filter_load(const struct uc_config *cfg, const char *alias, struct proxy_filter *f,
		      struct uc_error *err);
/* Parse text (named name in messages): 0, or BadRequest naming name:line. */
int proxy_filter_parse(const char *text, const char *name, struct proxy_filter *f,
		       struct uc_error *err);
void proxy_filter_release(struct proxy_filter *f);

/* Maps a restrict_path value to what the command gets (write: opened for
 * reading and writing, else for reading): 0 or -errno (why set). */
typedef int (*proxy_path_map_fn)(void *ctx, const char *value, bool write, char *out, size_t size,
				 char *why, size_t whysize);

/* The caller's arguments (argv[1..argc-1], argv[0] is not looked at) through
 * f into out (argv[0] not included). 0, or -EPERM with why naming the
 * argument. */
int proxy_filter_apply(const struct proxy_filter *f, const char *user, int argc,
		       const char *const *argv, proxy_path_map_fn map, void *ctx, struct strv *out,
		       char *why, size_t whysize);
