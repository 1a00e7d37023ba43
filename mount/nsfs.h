/* Persisted mount namespaces (DESIGN.md, "Namespaces and mounts" in NOTES.md).
 *
 * A namespace lives on after its last process when its nsfs handle
 * (/proc/PID/ns/mnt) is bind-mounted on a file; run_dir/ns is made a private
 * mount first so that those binds never propagate anywhere.
 *
 * Cages are not unshared from the host (that copies the whole host mount
 * table: 2,000 cages would each copy 2,000 handles): a tiny template
 * namespace (one read-only tmpfs with an empty /r) is built once and kept at
 * run_dir/ns/.template; each cage is a copy of that template, so building one
 * costs the same with 10 cages or 10,000. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "lib/config.h"
#include "lib/error.h"

#define NSFS_TEMPLATE ".template"

/* Runs in the new namespace (a copy of the template, or of the caller's
 * namespace when template_fd < 0). Returns 0, or -errno with msg filled. */
typedef int (*ns_setup_fn)(void *arg, char *msg, size_t size);

/* run_dir/ns as a private mount (bind-mounted on itself if needed); fd of it. */
int nsfs_dir_open(const struct uc_config *cfg, struct uc_error *err);
/* The template namespace: an fd usable with setns(2), built if missing. */
int nsfs_template(const struct uc_config *cfg, int nsdir, struct uc_error *err);
/* How to build one namespace. prepare (optional) runs in the caller before
 * each attempt and discard after it: what a failed attempt attached is gone
 * with its namespace, so detached mounts are made again for the next. */
struct nsfs_builder {
	ns_setup_fn setup;
	int (*prepare)(void *arg, struct uc_error *err);
	void (*discard)(void *arg);
	void *arg;
	/* the cage's pid and IPC namespaces the builder joins (-1: none): the
	 * procfs and mqueue it mounts are theirs */
	int pidns_fd, ipcns_fd;
};

/* Create a namespace, run setup in it, and bind its handle at nsdir/name
 * (created). The child that builds it exits before this returns. *ino gets
 * the namespace's inode (as /proc/PID/ns/mnt shows it). */
int nsfs_create(int nsdir, int template_fd, const char *name, const struct nsfs_builder *b,
		ino_t *ino, struct uc_error *err);
/* Bind /proc/PID/ns/<kind> ("mnt", "pid", "ipc") at nsdir/name (created);
 * *ino: the namespace's inode. -errno. */
int nsfs_bind_proc(pid_t pid, const char *kind, int nsdir, const char *name, ino_t *ino);
/* Whether nsdir/name is a bound handle; its namespace inode in *ino. */
bool nsfs_is_bound(int nsdir, const char *name, ino_t *ino);
/* The same, the handle kept: its fd (O_RDONLY, close-on-exec), -ENOENT
 * when the name is there but no namespace is bound on it, or -errno. */
int nsfs_open_bound(int nsdir, const char *name, ino_t *ino);
/* Unmount (detached) and remove nsdir/name. */
void nsfs_release(int nsdir, const char *name);
/* When no handle but the template is bound in run_dir/ns: release the
 * template and unmount run_dir/ns itself (umount-all leaves no mount). */
void nsfs_shutdown(const struct uc_config *cfg);
/* Whether nsfs_create had to retry on another CPU (tests, bench). */
extern unsigned nsfs_cpu_retries;
