/* Where unicage keeps things (DESIGN.md, "Layout on disk"): each place under
 * state_dir, cages_dir, run_dir and config_dir is built here and nowhere
 * else, by a function named for it. Each fills buf and returns 0, or
 * -ENAMETOOLONG when the path does not fit (buf then holds ""): a long
 * state_dir is refused, never cut into another directory's name. Report a
 * failure with path_fail(err, r, start).
 *
 * libc only: the static front (enter/fast.c) links it. */
#pragma once

#include "lib/config.h"

#include <stddef.h>
#include <sys/types.h>

/* state_dir/skel, and state_dir/skel/GEN (gen may be "current"), and
 * state_dir/skel/GEN/NAME ("tree", "stubs", "manifest.zst", "index", ...). */
int statepath_skel(const struct uc_config *cfg, char *buf, size_t size);
/* state_dir/skel/NAME ("current", "rpm-files", ...) */
int statepath_skel_file(const struct uc_config *cfg, const char *name, char *buf, size_t size);
int statepath_gen(const struct uc_config *cfg, const char *gen, char *buf, size_t size);
int statepath_gen_file(const struct uc_config *cfg, const char *gen, const char *name, char *buf,
		       size_t size);
/* A slot's name, USER.N (its namespace handle in run_dir/ns, its pin in
 * state_dir/skel/pins), and the handle of a user's pid or IPC namespace,
 * USER.KIND: -ENAMETOOLONG (buf "") when longer than a file name can be
 * (NAME_MAX), never cut to the name of another user's slot. */
int statepath_slot_name(const char *user, unsigned n, char *buf, size_t size);
int statepath_ns_name(const char *user, const char *kind, char *buf, size_t size);
/* state_dir/skel/pins, and a slot's pin in it: state_dir/skel/pins/USER.N */
int statepath_pins(const struct uc_config *cfg, char *buf, size_t size);
int statepath_pin(const struct uc_config *cfg, const char *user, unsigned n, char *buf,
		  size_t size);
/* state_dir/store, state_dir/store/objects, state_dir/store/tmp */
int statepath_store(const struct uc_config *cfg, char *buf, size_t size);
int statepath_objects(const struct uc_config *cfg, char *buf, size_t size);
int statepath_store_tmp(const struct uc_config *cfg, char *buf, size_t size);
/* state_dir/imports, and state_dir/imports/NAME */
int statepath_imports(const struct uc_config *cfg, char *buf, size_t size);
int statepath_import(const struct uc_config *cfg, const char *name, char *buf, size_t size);

/* state_dir/users (the enabled and disabled lists), and state_dir/users/NAME
 * (name not NULL) */
int statepath_users(const struct uc_config *cfg, const char *name, char *buf, size_t size);

/* cages_dir/NN (NN = uid mod 100, two digits, as CageFS has it) */
int statepath_cage_prefix(const struct uc_config *cfg, uid_t uid, char *buf, size_t size);
/* cages_dir/NN/USER: the one formula for a cage's directory. -EINVAL for a
 * user name that is empty, ".", ".." or holds a '/'. */
int statepath_cage_dir(const struct uc_config *cfg, uid_t uid, const char *user, char *buf,
		       size_t size);
/* cages_dir/NN/USER/REL ("etc/passwd", "state", ...) */
int statepath_cage_file(const struct uc_config *cfg, uid_t uid, const char *user, const char *rel,
			char *buf, size_t size);

/* run_dir/ns, and the persisted namespaces in it: run_dir/ns/USER.N and
 * run_dir/ns/USER.KIND */
int statepath_ns_dir(const struct uc_config *cfg, char *buf, size_t size);
int statepath_ns_slot(const struct uc_config *cfg, const char *user, unsigned n, char *buf,
		      size_t size);
int statepath_ns_kind(const struct uc_config *cfg, const char *user, const char *kind, char *buf,
		      size_t size);
/* run_dir/proxy (the proxy's socket directory), run_dir/cage-mode (the
 * probed cage mode of this boot) */
int statepath_proxy_dir(const struct uc_config *cfg, char *buf, size_t size);
int statepath_cage_mode(const struct uc_config *cfg, char *buf, size_t size);

/* config_dir/custom.etc, and config_dir/custom.etc/USER (user not NULL) */
int statepath_custom_etc(const struct uc_config *cfg, const char *user, char *buf, size_t size);
