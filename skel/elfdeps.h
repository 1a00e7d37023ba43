/* ELF dependencies inside one tree (a sysroot or a generation's tree/), as
 * the dynamic linker would resolve them there (ld.so(8)), read with libelf
 * and never by running anything from the tree:
 *   - the interpreter (PT_INTERP);
 *   - each DT_NEEDED library: DT_RPATH (when there is no DT_RUNPATH), then
 *     DT_RUNPATH, then the tree's etc/ld.so.cache, the directories of its
 *     etc/ld.so.conf (include globs followed), then the default directories
 *     (/lib64 /usr/lib64 for 64-bit objects, /lib /usr/lib for 32-bit, as
 *     RHEL's ld.so; also Debian's multiarch /lib/TRIPLET /usr/lib/TRIPLET
 *     and /lib /usr/lib, which its ld.so searches);
 *     $ORIGIN, $LIB and $PLATFORM are expanded; a candidate counts only if
 *     it is an ELF object of the same class and machine (ld.so skips others).
 * Every path is resolved inside the tree as if it were "/" (symlinks followed
 * but never out of it, ".." stops at its root), and the symlinks passed on
 * the way are reported, so that a copy of the tree can keep them. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/hashset.h"
#include "lib/strv.h"

struct elf_info {
	int elfclass;			    /* ELFCLASS32 or ELFCLASS64 */
	unsigned machine;		    /* e_machine */
	char *interp;			    /* PT_INTERP, NULL for none */
	struct strv needed, rpath, runpath; /* rpath/runpath split at ':' */
};

/* Read the dynamic part of the ELF object open at fd. 0: read (info to
 * release); 1: not an ELF executable or shared object, or one with neither
 * interpreter nor dynamic section (static, relocatable, core, debug file):
 * nothing to resolve; -errno / -EINVAL for a damaged one. */
int elf_info_read(int fd, struct elf_info *info);
void elf_info_release(struct elf_info *info);

/* What the checks need of one file, read once: elf_info_read's result (r:
 * 0, 1, or -EINVAL when damaged) and info, and compat, the class and
 * machine of an ELF shared object (class << 16 | machine, + 1; 0 for
 * anything else), which is what makes it a candidate for a DT_NEEDED. */
struct elf_file {
	int r;
	size_t compat;
	struct elf_info info;
};
/* 0 (f to release), or -ENOMEM. */
int elf_file_read(int fd, struct elf_file *f);
void elf_file_release(struct elf_file *f);

/* The file at path (absolute, a real path of the tree) as its builder read
 * it already, or NULL: then it is opened in the tree. */
typedef const struct elf_file *(*elf_known_fn)(void *ctx, const char *path);

/* The real path of path inside the tree rootfd (every symlink followed
 * inside the tree, at most 40), written to real ("/usr/lib64/libc.so.6");
 * each symlink passed is appended to links (may be NULL) by its own path.
 * The last component is followed too. 0, -ENOENT, -ENOTDIR, -ELOOP. */
int tree_resolve(int rootfd, const char *path, char *real, size_t size, struct strv *links);

/* Open the regular file at the real path real ("/usr/lib64/x") of the tree
 * for reading, without following any link and without ever opening a
 * device or fifo (looked at through O_PATH first). fd or -errno. */
int tree_open_file(int rootfd, const char *real);

/* The search context of one tree: its ld.so.conf directories and cache,
 * and what was found already (lookups are memoized). */
struct elf_tree {
	int rootfd;		   /* not owned */
	struct strv conf_dirs;	   /* etc/ld.so.conf and its includes, in order */
	struct strv cache_names;   /* etc/ld.so.cache: sonames ... */
	struct strv cache_paths;   /* ... and the path each names */
	struct strset cache_first; /* soname -> its first entry + 1 */
	size_t *cache_next;	   /* per entry: the next one of that soname + 1, 0 none */
	struct strset memo;	   /* "class:machine:dir/name" -> index in found, +1; 0 missing */
	struct strv found;	   /* per memo hit: "REAL\nLINK\nLINK..." */
	struct strset compat;	   /* real path -> class<<16|machine, +1 (0: not ELF) */
	/* when set: per path tried, a "res" line of the lean no-op's record
	 * (skel/noop.h) saying where it led just before it was tried (so that
	 * whatever appears there after the try makes the record fail) */
	struct strv *probes;
	elf_known_fn known; /* may be NULL */
	void *known_ctx;
};

/* Read the tree's etc/ld.so.conf (with includes) and etc/ld.so.cache; both
 * may be absent. 0 or -ENOMEM. */
int elf_tree_load(struct elf_tree *t, int rootfd);
void elf_tree_release(struct elf_tree *t);

/* The dependency name (DT_NEEDED soname, or a path) of the object at objpath
 * (its path in the tree; $ORIGIN is its directory) found in the tree: real
 * gets its real path, links the symlinks on the way. 0 found, -ENOENT not. */
int elf_find_lib(struct elf_tree *t, const char *objpath, const struct elf_info *obj,
		 const char *name, char *real, size_t size, struct strv *links);
/* The interpreter of obj (absolute path), resolved the same way. */
int elf_find_interp(struct elf_tree *t, const struct elf_info *obj, char *real, size_t size,
		    struct strv *links);

/* rpm's capability for a library of this class: "libtinfo.so.6()(64bit)"
 * for 64-bit objects, the soname alone for 32-bit ones. */
void elf_soname_provide(const struct elf_info *obj, const char *soname, char *buf, size_t size);

/* Parse an ld.so.cache image (old, new or combined format) into parallel
 * names/paths. 0, or -EINVAL for something that is not a cache. */
int ldcache_parse(const void *data, size_t size, struct strv *names, struct strv *paths);
