/* Persisted, versioned cages (DESIGN.md, "Skeleton updates without killing
 * anyone").
 *
 * A cage's namespace is kept at run_dir/ns/<user>.<slot>;
 * run_dir/ns/.slots/<user>/<slot>.info records the user, uid, generation,
 * mode and namespace inode, and state_dir/skel/pins/<user>.<slot> pins the
 * generation for gc.
 * New entries join the newest slot; `mount` makes a new slot when the
 * current generation or the mode changed since (`remount` always does), and
 * processes in older slots keep running there. An older slot is released
 * (handle unmounted, info, pin and overlay workdir removed) once no process
 * is in its namespace; a slot whose handle was unmounted while processes ran
 * keeps its pin until they are gone. Everything about one user happens under
 * run_dir/ns/.slots/<user>/lock. Nothing is killed unless asked. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "lib/config.h"
#include "lib/error.h"
#include "lib/users.h"
#include "mount/cagemp.h"
#include "mount/slots.h"
#include "skel/conf.h"

struct cage_mount_opts {
	bool new_slot; /* remount: a new slot even if the newest is current */
	bool kill;     /* stop the processes of older slots, then release them */
};

/* Mount the user's cage (see above); *out: the slot new entries join,
 * *created whether it was built now. */
int cage_mount(const struct uc_config *cfg, const struct skel_conf *conf, const struct cage_mp *mp,
	       const struct uc_user *u, const struct cage_mount_opts *o, struct slot *out,
	       bool *created, struct uc_error *err);
/* Unmount every slot of user; slots with processes are stopped with kill,
 * else left running (their pins stay until they exit): *busy counts them. */
int cage_umount(const struct uc_config *cfg, const char *user, bool kill, unsigned *busy,
		struct uc_error *err);
/* Release what no process uses any more, for every user (before skel gc). */
int cage_sweep_all(const struct uc_config *cfg, struct uc_error *err);
/* The user's cage lock (what mount, umount and the sweeps take): an fd to
 * close, or <0. Export and import hold it. */
int cage_user_lock(const struct uc_config *cfg, const char *user, struct uc_error *err);
