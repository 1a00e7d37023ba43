/* Built by t-pidns.sh against build/libunicage.a: what a PAM session module
 * does with join_for_children (enter/join.h): the process joins the cage
 * for its children, then forks the "session" and passes its status.
 *   join-children CONFIG USER CMD... */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "enter/join.h"
#include "lib/config.h"
#include "mount/slots.h"

int main(int argc, char **argv)
{
	struct uc_config cfg;
	struct uc_error err = {0};
	struct slot s;
	if (argc < 4 || uc_config_init(&cfg) < 0 || uc_config_load(&cfg, argv[1], &err) < 0 ||
	    slots_newest(&cfg, argv[2], &s, &err) < 0 || join_for_children(&cfg, &s, &err) < 0) {
		fprintf(stderr, "join-children: %s\n", err.msg);
		_exit(1);
	}
	pid_t p = fork();
	if (p < 0) {
		perror("join-children: fork");
		return 1;
	}
	if (p == 0) {
		execv(argv[3], argv + 3);
		_exit(127);
	}
	int st;
	/* _exit: no thread can be made any more (see join_for_children), and
	 * LeakSanitizer's exit check would need one */
	_exit(waitpid(p, &st, 0) == p && WIFEXITED(st) ? WEXITSTATUS(st) : 1);
}
