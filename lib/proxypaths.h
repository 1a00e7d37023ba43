/* Where unicage-proxyd's socket is seen in a cage (doc/proxy.md, "The
 * socket"): the cage's mounts (mount/assemble.c) make it, the wrapper
 * (proxy/wrapper.c) connects to it. Constants only: the wrapper is built
 * from libc and proxy/proto.c alone. */
#pragma once

/* the socket, the same path on the host (default run_dir) and in every cage */
#define PROXY_SOCKET_DIR_IN_CAGE "/run/unicage/proxy"
#define PROXY_SOCKET_NAME "proxyexec.sock"
#define PROXY_SOCKET_IN_CAGE PROXY_SOCKET_DIR_IN_CAGE "/" PROXY_SOCKET_NAME
/* bind mode (a read-only root): in the cage's own /dev */
#define PROXY_SOCKET_DIR_BIND_MODE "/dev/unicage-proxy"
#define PROXY_SOCKET_BIND_MODE PROXY_SOCKET_DIR_BIND_MODE "/" PROXY_SOCKET_NAME
