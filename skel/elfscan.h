/* ELF dependencies of the skeleton (skel/elfdeps.h applied to it):
 *   - wanted set: the libraries (and the interpreter) that programs listed in
 *     conf.d need are added to it, with the symlinks on the way, found in the
 *     sysroot as its dynamic linker would find them (what jailkit's jk_cp
 *     does), transitively; black-listed ones are not;
 *   - generation: every ELF file of a new tree must find its interpreter and
 *     each DT_NEEDED library inside that tree; what is missing is a warning of
 *     `update` and, stored in the generation's `elfdeps` file, a FAILED line
 *     of `unicage check` (`check --full` reads every file again). */
#pragma once

#include <stdint.h>

#include "lib/error.h"
#include "lib/strv.h"
#include "skel/elfdeps.h"
#include "skel/index.h"
#include "skel/manifest.h"
#include "skel/skel.h"
#include "skel/wanted.h"

struct elf_missing {
	char *program; /* its path in the tree */
	char *lib;     /* the DT_NEEDED name, or the interpreter's path */
	int elfclass;  /* of the program: ELFCLASS32 / ELFCLASS64 */
};

struct elf_report {
	struct elf_missing *v;
	size_t n, cap;
	uint64_t files;	    /* regular files looked at */
	uint64_t elf_files; /* dynamic ELF objects among them */
};

/* Check each of paths (regular files, absolute, real paths of the tree).
 * known (may be NULL) gives what the tree's builder read of a file already
 * (skel/elfdeps.h): such a file is not opened again. */
int elfscan_paths(int treefd, const struct strv *paths, elf_known_fn known, void *ctx,
		  struct elf_report *rep);
void elf_report_release(struct elf_report *rep);

/* The generation's elfdeps file: what was added to the wanted set and what
 * is missing (into a generation being built: not fsynced). elfscan_read:
 * -ENOENT when the generation has none. */
int elfscan_write(int genfd, const struct elf_report *rep, const struct strv *added,
		  const struct strv *recheck);
int elfscan_read(int genfd, struct elf_report *rep, struct strv *added);
/* The added paths and the closure's objects to look at again (recheck: a
 * dependency was not found or was black-listed); none when the file is
 * absent or damaged. 1 when the generation misses something and the file
 * has no recheck list (written before it had one): a no-op update must
 * then read every program again. */
int elfscan_read_added(int genfd, struct strv *added, struct strv *recheck);

/* The ELF headers a build read from the files it took (their objects'
 * bytes), so that the check need not read the new tree: on a filesystem
 * that clones (XFS, btrfs) its files share no page cache with the host's
 * and every read of them would go to the disk. */
struct elfscan_known {
	elf_known_fn fn;
	void *ctx;
};

/* skel/build.c, before publishing: check the new tree (the regular files of
 * next), write gen/elfdeps, warn about what is missing, count it. k may be
 * NULL. */
int elfscan_generation(int treefd, int genfd, const struct skel_index *next,
		       const struct elfscan_known *k, const struct strv *added,
		       const struct strv *recheck, struct skel_stats *st, struct uc_error *err);

/* skel/wanted.c: add(ctx, path) puts a path into the wanted set (1 if it
 * was not there). programs are the conf.d paths of the set; what was added
 * is appended to added; each object (program or library) with a
 * dependency not found or kept out by black.list, to recheck. */
typedef int (*elfscan_add_fn)(void *ctx, const char *path);
int elfscan_wanted(int rootfd, const struct strv *programs, const struct strv *black,
		   elfscan_add_fn add, void *ctx, struct strv *added, struct strv *recheck);
/* A no-op update's part of it: the dependencies of objects (a generation's
 * recheck list) looked up again, and added when found now (which makes the
 * set differ from the generation); what they find is not followed further:
 * their files are unchanged, so everything else the closure found is as it
 * was. probes (if not NULL) gets the "res" lines of the lean no-op's record
 * (skel/noop.h) that would find a change in any of it: every path tried,
 * and the sysroot's ld.so.conf and ld.so.cache, as they were before. */
int elfscan_recheck(int rootfd, const struct strv *objects, const struct strv *black,
		    elfscan_add_fn add, void *ctx, struct strv *added, struct strv *probes);
