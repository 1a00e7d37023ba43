/* Internal to skel/: what the build of a generation (build.c) and the
 * making of its tree/ and stubs/ (build_tree.c) share. */
#pragma once

#include "lib/hashset.h"
#include "lib/objkey.h"
#include "lib/path.h"
#include "lib/store.h"
#include "skel/elfdeps.h"
#include "skel/index.h"
#include "skel/manifest.h"
#include "skel/rpmcache.h"
#include "skel/skel.h"
#include "skel/wanted.h"
#include "skel/wrappers.h"

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>
#include <sys/stat.h>

/* The parent directory last opened in tree/ or stubs/ (entries come sorted,
 * so siblings share it). */
struct skel_pdir {
	int rootfd; /* tree/ or stubs/, not owned */
	int fd;
	char path[PATH_MAX];
};
void skel_pdir_init(struct skel_pdir *c, int rootfd);
void skel_pdir_release(struct skel_pdir *c);

struct gen_build {
	const struct skel_opts *o;
	struct skel_stats *st;
	int rootfd, skelfd, genfd, treefd, stubfd;
	struct store store;
	struct skel_index prev, next;
	bool have_prev;		    /* a current generation exists */
	struct wanted_probe probe;  /* the no-op fast path of the walk */
	atomic_uchar *prev_hit;	    /* per prev entry: found unchanged by the probe */
	struct path_dircache sigdc; /* signature(): the last parent directory */
	int prevtreefd;		    /* the current generation's tree/ */
	bool *from_prev;	    /* per next entry: taken from the previous generation */
	pthread_mutex_t mu;	    /* the objects phase's threads: keys, staged, counters */
	struct wanted_set ws;
	struct rpmcache rpm_prev; /* skel/rpm-files: the packages' files as last read */
	bool rpm_read;		  /* the rpmdb was read: rpm-files is written again */
	struct wanted_rpm wrpm;
	struct skel_pdir ptree; /* tree/'s, for skel_make_entry */
	char **staged;		/* per next-index entry: store/tmp name of its new object */
	struct strset keys;	/* key -> the entry that claimed it in this run */
	size_t *same_as;	/* per next entry: 1 + the entry whose object it takes, 0 */
	/* the objects this run created: +i once all of tree/ is linked (one
	 * already +i is unset and set again around each link) */
	struct strset fresh;
	size_t nstaged;
	struct strv prev_elf;	   /* the current generation's elfdeps additions */
	struct strv prev_recheck;  /* ... the objects to look at again */
	bool prev_elf_missing;	   /* ... it misses libraries and has no recheck list */
	struct skel_wrappers wrap; /* the proxy's wrapper paths (skel/wrappers.h) */
	/* per next entry: its ELF header, read with the bytes of its object
	 * (elfscan_known: the check does not read the new tree again) */
	struct build_elf {
		bool have;
		struct elf_file f;
	} * elf;
	struct timespec t0; /* the build's start, for UNICAGE_DEBUG=general */
	long cpu0;
	/* per next entry read in this run: its file's xattrs, which its object
	 * has (for its stub, made before the object is placed) */
	struct build_xa {
		bool have;
		struct xattr_set set;
	} * xa;
	/* stubs/'s thread: a stub's identity (skel_make_stub) -> the entry
	 * whose stub has it; later entries with it are hardlinks of that one */
	struct strset stub_first;
	struct skel_pdir pfirst; /* ... and the parent of that entry's stub */
};

/* The object name of a key kept as hex in an index. */
static inline void key_from_hex(const char *hex, unsigned suffix, char *name, size_t size)
{
	struct objkey key;
	objkey_from_hex(hex, &key);
	objkey_name(&key, suffix, name, size);
}

/* Entry i of the new index made in tree/, its manifest record written. */
int skel_make_entry(struct gen_build *b, size_t i, struct manifest_writer *mw,
		    struct uc_error *err);
/* The host file of e opened inside sysroot (or the previous tree: srcfd),
 * still the inode the walk saw: else -ESTALE. st gets its fstat. */
int skel_open_host_file(struct gen_build *b, int srcfd, const struct idx_ent *e, struct stat *st);
/* What stubs/ gets of entry i from skel_make_stub: 'd' a directory, 'h' a
 * directory that holds homes (bare), 'f' a stub, 0 nothing. Taken before
 * tree/ is made, so that the stubs/ thread reads nothing tree/'s changes:
 * tree/ drops a directory or shared file only when its parent is not a
 * directory there, and then stubs/ lacks that parent too (its symlinks come
 * later): both trees hold the same entries. */
char skel_stub_kind(const struct gen_build *b, size_t i);
/* Entry i in stubs/ (c: stubs/'s parent cache), as kind says. Thread-safe
 * against skel_make_entry: it reads only what the objects phase wrote. */
int skel_make_stub(struct gen_build *b, struct skel_pdir *c, size_t i, char kind);
/* After both trees: entry i, a symlink, device or config file of tree/,
 * put into stubs/ too (t, s: the parent caches of tree/ and stubs/). */
int skel_link_stub(struct gen_build *b, struct skel_pdir *t, struct skel_pdir *s, size_t i);
/* +i on the objects this run created (once tree/ is linked: a +i file can
 * be neither linked nor renamed). */
void skel_seal_fresh(struct gen_build *b);
