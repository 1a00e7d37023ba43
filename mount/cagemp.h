/* cage.mp (CageFS cagefs.mp syntax), one mount point per line:
 *   /path          the host's directory, shared read-write
 *   !/path         the host's directory, read-only
 *   @/path,MODE    a per-user directory kept in ~/.unicage/<path> (octal MODE)
 *   %/path         split by user name: the user sees only /path/<user>
 *   # comments, blank lines
 * A bad line is UC_BADREQUEST naming file:line; nothing is mounted from a
 * file with a bad line. */
#pragma once

#include <stdio.h>
#include <sys/types.h>

#include "lib/error.h"

enum mp_kind { MP_SHARED, MP_READONLY, MP_PERUSER, MP_SPLIT };

struct mp_entry {
	enum mp_kind kind;
	char *path;
	mode_t mode; /* MP_PERUSER */
};

struct cage_mp {
	struct mp_entry *v;
	size_t n;
};

int cagemp_parse(struct cage_mp *mp, FILE *f, const char *name, struct uc_error *err);
/* config_dir/cage.mp; a missing file is an empty list. */
int cagemp_load(struct cage_mp *mp, const char *config_dir, struct uc_error *err);
void cagemp_release(struct cage_mp *mp);
