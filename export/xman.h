/* The manifest of a cage archive: its first entry, UNICAGE-MANIFEST, text:
 *
 *   unicage-export 2
 *   host NAME
 *   user NAME
 *   uid N
 *   gid N
 *   generation GEN
 *   generation_manifest_sha256 HEX      (of skel/GEN/manifest.zst)
 *   created SECONDS
 *   enabled yes|no
 *   with_home yes|no
 *   peruser PATH MODE                   (cage.mp @ lines, for reference)
 *   file HEX PATH                       (SHA-256 of every regular file entry)
 *
 * PATH is escaped as lib/tsv.h says (version 1, of older unicage, wrote
 * control bytes other than tab and newline raw; it is read as such). A line
 * that does not parse is an error naming UNICAGE-MANIFEST:LINE. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "lib/error.h"
#include "lib/hashset.h"
#include "lib/strv.h"

#define XMAN_NAME "UNICAGE-MANIFEST"
#define XMAN_VERSION 2 /* written; 1 and 2 read */

struct xman {
	unsigned version;
	char host[256], user[256], gen[64], gen_sha[65];
	uid_t uid;
	gid_t gid;
	int64_t created;
	bool enabled, with_home;
	struct strv peruser;	  /* "PATH MODE" */
	struct strv paths, hexes; /* every regular file, in archive order */
	struct strset files;	  /* path -> index in paths/hexes */
};

/* SHA-256 of state_dir/skel/GEN/manifest.zst (what names a skeleton across
 * hosts: generation names are per host); "" when it cannot be read. */
void xman_gen_sha(const char *state_dir, const char *gen, char hex[65]);

void xman_init(struct xman *m);
void xman_release(struct xman *m);
int xman_add_file(struct xman *m, const char *path, const char *hex);
/* The expected SHA-256 of path, or NULL when the manifest has no such file. */
const char *xman_file_hex(const struct xman *m, const char *path);
/* The text, malloc'ed. */
int xman_format(const struct xman *m, char **out, size_t *len);
int xman_parse(struct xman *m, const char *text, size_t len, struct uc_error *err);
