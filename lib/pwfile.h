/* One reader of passwd(5), group(5), shadow(5) and gshadow(5) files, for
 * every place that reads them: the cage's generated /etc, the accounts of a
 * sysroot, passwd_file, the groups a cage's /etc/group gives a user, the
 * static front's look at a cage's /etc/passwd.
 *
 * A line is split at every ':' and empty fields are kept: in
 * `wheel::10:alice` the password field is empty, and a strtok()-style split
 * merges it away and takes the member list for the gid. Lines of any length
 * are read whole. No NSS and nothing heavy: the static front links it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "lib/error.h"

/* Fields per line of each format. */
enum {
	PWFILE_PASSWD = 7,  /* name:password:uid:gid:gecos:home:shell */
	PWFILE_GROUP = 4,   /* name:password:gid:members */
	PWFILE_SHADOW = 9,  /* name:password:lastchg:min:max:warn:inactive:expire:reserved */
	PWFILE_GSHADOW = 4, /* name:password:admins:members */
	PWFILE_MAX_FIELDS = 9,
};

struct pwfile {
	FILE *f;
	const char *name; /* for messages: "NAME:LINE" */
	unsigned nfields;
	unsigned min; /* fewer fields than nfields, down to min, are filled with "" */
	unsigned lineno;
	char *line; /* the current entry, split in place into field[] */
	size_t cap;
	char *field[PWFILE_MAX_FIELDS];
};

/* Read f (not closed by the reader) as a file of nfields fields per line. */
void pwfile_init(struct pwfile *p, FILE *f, const char *name, unsigned nfields);
/* The next entry into p->field[0..nfields-1] (valid until the next call):
 * 1, or 0 at the end. As glibc's files module reads them, blank lines and
 * lines starting with '#' are skipped, and trailing fields after the last id
 * may be missing (`wheel:x:10` is a group without members): they are empty.
 * A malformed line (more fields than nfields, fewer than up to the ids, an
 * empty name, a NUL byte) is -EINVAL with err naming "NAME:LINE",
 * and the next call goes on after it: the caller decides whether a bad line
 * is an error or is skipped as NSS skips it. A read error is -errno. */
int pwfile_next(struct pwfile *p, struct uc_error *err);
void pwfile_release(struct pwfile *p);

/* A uid/gid field: decimal digits only, below (uid_t)-1. 0 and *id, or -EINVAL. */
int pwfile_id(const char *s, unsigned *id);
/* The gids of the groups of group file f (named name in messages) that
 * list user as a member, appended to gids[0..*n) up to max: none twice and
 * never the primary gid again. Malformed lines are skipped, as initgroups(3)
 * skips them. 0, or -errno on a read error. */
int pwfile_member_gids(FILE *f, const char *name, const char *user, gid_t primary, gid_t *gids,
		       int *n, int max);
/* Whether name is one of a comma-separated member list (empty items, as in
 * "a,,b" or a trailing ',', name nobody). */
bool pwfile_member(const char *list, const char *name);
