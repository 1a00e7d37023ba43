/* scripts/bench-enter.sh's timer: how long from starting CMD on a new pty
 * until MARK shows on it (the prompt of an interactive shell), N times:
 *   pty-time N MARK CMD...   prints the median, p10 and p90 in ms */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}
static int cmp(const void *a, const void *b)
{
	double x = *(double *)a, y = *(double *)b;
	return x < y ? -1 : x > y;
}
int main(int c, char **v)
{
	int n = atoi(v[1]);
	const char *mark = v[2];
	double *t = calloc(n, sizeof(double));
	for (int i = 0; i < n; i++) {
		int m;
		double s = now();
		pid_t p = forkpty(&m, NULL, NULL, NULL);
		if (!p) {
			execvp(v[3], v + 3);
			_exit(127);
		}
		char buf[8192];
		size_t len = 0;
		buf[0] = 0;
		while (!strstr(buf, mark)) {
			struct pollfd pf = {m, POLLIN, 0};
			if (poll(&pf, 1, 5000) <= 0) {
				fprintf(stderr, "timeout: %s\n", buf);
				return 1;
			}
			ssize_t r = read(m, buf + len, sizeof(buf) - 1 - len);
			if (r <= 0) {
				fprintf(stderr, "eof: %s\n", buf);
				return 1;
			}
			len += r;
			buf[len] = 0;
		}
		t[i] = now() - s;
		write(m, "exit\n", 5);
		int st;
		waitpid(p, &st, 0);
		close(m);
	}
	qsort(t, n, sizeof(double), cmp);
	printf("median %.2f ms, p10 %.2f, p90 %.2f\n", t[n / 2], t[n / 10], t[9 * n / 10]);
}
