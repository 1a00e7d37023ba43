#include "skel/rpmcache.h"

#include "lib/cleanup.h"
#include "lib/array.h"
#include "lib/log.h"
#include "lib/path.h"
#include "lib/tsv.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "unicage-rpmfiles 1\n"
#ifndef UNICAGE_VERSION
#define UNICAGE_VERSION "unknown"
#endif

/* The database directory as rpmscan finds it (rpmscan/rpmdb.c, locate):
 * rpm_dbpath, or the first default holding a database. */
static int db_dir(int rootfd, const struct uc_config *cfg)
{
	static const char *const defaults[] = {"/var/lib/rpm", "/usr/lib/sysimage/rpm"};
	const char *const *cands =
	    cfg->rpm_dbpath ? (const char *const *)&cfg->rpm_dbpath : defaults;
	size_t n = cfg->rpm_dbpath ? 1 : 2;
	for (size_t i = 0; i < n; i++) {
		_cleanup_close_ int fd =
		    path_open_in_root(rootfd, cands[i], O_PATH | O_DIRECTORY, 0);
		struct stat st;
		if (fd < 0)
			continue;
		if (fstatat(fd, "rpmdb.sqlite", &st, AT_SYMLINK_NOFOLLOW) == 0 ||
		    fstatat(fd, "Packages", &st, AT_SYMLINK_NOFOLLOW) == 0)
			return steal_fd(&fd);
	}
	return -ENOENT;
}

int rpmcache_key(int rootfd, const struct uc_config *cfg, const struct strv *rpms, char **key,
		 bool *sqlite)
{
	static const char *const files[] = {"rpmdb.sqlite", "rpmdb.sqlite-wal", "Packages"};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	_cleanup_close_ int dfd = db_dir(rootfd, cfg);
	*sqlite = false;
	for (size_t i = 0; dfd >= 0 && i < UC_ARRAY_SIZE(files); i++) {
		struct stat st;
		if (fstatat(dfd, files[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		*sqlite = *sqlite || i == 0;
		fprintf(f, "%s:%" PRIu64 ":%" PRIu64 ":%" PRIu64 ":%lld.%09ld:%lld.%09ld;",
			files[i], (uint64_t)st.st_dev, (uint64_t)st.st_ino, (uint64_t)st.st_size,
			(long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
			(long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
	}
	if (dfd < 0)
		fputs("none;", f);
	/* another unicage may classify the same packages otherwise */
	fputs(" unicage:" UNICAGE_VERSION, f);
	fputs(" rpms:", f);
	for (size_t i = 0; i < rpms->n; i++)
		fprintf(f, "%s,", rpms->v[i]);
	fputs(" local:", f);
	for (size_t i = 0; i < cfg->local_paths.n; i++)
		fprintf(f, "%s,", cfg->local_paths.v[i]);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	for (char *s = buf; *s; s++)
		if (*s == '\n' || *s == '\t')
			*s = ' '; /* one line in the file */
	*key = buf;
	return 0;
}

int rpmcache_add(struct rpmcache *c, const char *path, char cls, const char *nevra)
{
	if (UC_GROW(&c->v, &c->cap, c->n + 1) < 0)
		return -ENOMEM;
	struct rpmcache_ent *e = &c->v[c->n];
	e->path = strdup(path);
	e->nevra = strdup(nevra ? nevra : "");
	e->cls = cls;
	if (!e->path || !e->nevra) {
		free(e->path);
		free(e->nevra);
		return -ENOMEM;
	}
	c->n++;
	return 0;
}

int rpmcache_write(const struct rpmcache *c, int gendirfd, struct uc_error *err)
{
	int fd = openat(gendirfd, "rpm-files.tmp",
			O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		return uc_fail_errno(err, errno, "rpm-files");
	}
	fprintf(f, MAGIC "key %s\nghosts %zu\n", c->key ? c->key : "", c->ghosts);
	for (size_t i = 0; i < c->n; i++) {
		tsv_put(f, c->v[i].path);
		fprintf(f, "\t%c\t", c->v[i].cls);
		tsv_put(f, c->v[i].nevra);
		fputc('\n', f);
	}
	int r = fflush(f) == 0 && fsync(fileno(f)) == 0 ? 0 : -errno;
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	if (r == 0 && renameat(gendirfd, "rpm-files.tmp", gendirfd, "rpm-files") < 0)
		r = -errno;
	return r < 0 ? uc_fail_errno(err, -r, "rpm-files") : 0;
}

/* One "PATH \t CLASS \t NEVRA" line; false if it is not one. */
static bool parse_line(char *line, struct rpmcache *c)
{
	char *t1 = strchr(line, '\t');
	if (!t1 || (t1[1] != 's' && t1[1] != 'c') || t1[2] != '\t')
		return false;
	*t1 = '\0';
	char cls = t1[1];
	char *nevra = t1 + 3;
	/* files of older unicage held control bytes raw (lib/tsv.h) */
	if (tsv_unescape(line, TSV_RAW_CTRL) < 0 || tsv_unescape(nevra, TSV_RAW_CTRL) < 0)
		return false;
	return line[0] == '/' && rpmcache_add(c, line, cls, nevra) == 0;
}

int rpmcache_read(struct rpmcache *c, int gendirfd)
{
	memset(c, 0, sizeof(*c));
	int fd = openat(gendirfd, "rpm-files", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_fclose_ FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	bool ok = getline(&line, &cap, f) > 0 && strcmp(line, MAGIC) == 0;
	char *key = NULL;
	if (ok && (ok = getline(&line, &cap, f) > 4 && strncmp(line, "key ", 4) == 0)) {
		line[strcspn(line, "\n")] = '\0';
		ok = (key = strdup(line + 4)) != NULL;
	}
	if (ok)
		ok = getline(&line, &cap, f) > 0 && sscanf(line, "ghosts %zu", &c->ghosts) == 1;
	while (ok && (n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] != '\n') {
			ok = false; /* cut short */
			break;
		}
		line[n - 1] = '\0';
		ok = parse_line(line, c);
	}
	if (!ok) {
		free(key);
		rpmcache_release(c); /* damaged: the rpmdb is read again */
		return 0;
	}
	c->key = key;
	return 0;
}

void rpmcache_save(const struct rpmcache *c, int skeldirfd)
{
	struct uc_error err = {0};
	if (rpmcache_write(c, skeldirfd, &err) < 0)
		uc_log(UC_LOG_INFO, "skel/rpm-files: %s", err.msg);
}

void rpmcache_release(struct rpmcache *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].path);
		free(c->v[i].nevra);
	}
	free(c->v);
	free(c->key);
	memset(c, 0, sizeof(*c));
}
