/* The per-user init (doc/mount.md, "The cage's pid and IPC namespaces").
 *
 * Every caged user has one pid namespace and one IPC namespace, shared by
 * all her slots: after a skeleton update her new sessions still see and can
 * signal what she started before. A pid namespace lives as long as its pid
 * 1: unicage-init (cli/init.c), started in both namespaces and in the
 * template's mount namespace, ignoring every signal (orphans are reaped by
 * the kernel). Its namespaces' handles are bound at run_dir/ns/<user>.pid
 * and <user>.ipc, its pid recorded in run_dir/ns/.slots/<user>/init. A
 * killed init takes every process of the namespace with it; the next mount
 * or entry sees it (pidns_init_get) and builds a new pair and a new slot;
 * nothing is ever run outside: fork(2) into a pid namespace whose init is
 * gone fails. Everything here runs under the user's cage lock. */
#pragma once

#include "lib/config.h"
#include "lib/error.h"
#include "mount/slots.h"

/* The user's pid and IPC namespaces, one pair per user shared by all her
 * slots, held by its init (cli/init.c, mount/pidns.h): handles
 * run_dir/ns/<user>.pid and <user>.ipc, record
 * run_dir/ns/.slots/<user>/init. */
struct cage_init {
	pid_t pid; /* in the host's pid namespace */
	ino_t pidns, ipcns;
};
/* 0 when the record is there and its init still runs in that pid
 * namespace (its /proc/PID/ns/pid is pidns); -ESRCH when it is gone (the
 * kernel killed every process of the namespace with it), -ENOENT when
 * there is no record. */
int pidns_init_get(int nsdir, const char *user, struct cage_init *ci);
/* The user whose cage has pid namespace pidns (inode), into user (of
 * size bytes): one lookup of run_dir/ns/.pidns/<inode>, checked against
 * her record (pidns_init_get: her init alive in that namespace). 0, or
 * -ENOENT (no cage has it). */
int pidns_user_of(int nsdir, ino_t pidns, char *user, size_t size);
/* The handles of slot s's pid and IPC namespaces, opened and checked: the
 * namespaces the slot was built with, their init alive. 0, or -ESRCH (the
 * cage must be rebuilt: `unicage mount` does it), or -errno. */
int pidns_open(const struct uc_config *cfg, const struct slot *s, int *pidfd, int *ipcfd);
/* The same with run_dir/ns and the user's records directory open (see
 * slots_newest_at). */
int pidns_open_at(int nsdir, int ud, const struct slot *s, int *pidfd, int *ipcfd);
/* Whether pidns_open would succeed (the front's test before it joins). */
bool pidns_alive(const struct uc_config *cfg, const struct slot *s);

/* The user's live init, started (with new namespaces) when there is none:
 * template_fd is the template namespace it is parked in. */
int pidns_init_ensure(const struct uc_config *cfg, int nsdir, int template_fd, const char *user,
		      struct cage_init *ci, struct uc_error *err);
/* Kill the user's init (every process of its pid namespace dies with it),
 * release its handles and record. */
void pidns_init_stop(int nsdir, const char *user);

/* The unicage-init to start (an absolute path), NULL for the default:
 * beside this binary, else LIBEXECDIR. pam_unicage.so names the one beside
 * itself (/proc/self/exe is the service's there). Not thread-safe: set it
 * around the mount, as the module does. */
void pidns_init_binary_set(const char *path);
