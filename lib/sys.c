#include "lib/sys.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

void uc_raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

#ifdef UNICAGE_TEST_HOOKS
void uc_test_pause(const char *knob)
{
	const char *f = getenv(knob);
	if (!f || !*f)
		return;
	int fd = open(f, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	for (int i = 0; i < 3000 && access(f, F_OK) == 0; i++)
		usleep(10000);
}
#endif

void uc_clock_now(struct timespec *t)
{
	clock_gettime(CLOCK_MONOTONIC, t);
}

long uc_ms_since(const struct timespec *t0)
{
	struct timespec t;
	uc_clock_now(&t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

long uc_cpu_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}
