/* What the skeleton is made of, read from config_dir as CageFS admins write it:
 *   conf.d/NAME.cfg       [section] lines with comment=, paths=, devices=,
 *                         users=, groups= (INI: `key = value` or `key: value`,
 *                         values continued on indented lines, # and ; comments)
 *   black.list,           one path or glob per line, kept out of the skeleton
 *   custom.black.list
 *   rpm.list              one package per line (maintained by addrpm/delrpm)
 * Every file is read whole before anything is used; a bad line anywhere is
 * UC_BADREQUEST naming file:line. A missing file is an empty one. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "lib/error.h"
#include "lib/strv.h"

struct skel_section {
	char *name;
	char *comment;
	char *where; /* "FILE:LINE" of the [section] line */
	struct strv paths, devices, users, groups;
};

struct skel_conf {
	struct skel_section *v;
	size_t n;
	struct strv black; /* black.list + custom.black.list */
	struct strv rpms;  /* rpm.list */
};

int skel_conf_load(struct skel_conf *c, const char *config_dir, struct uc_error *err);
void skel_conf_release(struct skel_conf *c);

/* Parsers on open files (unit tests); name is used in messages. */
int skel_cfg_parse(struct skel_conf *c, FILE *f, const char *name, struct uc_error *err);
int skel_list_parse(struct strv *out, FILE *f, const char *name, bool paths, struct uc_error *err);

/* rpm.list: write the list atomically (temp, fsync, rename). */
int skel_rpmlist_write(const char *config_dir, const struct strv *rpms, struct uc_error *err);
