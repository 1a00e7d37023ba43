/* A cage's private /etc (cages_dir/NN/<user>/etc, NN = uid mod 100): the
 * current skeleton generation's etc, with passwd and group holding only the
 * system accounts (uid/gid below min_uid, plus conf.d users=/groups=) and the
 * user, shadow and gshadow only theirs, then config_dir/custom.etc/<user>/
 * laid over it. Built beside the old one (etc.new), then moved into etc/ file
 * by file (running cages keep etc/ bind-mounted). gen: the generation whose
 * etc is taken, NULL for current. */
#pragma once

#include <stdbool.h>

#include "lib/config.h"
#include "lib/error.h"
#include "lib/users.h"
#include "skel/conf.h"

/* cages_dir/NN/<user> into buf. */
int etc_cage_dir_path(const struct uc_config *cfg, const struct uc_user *u, char *buf, size_t size);
/* cages_dir/NN/<user> (path into dir) made if missing, root-owned 0700,
 * with its owner record (the uid; mount/lifecycle.h). 0 or -errno. */
int etc_cage_dir_make(const struct uc_config *cfg, const struct uc_user *u, char *dir, size_t size);
/* The user's home as a path on this machine (below sysroot) into buf: 0 or
 * -ENAMETOOLONG. */
int host_home_path(const struct uc_config *cfg, const struct uc_user *u, char *buf, size_t size);
/* What of config_dir a cage's /etc takes: the users= and groups= of
 * conf.d/ *.cfg, read leniently. A cfg file with a bad line adds nothing
 * (logged as a warning naming FILE:LINE) and the others still count;
 * black.list and rpm.list are not read (a mount uses neither). So a broken
 * conf.d stops `update` (which refuses it), never a user's session; leaving
 * accounts out is the safe side (no other account's name shows). 0, or
 * UC_INTERNAL when out of memory. */
/* Whether s can stand as one field of a passwd line: no ':' and no control
 * character (what NSS sources such as LDAP do not check). */
bool etc_field_ok(const char *s);
int etc_conf_load(const char *config_dir, struct skel_conf *out, struct uc_error *err);
/* passwd, group, shadow and gshadow of etcfd rewritten for u: the system
 * accounts (ids below min_uid, conf.d users=/groups=) and u, member lists
 * holding only accounts kept; another user's name never stays. */
int etc_filter_accounts(const struct uc_config *cfg, const struct skel_conf *conf,
			const struct uc_user *u, int etcfd);
/* Generate (or regenerate) the user's etc; the cage directory is created
 * root-owned 0700 if missing. */
int etc_generate(const struct uc_config *cfg, const struct skel_conf *conf, const struct uc_user *u,
		 const char *gen, struct uc_error *err);
