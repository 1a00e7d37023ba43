/* The object store (DESIGN.md, "Words"): store/objects/XX/<20 hex>, one
 * immutable regular file per object, on the filesystem of the trees that link
 * to it. Writers hold the store's exclusive lock for their whole run.
 *
 * Publication is atomic: a temp name under store/tmp, the data made durable,
 * then renameat2(RENAME_NOREPLACE) into place; a name is never half there.
 * An existing name is trusted only after a byte-for-byte comparison of
 * content and header (never the hash alone): the same bytes are the same
 * object; different bytes under a different full key are a name collision (the
 * name keeps 22 of 64 hex digits) and roll over to "name.1", "name.2"...; a
 * different file with the same full key is a loud error. */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "lib/error.h"
#include "lib/hashset.h"
#include "lib/objkey.h"

struct store {
	char *path;
	int fd, objfd, tmpfd, lockfd;
	dev_t dev;
	/* Objects present when the store was opened: their inodes (to see at
	 * once that a name is unified already) and their sizes (a file with a
	 * size no object has cannot match an existing object). */
	struct inoset objects;
	struct inoset sizes;
	nlink_t link_max; /* the filesystem's limit, or the test knob */
	atomic_uint tmpseq;
	pid_t pid;
	pthread_mutex_t mu; /* objects and sizes sets, after the scan */
};

enum store_flags {
	STORE_CREATE = 1 << 0,	 /* create it if missing */
	STORE_WAIT = 1 << 1,	 /* wait for the lock instead of failing */
	STORE_READONLY = 1 << 2, /* shared lock, nothing written (dry runs, vdu) */
};

/* Open the store at path, take its lock (exclusive unless STORE_READONLY;
 * a refusal names the holder's pid), remove leftovers of an interrupted run
 * and scan the objects present. */
int store_open(struct store *s, const char *path, unsigned flags, struct uc_error *err);
/* A store with no objects and no directory (a dry run before the first real
 * run): lookups find nothing. */
void store_init_empty(struct store *s, dev_t dev);
void store_close(struct store *s);

bool store_is_object(struct store *s, dev_t dev, ino_t ino);
bool store_has_size(struct store *s, uint64_t size);

/* One object, opened. */
struct store_obj {
	int fd; /* O_RDONLY */
	struct stat st;
	char name[OBJNAME_MAX]; /* "XX/<20 hex>[.N]" */
	unsigned suffix;
	bool created;
};

struct obj_src {
	int fd; /* O_RDONLY regular file */
	const struct stat *st;
	const struct xattr_set *xa;
	bool with_mtime;
	const struct objkey *key;
};

/* Find the object for src: 1 found (obj filled, its link count below the
 * limit), 0 none (obj->suffix is the free slot to publish at), <0 error. */
int store_lookup(struct store *s, const struct obj_src *src, struct store_obj *obj,
		 struct uc_error *err);
/* Make src's inode itself the object at obj->suffix (link, not copy). On a
 * name taken meanwhile returns -EEXIST. The caller makes the data durable
 * (one syncfs of the store's filesystem before the run links anything)
 * before any other name links to it. */
int store_publish_inode(struct store *s, const struct obj_src *src, struct store_obj *obj,
			struct uc_error *err);
/* Write a copy of src under store/tmp: the content of srcfd with st's owner,
 * mode and mtime and xa's xattrs; tmpname receives its name. Not durable
 * until the caller's syncfs; then store_place() moves it to objects/NAME. */
/* Copy size bytes from in to out (both at offset 0 onwards): copy_file_range
 * (reflinks where the filesystem can), and plain reads and writes where it
 * cannot between these two files (EXDEV: another filesystem such as a
 * separate /var, EOPNOTSUPP, EINVAL, ENOSYS). -ESTALE if in is shorter than
 * size (it changed), else 0 or -errno. */
int store_copy_data(int in, int out, uint64_t size);
int store_stage_copy(struct store *s, int srcfd, const struct stat *st, const struct xattr_set *xa,
		     char *tmpname, size_t size, struct uc_error *err);
/* Rename a staged copy to objects/name (RENAME_NOREPLACE): -EEXIST if taken. */
int store_place(struct store *s, const char *tmpname, const char *name, struct uc_error *err);

/* Would one more link pass the link limit? */
bool store_obj_full(struct store *s, const struct store_obj *obj);
void store_obj_close(struct store_obj *obj);

/* Call fn for every object: subfd is its XX directory, sub that directory's
 * name, name the object's. A non-zero return stops and is returned. */
typedef int (*store_object_fn)(int subfd, const char *sub, const char *name, void *arg);
int store_foreach_object(int objfd, store_object_fn fn, void *arg);

/* Remove dfd/name and everything below it; names of +i inodes (objects)
 * need the flag off for the moment: call under the store's lock. Returns 0
 * or the first failure (-errno), having removed all it could. */
int store_rm_tree(int dfd, const char *name);
/* The same by path (its parent opened, never following its last component). */
int store_rm_path(const char *path);

/* FS_IMMUTABLE_FL on and off. 0, or -EOPNOTSUPP/-ENOTTY/-EPERM where the
 * filesystem or the caller cannot. */
int fs_set_immutable(int fd, bool on);
int fs_get_immutable(int fd, bool *on);
/* fd's owner made uid:gid and its permission bits mode (07777), with only
 * the calls that change something: a new inode mostly has them already
 * (root's, with the mode it was created with), and on XFS or a journaled
 * ext4 each fchown or fchmod is a transaction. The mode goes after the
 * owner (chown clears set-id bits). 0 or -errno. */
int fs_set_owner_mode(int fd, uid_t uid, gid_t gid, mode_t mode);

/* Same metadata as far as the object key sees it (type, mode, owner, mtime
 * when it counts, xattrs)? */
bool obj_meta_equal(const struct stat *a, const struct xattr_set *xa, const struct stat *b,
		    const struct xattr_set *xb, bool with_mtime);
