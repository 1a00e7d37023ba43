/* state_dir/skel/noop: what a lean no-op update must find unchanged
 * (skel/noop.h). Libc only on the check's side: the static front runs it. */
#include "skel/noop.h"
#include "skel/wrappers.h"

#include "lib/cleanup.h"
#include "lib/log.h"
#include "lib/path.h"
#include "lib/statepath.h"
#include "skel/current.h"
#include "skel/gens.h"
#include "skel/wanted.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* the counters a no-op prints (--json), by name */
#define C(n)                                                                                       \
	{                                                                                          \
#n, offsetof(struct skel_stats, n)                                                 \
	}
const struct noop_counter noop_counters[] = {
    C(paths),
    C(files),
    C(dirs),
    C(links),
    C(devices),
    C(shared),
    C(config),
    C(bytes),
    C(objects_created),
    C(objects_reused),
    C(unchanged_unread),
    C(bytes_read),
    C(suid_stripped),
    C(suid_kept),
    C(devices_skipped),
    C(missing),
    C(blacklisted),
    C(immutable_unsupported),
    C(cfg_missing),
    C(in_homes),
    C(elf_checked),
    C(elf_added),
    C(elf_missing),
};
#undef C
const size_t noop_ncounters = UC_ARRAY_SIZE(noop_counters);

void noop_say_paths(const struct strv *missing, const struct strv *homes)
{
	for (size_t i = 0; i < missing->n; i++)
		uc_log(UC_LOG_INFO, "conf.d path not on this host: %s", missing->v[i]);
	for (size_t i = 0; i < homes->n; i++)
		uc_log(UC_LOG_WARN,
		       "conf.d path %s reaches users' homes: homes are never taken, a directory "
		       "holding homes is taken empty (root, 0755)",
		       homes->v[i]);
}

/* ---- what is recorded ------------------------------------------------------ */

bool noop_clean_word(const char *s)
{
	return s && !strpbrk(s, "\t\n");
}

/* "id\tPATH\tDEV INO SIZE MTIME CTIME MODE\n" (stat: a link followed, as
 * the update opens these files), or "-" when absent. */
void noop_put_id(FILE *f, const char *path)
{
	struct stat st;
	fprintf(f, "id\t%s\t", path);
	if (stat(path, &st) < 0) {
		fprintf(f, errno == ENOENT ? "-\n" : "error %d\n", errno);
		return;
	}
	fprintf(f, "%" PRIu64 " %" PRIu64 " %" PRIu64 " %lld.%09ld %lld.%09ld %o\n",
		(uint64_t)st.st_dev, (uint64_t)st.st_ino, (uint64_t)st.st_size,
		(long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, (long long)st.st_ctim.tv_sec,
		st.st_ctim.tv_nsec, st.st_mode);
}

/* "res\tF\tPATH\tOUTCOME\n": where path leads inside sysroot (follow: a
 * final link too) and what is there. The same function at the check. */
void noop_outcome(int rootfd, const char *path, bool follow, char *out, size_t size)
{
	char real[PATH_MAX];
	struct stat st;
	int r = path_resolve_in_root(rootfd, path, follow, real, sizeof(real), NULL);
	if (r < 0) {
		snprintf(out, size, "- %d", -r);
		return;
	}
	_cleanup_close_ int fd = path_open_in_root(rootfd, real, O_PATH | O_NOFOLLOW, 0);
	if (fd < 0 || fstat(fd, &st) < 0)
		snprintf(out, size, "%s absent", real);
	else
		snprintf(out, size, "%s %o %" PRIu64 " %" PRIu64, real, st.st_mode,
			 (uint64_t)st.st_dev, (uint64_t)st.st_ino);
}

void noop_put_res(FILE *f, int rootfd, const char *path, bool follow)
{
	char o[PATH_MAX + 64];
	noop_outcome(rootfd, path, follow, o, sizeof(o));
	fprintf(f, "res\t%c\t%s\t%s\n", follow ? 'f' : 'n', path, o);
}

int noop_res_line(int rootfd, const char *path, struct strv *out)
{
	char o[PATH_MAX + 64], line[2 * PATH_MAX + 80];
	if (!noop_clean_word(path))
		return strv_push(out, NOOP_UNPROVABLE);
	noop_outcome(rootfd, path, true, o, sizeof(o));
	if (!noop_clean_word(o) ||
	    snprintf(line, sizeof(line), "res\tf\t%s\t%s", path, o) >= (int)sizeof(line))
		return strv_push(out, NOOP_UNPROVABLE);
	return strv_push(out, line);
}

/* ---- the check (the front) ------------------------------------------------- */

struct checker {
	const struct uc_config *cfg;
	int rootfd, skelfd;
	char gen[64];
	struct skel_stats *st;
	struct strv *missing, *homes;
	char *why;
	size_t whysize;
};

static int doubt(struct checker *c, const char *what, const char *arg)
{
	snprintf(c->why, c->whysize, "%s%s%s", what, arg ? ": " : "", arg ? arg : "");
	return 0;
}

/* One line of the record, checked: 1 holds, 0 not (why set). */
static int check_line(struct checker *c, char *line)
{
	char *f[4] = {NULL};
	size_t n = 0;
	for (char *s = line, *tab; n < 4; s = tab + 1) {
		f[n++] = s;
		if (!(tab = strchr(s, '\t')))
			break;
		*tab = '\0';
	}
	char buf[PATH_MAX + 128];
	if (!strcmp(f[0], "gen") && n == 2)
		return strcmp(f[1], c->gen) ? doubt(c, "another generation is current", f[1]) : 1;
	if (!strcmp(f[0], "src") && n == 2)
		return strcmp(f[1], c->cfg->source ? c->cfg->source : "-")
			   ? doubt(c, "another unicage.conf", f[1])
			   : 1;
	if (!strcmp(f[0], "id") && n == 3) {
		FILE *m = fmemopen(buf, sizeof(buf), "w");
		if (!m)
			return doubt(c, "out of memory", NULL);
		noop_put_id(m, f[1]);
		fclose(m);
		char want[PATH_MAX + 128];
		snprintf(want, sizeof(want), "id\t%s\t%s\n", f[1], f[2]);
		return strcmp(buf, want) ? doubt(c, "changed", f[1]) : 1;
	}
	if (!strcmp(f[0], "wrapexe") && n == 2) {
		char exe[PATH_MAX];
		return path_libexec(exe, sizeof(exe), SKEL_WRAPPER_NAME) < 0 || strcmp(exe, f[1])
			   ? doubt(c, "another proxy wrapper", f[1])
			   : 1;
	}
	if (!strcmp(f[0], "res") && n == 4) {
		noop_outcome(c->rootfd, f[2], f[1][0] == 'f', buf, sizeof(buf));
		return strcmp(buf, f[3]) ? doubt(c, "resolves elsewhere now", f[2]) : 1;
	}
	if (!strcmp(f[0], "rpmkey") && n == 2) {
		struct skel_conf conf = {0};
		struct uc_error err = {0};
		char *key = NULL;
		bool sqlite;
		int ok = skel_conf_load(&conf, c->cfg->config_dir, &err) == 0 &&
			 rpmcache_key(c->rootfd, c->cfg, &conf.rpms, &key, &sqlite) == 0 &&
			 strcmp(key, f[1]) == 0;
		free(key);
		skel_conf_release(&conf);
		return ok ? 1 : doubt(c, "the rpmdb changed", NULL);
	}
	if (!strcmp(f[0], "stat") && n == 3) {
		for (size_t i = 0; i < noop_ncounters; i++)
			if (!strcmp(noop_counters[i].name, f[1]))
				*(uint64_t *)((char *)c->st + noop_counters[i].off) =
				    strtoull(f[2], NULL, 10);
		return 1;
	}
	if (!strcmp(f[0], "missing") && n == 2)
		return strv_push(c->missing, f[1]) < 0 ? doubt(c, "out of memory", NULL) : 1;
	if (!strcmp(f[0], "homes") && n == 2)
		return strv_push(c->homes, f[1]) < 0 ? doubt(c, "out of memory", NULL) : 1;
	return doubt(c, "skel/noop: a line not understood", f[0]);
}

static int read_record(int skelfd, char **text)
{
	_cleanup_close_ int fd = openat(skelfd, NOOP_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (64 << 20))
		return -1;
	*text = malloc((size_t)st.st_size + 1);
	if (!*text || read(fd, *text, (size_t)st.st_size) != st.st_size)
		return -1;
	(*text)[st.st_size] = '\0';
	return 0;
}

struct index_check {
	struct checker *c;
	struct path_dircache dc;
	size_t n;
};

/* 0 as the host has it now, 1 (why set) when not */
static int check_entry(void *ctx, const struct idx_ent *e)
{
	struct index_check *ic = ctx;
	struct stat st;
	ic->n++;
	if (e->cls == 'w')
		return 0; /* the proxy's wrapper: its id lines (skel/wrappers.c) */
	if (path_lstat_in_root(&ic->dc, ic->c->rootfd, e->path, &st) < 0)
		return !doubt(ic->c, "gone", e->path);
	struct idx_ent now = *e;
	index_fill_stat(&now, &st);
	if (now.dev != e->dev || now.ino != e->ino || now.size != e->size ||
	    now.mtime_ns != e->mtime_ns || now.ctime_ns != e->ctime_ns)
		return !doubt(ic->c, "changed", e->path);
	return 0;
}

/* Every entry of the generation's index as the host has it now. */
static int check_index(struct checker *c)
{
	_cleanup_close_ int gfd =
	    openat(c->skelfd, c->gen, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct index_check ic = {.c = c};
	struct uc_error err = {0};
	path_dircache_init(&ic.dc);
	int r = gfd < 0 ? -1 : index_each(gfd, check_entry, &ic, &err);
	path_dircache_release(&ic.dc);
	if (r < 0 || (r == 0 && ic.n == 0))
		return doubt(c, "the index cannot be read", NULL);
	return r == 0;
}

static int check_all(struct checker *c)
{
	_cleanup_free_ char *text = NULL;
	if (skel_current_read(c->skelfd, c->gen, sizeof(c->gen)) < 0)
		return doubt(c, "no current generation", NULL);
	if (read_record(c->skelfd, &text) < 0)
		return doubt(c, "no skel/noop record", NULL);
	if (strncmp(text, NOOP_MAGIC, strlen(NOOP_MAGIC)) != 0)
		return doubt(c, "skel/noop of another version", NULL);
	size_t len = strlen(text);
	if (len < 4 || strcmp(text + len - 4, "end\n") != 0)
		return doubt(c, "skel/noop incomplete", NULL);
	int ok = 1;
	for (char *s = text + strlen(NOOP_MAGIC), *nl; ok && *s; s = nl + 1) {
		if (!(nl = strchr(s, '\n')))
			break;
		*nl = '\0';
		if (strcmp(s, "end") != 0)
			ok = check_line(c, s);
	}
	return ok ? check_index(c) : 0;
}

int noop_check(const struct uc_config *cfg, struct skel_stats *st, struct strv *missing,
	       struct strv *homes, char *why, size_t whysize)
{
	char path[PATH_MAX];
	struct checker c = {.cfg = cfg,
			    .st = st,
			    .missing = missing,
			    .homes = homes,
			    .why = why,
			    .whysize = whysize};
	memset(st, 0, sizeof(*st));
	c.skelfd = statepath_skel(cfg, path, sizeof(path)) < 0
		       ? -1
		       : open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	c.rootfd = open(cfg->sysroot, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int ok = c.skelfd >= 0 && c.rootfd >= 0 ? check_all(&c)
						: doubt(&c, "no skeleton or sysroot", NULL);
	if (c.skelfd >= 0)
		close(c.skelfd);
	if (c.rootfd >= 0)
		close(c.rootfd);
	if (ok) {
		st->nothing_to_do = true;
		snprintf(st->generation, sizeof(st->generation), "%s", c.gen);
	}
	return ok;
}
