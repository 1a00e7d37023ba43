/* One connection of unicage-proxyd, in a process of its own (doc/proxy.md):
 * identify the caller (proxy/peer.h), read the request, find the command
 * (lib/proxycmds.h), filter its arguments (proxy/filter.h), start it
 * (proxy/run.h), relay signals, send back its wait status. */
#pragma once

#include "lib/config.h"
#include "lib/error.h"

/* Serve conn to the end; returns the exit code for the serving process
 * (0 when the command ran, whatever its status; else the refusal's kind,
 * err saying why: the caller got the same message). */
int proxy_serve(const struct uc_config *cfg, int conn, struct uc_error *err);
