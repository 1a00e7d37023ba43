/* vdu: what trees really cost on disk (Linux-VServer's vdu, with a
 * private/shared breakdown). One walk per PATH; every inode is counted once:
 *   apparent   sum of st_size
 *   allocated  sum of st_blocks * 512 (what `du -s` reports, in bytes)
 *   private    allocated bytes of inodes all of whose links are inside PATH
 *              (directories always are)
 *   shared     allocated bytes of the others (linked from elsewhere too: a
 *              store object, another guest): each once
 * A file that vanishes during the walk is skipped; mount points are not
 * crossed unless asked. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "lib/error.h"
#include "lib/hashset.h"

struct vdu_result {
	uint64_t apparent, allocated, private_bytes, shared_bytes;
	uint64_t inodes, private_inodes, shared_inodes;
};

struct vdu_inode {
	uint64_t blocks, size;
	uint32_t nlink, seen;
};

/* Inodes seen by one or more walks. Only inodes with more than one link
 * need remembering (as du does): the others are counted on sight, private.
 * (PATHs of one total must not overlap, or their single-link files count
 * twice.) */
struct vdu {
	struct inoset set; /* value: index into v */
	struct vdu_inode *v;
	size_t n, cap;
	struct vdu_result single; /* inodes with one link, and directories */
	bool cross_mounts;
};

/* Walk path into acc (fresh for one PATH; reused across PATHs for a total).
 * A symlink given as path is followed (du -H), none below it. */
int vdu_walk(struct vdu *acc, const char *path, struct uc_error *err);
void vdu_sum(const struct vdu *acc, struct vdu_result *r);
/* Add the inodes (and the links seen) of one walk to acc. */
int vdu_merge(struct vdu *acc, const struct vdu *one);
void vdu_release(struct vdu *acc);
