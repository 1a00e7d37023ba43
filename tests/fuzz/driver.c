/* The fuzz targets without libFuzzer: LLVMFuzzerTestOneInput on each file
 * named (a directory: each file in it), so the kept crashers and the seeds
 * run in `make check` with gcc and under `make SANITIZE=... check`.
 *   driver [-t MS] FILE|DIR...
 * -t MS names every input that took longer than MS milliseconds of CPU
 * (for tests/fuzz/run.sh after a fuzz run; make check times nothing). */
#include "tests/fuzz/fuzz.h"

#include <dirent.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <time.h>

int main(int argc, char **argv);

static long slow_ms = -1;
static unsigned ran, slow;

static int run_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		perror(path);
		return -1;
	}
	uint8_t *buf = malloc((size_t)st.st_size + 1);
	if (!buf || read(fd, buf, (size_t)st.st_size) != st.st_size) {
		perror(path);
		return -1;
	}
	close(fd);
	struct timespec a, b;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
	LLVMFuzzerTestOneInput(buf, (size_t)st.st_size);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
	long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	/* the first input pays the libraries' one-time setup (as slow.c) */
	if (slow_ms >= 0 && ran > 0 && ms > slow_ms) {
		printf("slow: %s: %ld ms\n", path, ms);
		slow++;
	}
	free(buf);
	ran++;
	return 0;
}

static int run_path(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path);
	struct dirent **names;
	int n = scandir(path, &names, NULL, alphasort), r = 0;
	for (int i = 0; i < n; i++) {
		char p[4096];
		if (names[i]->d_name[0] != '.') {
			snprintf(p, sizeof(p), "%s/%s", path, names[i]->d_name);
			if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && run_file(p) < 0)
				r = -1;
		}
		free(names[i]);
	}
	free(names);
	return n < 0 ? -1 : r;
}

int main(int argc, char **argv)
{
	int i = 1, r = 0;
	if (argc > 2 && strcmp(argv[1], "-t") == 0) {
		slow_ms = atol(argv[2]);
		i = 3;
	}
	for (; i < argc; i++)
		if (run_path(argv[i]) < 0)
			r = 1;
	printf("%s: %u inputs%s", argv[0], ran, slow_ms >= 0 ? "" : "\n");
	if (slow_ms >= 0)
		printf(", %u slower than %ld ms\n", slow, slow_ms);
	return r || slow ? 1 : 0;
}
