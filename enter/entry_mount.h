/* Mounting a cage for an entry into it (`unicage exec`/`enter` in the full
 * binary, pam_unicage.so): as `mount` does, an import a crash stopped is
 * finished first; conf.d is read leniently (a bad line there stops update,
 * not the cages). Not for the static front: it needs export/ and skel/. */
#pragma once

#include "lib/config.h"
#include "lib/error.h"
#include "lib/users.h"
#include "mount/slots.h"

/* The user's cage mounted (or the current slot found); *out: its slot. */
int entry_mount_cage(const struct uc_config *cfg, const struct uc_user *u, struct slot *out,
		     struct uc_error *err);
