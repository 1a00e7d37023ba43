/* The small front's way into a cage (cli/front.c): only a slot that is
 * mounted, current and of a caged user, with the user's identity taken from
 * unicage's own files (the slot record's uid, the cage's generated
 * /etc/passwd: name, gid, home, shell) — never NSS, so the front needs
 * neither the user database's latency (LDAP, sssd) nor its modules, and can
 * be linked statically. Anything else is -EAGAIN: the full binary does it. */
#pragma once

#include <stdbool.h>

#include "enter/verbs.h"

int enter_fast(const struct uc_config *cfg, const struct enter_opts *o, int *exit_code,
	       bool *joined, struct uc_error *err);
