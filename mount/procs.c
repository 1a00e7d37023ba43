#include "mount/procs.h"

#include "lib/array.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* The mount namespace of every process (one /proc walk per verb). */
int procs_scan(struct procs *ps)
{
	ps->v = NULL;
	ps->n = 0;
	DIR *d = opendir("/proc");
	if (!d)
		return -errno;
	size_t cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		char p[64], link[64];
		snprintf(p, sizeof(p), "%.20s/ns/mnt", de->d_name);
		ssize_t n = readlinkat(dirfd(d), p, link, sizeof(link) - 1);
		unsigned long long ino;
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (sscanf(link, "mnt:[%llu]", &ino) != 1)
			continue;
		if (UC_GROW(&ps->v, &cap, ps->n + 1) < 0) {
			closedir(d);
			return -ENOMEM;
		}
		ps->v[ps->n++] = (struct nsproc){(pid_t)atoi(de->d_name), (ino_t)ino};
	}
	closedir(d);
	return 0;
}

unsigned procs_in(const struct procs *ps, ino_t ino)
{
	unsigned c = 0;
	for (size_t i = 0; ino && i < ps->n; i++)
		c += ps->v[i].ino == ino;
	return c;
}
