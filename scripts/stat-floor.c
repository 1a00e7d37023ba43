/* scripts/bench.sh's floor for a no-op skeleton update: a static program
 * that does only what such an update cannot avoid, one lstat of every path
 * of the current generation's index, each through its parent directory's
 * fd (kept while the sorted paths stay in one directory).
 *   stat-floor SYSROOT INDEX   prints how many paths it stat'ed
 * No checks of the results: it only measures the syscalls. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	int root = open(argv[1], O_PATH | O_DIRECTORY | O_CLOEXEC);
	FILE *f = fopen(argv[2], "r");
	if (root < 0 || !f)
		return 1;
	char *line = NULL, cur[4096] = "";
	size_t cap = 0, n = 0;
	int dfd = -1;
	while (getline(&line, &cap, f) > 0) {
		char *tab = strchr(line, '\t'), *sl;
		if (!tab || line[0] != '/')
			continue; /* the header */
		*tab = '\0';
		struct stat st;
		if (!line[1]) {
			n += fstat(root, &st) == 0;
			continue;
		}
		sl = strrchr(line, '/');
		*sl = '\0';
		if (strcmp(cur, line) != 0) {
			if (dfd >= 0 && dfd != root)
				close(dfd);
			snprintf(cur, sizeof(cur), "%s", line);
			dfd = line[0] ? openat(root, line + 1, O_PATH | O_DIRECTORY | O_NOFOLLOW)
				      : root;
		}
		n += fstatat(dfd, sl + 1, &st, AT_SYMLINK_NOFOLLOW) == 0;
	}
	printf("%zu\n", n);
	return 0;
}
