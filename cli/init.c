/* unicage-init: pid 1 of a user's cage pid namespace (doc/mount.md, "The
 * cage's pid and IPC namespaces"). It holds the namespace open (a pid
 * namespace dies with its init: the kernel kills everything in it) and reaps
 * the orphans reparented to it (SIGCHLD ignored: the kernel reaps them at
 * once). unicage starts it already in the namespace and in the template's
 * mount namespace (an empty read-only tmpfs: /proc/1/root shows nothing),
 * with no descriptor but fd 3 (see below). It then gives up what it does not need: every
 * capability, the bounding set, and dumpability (root in a repair shell
 * shares uid 0 with it and could otherwise ptrace it). Static, a few pages:
 * one runs per caged user with processes. */
#include <linux/capability.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	/* unicage says "g" on fd 3 once this init is recorded and its
	 * namespaces bound; if it died before, there is nobody to serve */
	char go = 0;
	if (read(3, &go, 1) != 1 || go != 'g')
		return 1;
	close(3);
	/* every signal it could be sent from inside is ignored (the kernel
	 * already drops those with a default action); SIGCHLD ignored means
	 * orphans are reaped by the kernel when they exit */
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_IGN);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	for (int c = 0; c < 64; c++)
		prctl(PR_CAPBSET_DROP, c, 0, 0, 0);
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2] = {{0}};
	syscall(SYS_capset, &h, d);
	for (;;)
		pause();
}
