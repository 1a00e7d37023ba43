/* The daemon's socket (doc/proxy.md, "The socket"): handed over by systemd
 * (LISTEN_FDS/LISTEN_PID, sd_listen_fds(3) semantics, no libsystemd) or
 * made at run_dir/proxy/proxyexec.sock: the directory root's 0755 (mount
 * binds it read-only into every cage at /run/unicage/proxy), the socket
 * 0666 (every caged user may connect; who she is comes from the kernel). */
#pragma once

#include "lib/config.h"
#include "lib/error.h"

/* The listening SOCK_SEQPACKET socket: fd or -errno/err. path (if not
 * NULL) overrides the location. */
int proxy_listen(const struct uc_config *cfg, const char *path, struct uc_error *err);
