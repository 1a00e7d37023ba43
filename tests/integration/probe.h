/* probe: shared by probe.c (the caged user's classes, dispatch) and
 * probe-root.c (the repair shell's classes); see probe.c */
#ifndef UC_PROBE_H
#define UC_PROBE_H
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/inet_diag.h>
#include <linux/keyctl.h>
#include <linux/netlink.h>
#include <linux/perf_event.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <mqueue.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/klog.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <termios.h>
#include <unistd.h>

#define CONTAINED 0
#define ESCAPED 10
#define BROKEN 11

/* one attempt: leak says it worked (or told what it should not) */
void tried(bool leak, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* the class's RESULT line and exit code from the attempts so far */
int verdict(const char *cls, const char *why_ok, const char *why_bad);
int broken(const char *cls, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "succeeded", or strerror(errno) when rc < 0 */
const char *err(long rc);
int child_status(pid_t p);

int p_netadmin(void);
int p_bind(int argc, char **argv);
int p_packet(void);
int p_kmsg(void);
int p_rt(void);
int p_suid(int argc, char **argv);
int h_whoami(void);
int p_procmask(void);
#endif
