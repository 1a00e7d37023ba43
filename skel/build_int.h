/* Internal to skel/: what the build of a generation (build.c) and the
 * making of its tree/ and stubs/ (build_tree.c) share. */
#pragma once

#include "lib/hashset.h"
#include "lib/objkey.h"
#include "lib/path.h"
#include "lib/store.h"
#include "skel/index.h"
#include "skel/manifest.h"
#include "skel/rpmcache.h"
#include "skel/skel.h"
#include "skel/wanted.h"
#include "skel/wrappers.h"

#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>

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
	int srcfd;		    /* where the entry being made is read: sysroot or prevtree */
	struct wanted_set ws;
	struct rpmcache rpm_prev; /* skel/rpm-files: the packages' files as last read */
	bool rpm_read;		  /* the rpmdb was read: rpm-files is written again */
	struct wanted_rpm wrpm;
	/* the parent directory last opened in tree/ and stubs/ (entries come
	 * sorted, so siblings share it) */
	char parent[PATH_MAX];
	int ptree, pstub;
	char **staged;	    /* per next-index entry: store/tmp name of its new object */
	struct strset keys; /* keys staged in this run (identical files: one copy) */
	/* objects this run created -> names of tree/ still to link to each:
	 * they get +i once, after their last link (an object already +i is
	 * unset and set again around each link) */
	struct strset fresh;
	size_t nstaged;
	struct strv prev_elf;	  /* the current generation's elfdeps additions */
	struct strv prev_recheck; /* ... the objects to look at again */
	bool prev_elf_missing;	  /* ... it misses libraries and has no recheck list */
	struct skel_wrappers wrap; /* the proxy's wrapper paths (skel/wrappers.h) */
};

/* The object name of a key kept as hex in an index. */
static inline void key_from_hex(const char *hex, unsigned suffix, char *name, size_t size)
{
	struct objkey key;
	objkey_from_hex(hex, &key);
	objkey_name(&key, suffix, name, size);
}

/* Entry i of the new index made in tree/ and stubs/, its manifest record
 * written. */
int skel_make_entry(struct gen_build *b, size_t i, struct manifest_writer *mw,
		    struct uc_error *err);
/* The host file of e opened inside sysroot (or the previous tree), still
 * the inode the walk saw: else -ESTALE. */
int skel_open_host_file(struct gen_build *b, const struct idx_ent *e);
/* +i on the new objects that did not get it with their last name. */
void skel_seal_fresh(struct gen_build *b);
