#include "skel/current.h"

#include "lib/path.h"
#include "lib/statepath.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

unsigned skel_gen_parse(const char *name, bool *tmp)
{
	if (tmp)
		*tmp = false;
	if (strncmp(name, "gen-", 4) != 0)
		return 0;
	const char *d = name + 4;
	size_t nd = strspn(d, "0123456789");
	if (nd < 6 || nd > 10)
		return 0;
	if (d[nd] != '\0' && !(tmp && strcmp(d + nd, ".tmp") == 0))
		return 0;
	unsigned long long v = 0;
	for (size_t i = 0; i < nd; i++)
		v = v * 10 + (unsigned)(d[i] - '0');
	if (v == 0 || v > UINT_MAX)
		return 0;
	/* the canonical spelling only: gen-0000001 is not gen-000001 */
	char canon[32];
	snprintf(canon, sizeof(canon), SKEL_GEN_FMT, (unsigned)v);
	if (strncmp(canon, name, 4 + nd) != 0 || canon[4 + nd] != '\0')
		return 0;
	if (tmp)
		*tmp = d[nd] != '\0';
	return (unsigned)v;
}

static int checked(char *gen, size_t size, ssize_t n)
{
	if (n < 0)
		return -errno;
	if ((size_t)n >= size - 1)
		return -ENAMETOOLONG;
	gen[n] = '\0';
	return skel_gen_parse(gen, NULL) ? 0 : -EINVAL;
}

int skel_current_read(int skelfd, char *gen, size_t size)
{
	return checked(gen, size, readlinkat(skelfd, "current", gen, size - 1));
}

int skel_current_gen(const struct uc_config *cfg, char *gen, size_t size, struct uc_error *err)
{
	char p[PATH_MAX];
	int r = statepath_skel_file(cfg, "current", p, sizeof(p));
	if (r < 0)
		return path_fail(err, r, cfg->state_dir);
	r = checked(gen, size, readlink(p, gen, size - 1));
	if (r == -ENOENT)
		return uc_fail(err, UC_NOTFOUND, "no skeleton generation (unicage init first)");
	return r < 0 ? uc_fail_errno(err, -r, "%s: not a generation", p) : 0;
}

int skel_current_switch(int skelfd, const char *gen)
{
	unlinkat(skelfd, "current.tmp", 0);
	if (symlinkat(gen, skelfd, "current.tmp") < 0 ||
	    renameat(skelfd, "current.tmp", skelfd, "current") < 0)
		return -errno;
	return fsync(skelfd) < 0 ? -errno : 0;
}
