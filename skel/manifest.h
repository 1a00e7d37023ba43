/* manifest.zst: what a generation holds, one record per path, zstd-compressed.
 *
 *   unicage-manifest 1 GEN\n
 *   PATH \t TYPE \t MODE \t UID \t GID \t SIZE \t MTIME \t CLASS \t REF \t PACKAGE\n ...
 *   checksum sha256 HEX\n
 *
 * TYPE is one of f d l c b p s; MODE octal permission bits; CLASS s (shared,
 * an object), c (config, a private copy) or - (directories, links, devices);
 * REF the object key (64 hex) of a shared file or the target of a symlink;
 * PACKAGE the NEVRA it came from, empty for conf.d paths. Tabs, newlines and
 * backslashes inside fields are escaped \t \n \\. The checksum (SHA-256 over
 * every byte before its line) is verified before a single record is used.
 * Written to a temp name, fsynced, renamed: a manifest is whole or absent. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "lib/error.h"

struct manifest_rec {
	const char *path;
	char type;
	unsigned mode, uid, gid;
	uint64_t size;
	int64_t mtime;
	char cls;
	const char *ref;
	const char *pkg;
};

struct manifest_writer;

int manifest_create(struct manifest_writer **w, int dirfd, const char *gen, struct uc_error *err);
int manifest_add(struct manifest_writer *w, const struct manifest_rec *r);
/* Trailer, flush, rename into place as "manifest.zst"; frees w. Not
 * fsynced: written into a generation being built, which is made durable
 * whole before it is published (skel/build.c). */
int manifest_commit(struct manifest_writer *w, struct uc_error *err);
/* Drop an unfinished manifest (temp file removed); frees w. */
void manifest_abort(struct manifest_writer *w);

typedef int (*manifest_cb)(const struct manifest_rec *r, void *arg);
/* Read dirfd/manifest.zst: verify its checksum, then call cb per record.
 * gen (64 bytes) receives the generation id. A damaged manifest is UC_BADREQUEST. */
int manifest_read(int dirfd, char *gen, manifest_cb cb, void *arg, struct uc_error *err);
