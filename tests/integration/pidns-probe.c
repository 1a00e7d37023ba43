/* Built (static) and run inside cages by t-pidns.sh: asks the kernel about
 * a pid, a port, a SysV id, and prints what each call said:
 *   pidns-probe pid PID    kill(PID, 0), pidfd_open, sched_getaffinity,
 *                          getpriority, /proc/PID
 *   pidns-probe bind PORT  bind(2) of a TCP socket on 127.0.0.1:PORT
 *   pidns-probe shm ID     shmctl(ID, IPC_STAT)
 * Each result is "name=ok" or "name=ERRNONAME". */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static void say(const char *name, int rc)
{
	printf("%s=%s\n", name, rc < 0 ? strerrorname_np(errno) : "ok");
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	long n = strtol(argv[2], NULL, 10);
	if (!strcmp(argv[1], "pid")) {
		cpu_set_t set;
		struct stat st;
		char p[64];
		say("kill", kill((pid_t)n, 0));
		say("pidfd", (int)syscall(SYS_pidfd_open, (pid_t)n, 0));
		say("affinity", sched_getaffinity((pid_t)n, sizeof(set), &set));
		errno = 0;
		int pr = getpriority(PRIO_PROCESS, (id_t)n);
		say("priority", pr == -1 && errno ? -1 : 0);
		snprintf(p, sizeof(p), "/proc/%ld", n);
		say("proc", stat(p, &st));
	} else if (!strcmp(argv[1], "bind")) {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)n)};
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		say("bind", s < 0 ? -1 : bind(s, (struct sockaddr *)&a, sizeof(a)));
	} else if (!strcmp(argv[1], "shm")) {
		struct shmid_ds ds;
		say("shmctl", shmctl((int)n, IPC_STAT, &ds));
	} else {
		return 2;
	}
	return 0;
}
