/* Safe path helpers (DESIGN.md, "Rules for code that runs as root").
 *
 * Trees that users control are never resolved to a path first and used later: every
 * lookup goes through a directory fd with openat2(2), or, where the kernel
 * lacks it, a component-by-component walk with O_NOFOLLOW that enforces the
 * same rules. */
#pragma once

#include "lib/error.h"
#include "lib/strv.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/types.h>

/* "/a/b": absolute, no empty, "." or ".." components, no trailing slash ("/" is clean). */
bool path_is_clean_absolute(const char *p);
/* "a/b": relative, non-empty, no empty, "." or ".." components. */
bool path_is_clean_relative(const char *p);
/* Component-wise prefix: "/etc" is a prefix of "/etc" and "/etc/x", not of "/etcx". */
bool path_has_prefix(const char *path, const char *prefix);
/* Is path one of the paths of set, or below one (path_has_prefix)? */
bool path_under_any(const struct strv *set, const char *path);
/* Is path a proper or improper parent of one of the paths of set? */
bool path_above_any(const struct strv *set, const char *path);
/* buf = a + "/" + b with exactly one slash between; -ENAMETOOLONG (buf holds
 * "") if it does not fit. */
int path_join(char *buf, size_t size, const char *a, const char *b);
/* buf = the path fmt formats; -ENAMETOOLONG (buf holds "") when it does not
 * fit: a long state_dir is refused, never cut into another, shorter path. */
int path_fmt(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int path_vfmt(char *buf, size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
/* The failure r of path_fmt/path_join for a path starting with start, in
 * err: "START...: File name too long". Returns r. */
int path_fail(struct uc_error *err, int r, const char *start);

/* Open path below rootfd as if rootfd were "/" (chroot semantics): absolute
 * symlinks and ".." never leave the root; magic links (/proc/x/fd) are refused.
 * A trailing symlink is followed unless flags has O_NOFOLLOW. This is how files
 * of a host tree (sysroot) are opened: its own /lib -> usr/lib links work, and a
 * link planted to point at the real host's files stays inside. Returns fd or -errno. */
int path_open_in_root(int rootfd, const char *path, int flags, mode_t mode);

/* Where path is inside rootfd as a chroot would see it (symlinks followed,
 * absolute ones from rootfd, ".." never above rootfd: a link to /../../x
 * stays inside), without opening it: real receives the path with no symlink
 * in it ("/lib64/libc.so.6" -> "/usr/lib64/libc.so.6" with /lib64 ->
 * usr/lib64), and each symlink met on the way is pushed onto links (if not
 * NULL) by its own real path, in the order met. follow_last: a trailing
 * symlink is resolved too. The last component need not exist; a missing or
 * non-directory component before it is -ENOENT / -ENOTDIR; more than 40
 * links -ELOOP. 0 or -errno. */
int path_resolve_in_root(int rootfd, const char *path, bool follow_last, char *real, size_t size,
			 struct strv *links);

/* lstat of many paths inside rootfd, most of them near each other (sorted
 * lists): the parent directories last used are opened once
 * (path_open_in_root) and kept, each name is one fstatat(AT_SYMLINK_NOFOLLOW)
 * in its directory. */
#define PATH_DIRCACHE_N 16
struct path_dircache {
	struct {
		char *dir;
		int fd; /* -errno when dir could not be opened */
	} e[PATH_DIRCACHE_N];
	unsigned next; /* the slot replaced next */
};
void path_dircache_init(struct path_dircache *c);
/* 0 or -errno (-ENOENT: not there). "/" is rootfd itself. */
int path_lstat_in_root(struct path_dircache *c, int rootfd, const char *path, struct stat *st);
/* path's last component opened in its directory (kept in c) with flags |
 * O_NOFOLLOW | O_CLOEXEC: the files of a tree read in path order take one
 * openat each. fd or -errno. */
int path_openat_in_root(struct path_dircache *c, int rootfd, const char *path, int flags);
void path_dircache_release(struct path_dircache *c);

/* Open relpath below dirfd following no symlink at all and never leaving
 * dirfd ("..", absolute paths, symlinks: -EXDEV or -ELOOP). For trees users
 * control (cages, homes, guests). A trailing symlink can be opened only as
 * O_PATH|O_NOFOLLOW. Returns fd or -errno. */
int path_open_beneath(int dirfd, const char *relpath, int flags, mode_t mode);

/* A directory stream on name below dirfd, opened O_RDONLY | O_DIRECTORY |
 * O_NOFOLLOW | O_CLOEXEC (a symlink is refused); name NULL: dirfd itself,
 * through a copy (dup) rewound to the start (a copy shares dirfd's offset).
 * NULL with errno set, and nothing left open. Pair with _cleanup_closedir_. */
DIR *path_opendir_at(int dirfd, const char *name);

/* The names in the directory dirfd (without . and ..), read through a copy
 * of the fd (its offset is untouched), into out. 0 or -errno. */
int path_dir_names(int dirfd, struct strv *out);
/* buf = the directory of this executable + "/" + rel (rel may climb:
 * "../libexec/x"). 0, or -errno when /proc/self/exe is unreadable or buf
 * too small. */
int path_beside_self(char *buf, size_t size, const char *rel);
/* One of unicage's programs: beside this executable when it is there (a
 * build tree, or unicage-core in LIBEXECDIR), else LIBEXECDIR's. The front
 * and unicage-core find the same file. */
int path_libexec(char *buf, size_t size, const char *name);

/* Tests: force the fallback walk even when openat2(2) exists. */
void path_force_fallback(bool on);
