/* Writing state_dir/skel/noop (unicage-core only: it asks the user
 * database; skel/noop.c is what the static front checks it with). */
#include "skel/noop.h"
#include "skel/wrappers.h"

#include "lib/cleanup.h"
#include "lib/log.h"
#include "lib/path.h"
#include "lib/statepath.h"
#include "lib/users.h"
#include "skel/wanted.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* When this process started: the config and conf.d were read after it,
 * before the snapshot; a file changed since then may be newer than what
 * the generation was compared with, so no record is made for it. */
static struct timespec started;
__attribute__((constructor)) static void note_start(void)
{
	clock_gettime(CLOCK_REALTIME, &started);
}

/* Does an id line of the snapshot name a file changed since the start (a
 * margin for the kernel's coarse timestamps)? */
static bool changed_since_start(const char *snap, const char *state_dir)
{
	double start =
	    (double)started.tv_sec + started.tv_nsec / 1e9 - 0.011; /* a jiffy at HZ=100 */
	for (const char *s = strstr(snap, "\nid\t"); s; s = strstr(s + 1, "\nid\t")) {
		const char *t = strchr(s + 4, '\t');
		size_t sl = strlen(state_dir);
		if (!strncmp(s + 4, state_dir, sl) && s[4 + sl] == '/')
			continue; /* written under the skeleton's lock only */
		unsigned long long dev, ino, size;
		double mtime, ctime;
		if (t &&
		    sscanf(t + 1, "%llu %llu %llu %lf %lf", &dev, &ino, &size, &mtime, &ctime) ==
			5 &&
		    (ctime >= start || mtime >= start)) {
			uc_debug(UC_AREA_GENERAL, "skel/noop: %.*s changed as it started",
				 (int)(t - s - 4), s + 4);
			return true;
		}
	}
	return false;
}

/* A cfg path the index holds as it is, not a link: it resolves to itself
 * while the index's entries (its directories) are unchanged; else where
 * it leads is recorded. */
static void put_cfg_res(FILE *f, int rootfd, const struct skel_index *index, const char *p)
{
	const struct idx_ent *e = index ? index_find(index, p) : NULL;
	if (!e || S_ISLNK(e->mode))
		noop_put_res(f, rootfd, p, true);
}

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* A cfg pattern: a plain path resolved; a glob (wildcards in its last
 * component only) by its directory's identity and each match resolved. */
static int put_pattern(FILE *f, const struct uc_config *cfg, int rootfd,
		       const struct skel_index *index, const char *p)
{
	if (!has_glob(p)) {
		put_cfg_res(f, rootfd, index, p);
		return 0;
	}
	const char *sl = strrchr(p, '/');
	char dir[PATH_MAX], full[PATH_MAX];
	snprintf(dir, sizeof(dir), "%.*s", (int)(sl - p), p);
	if (has_glob(dir) || strchr(p, '\\'))
		return -1; /* a listing not recorded: no lean path */
	path_join(full, sizeof(full), cfg->sysroot, dir[0] ? dir : "/");
	noop_put_id(f, full);
	path_join(full, sizeof(full), cfg->sysroot, p);
	glob_t g;
	int gr = glob(full, GLOB_NOSORT, NULL, &g);
	if (gr != 0 && gr != GLOB_NOMATCH)
		return -1;
	size_t skip = strcmp(cfg->sysroot, "/") == 0 ? 0 : strlen(cfg->sysroot);
	for (size_t i = 0; gr == 0 && i < g.gl_pathc; i++)
		put_cfg_res(f, rootfd, index, g.gl_pathv[i] + skip);
	if (gr == 0)
		globfree(&g);
	return 0;
}

/* Where users come from: passwd_file (and group_file), or NSS when it
 * reads files only (nsswitch.conf, /etc/passwd); systemd's module too when
 * it has nothing to give but root and nobody (no userdb service or
 * record). Anything else (sss, ldap...) cannot be proven here. */
static int put_userdb(FILE *f, const struct uc_config *cfg)
{
	static const char *const userdb[] = {"/run/systemd/userdb",   "/etc/userdb",
					     "/run/userdb",	      "/run/host/userdb",
					     "/usr/local/lib/userdb", "/usr/lib/userdb"};
	if (cfg->min_uid == 0)
		return -1; /* nss-systemd's synthetic root */
	if (cfg->passwd_file) {
		noop_put_id(f, cfg->passwd_file);
		if (cfg->group_file)
			noop_put_id(f, cfg->group_file);
		return 0;
	}
	_cleanup_fclose_ FILE *ns = fopen("/etc/nsswitch.conf", "re");
	char line[512];
	bool found = false, systemd = false;
	while (ns && !found && fgets(line, sizeof(line), ns)) {
		if (strncmp(line, "passwd:", 7) != 0)
			continue;
		found = true;
		char *save = NULL;
		for (char *w = strtok_r(line + 7, " \t\n", &save); w;
		     w = strtok_r(NULL, " \t\n", &save)) {
			if (!strcmp(w, "systemd"))
				systemd = true;
			else if (strcmp(w, "files") != 0)
				return -1;
		}
	}
	if (!found)
		return -1;
	noop_put_id(f, "/etc/nsswitch.conf");
	noop_put_id(f, "/etc/passwd");
	for (size_t i = 0; systemd && i < UC_ARRAY_SIZE(userdb); i++) {
		struct stat st;
		if (stat(userdb[i], &st) == 0 || errno != ENOENT)
			return -1;
		noop_put_id(f, userdb[i]);
	}
	return 0;
}

static void put_config_ids(FILE *f, const struct uc_config *cfg)
{
	static const char *const lists[] = {"black.list", "custom.black.list", "rpm.list"};
	char path[PATH_MAX];
	fprintf(f, "src\t%s\n", cfg->source ? cfg->source : "-");
	if (cfg->source)
		noop_put_id(f, cfg->source);
	noop_put_id(f, cfg->config_dir);
	for (size_t i = 0; i < UC_ARRAY_SIZE(lists); i++) {
		path_join(path, sizeof(path), cfg->config_dir, lists[i]);
		noop_put_id(f, path);
	}
	path_join(path, sizeof(path), cfg->config_dir, "conf.d");
	noop_put_id(f, path);
	DIR *d = opendir(path);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		char p[PATH_MAX];
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    path_join(p, sizeof(p), path, de->d_name) == 0)
			noop_put_id(f, p);
	}
	if (d)
		closedir(d);
}

/* Homes decide what is taken (skel/wanted.c): each where it resolves. */
static int put_homes(FILE *f, const struct uc_config *cfg, int rootfd)
{
	struct uc_userlist users = {0};
	struct uc_error err = {0};
	if (users_all(cfg, &users, &err) < 0)
		return -1;
	int r = 0;
	for (size_t i = 0; r == 0 && i < users.n; i++) {
		const char *h = users.v[i].home;
		if (users.v[i].uid < cfg->min_uid || !h || !path_is_clean_absolute(h) ||
		    !strcmp(h, "/"))
			continue;
		if (!noop_clean_word(h))
			r = -1;
		else
			noop_put_res(f, rootfd, h, true);
	}
	userlist_release(&users);
	return r;
}

char *noop_snapshot(const struct uc_config *cfg, const struct skel_conf *conf, int rootfd,
		    const struct skel_index *index, const char *gen)
{
	char *buf = NULL, path[PATH_MAX];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	int r = noop_clean_word(cfg->config_dir) && noop_clean_word(cfg->sysroot) &&
			noop_clean_word(cfg->state_dir) &&
			(!cfg->source || noop_clean_word(cfg->source))
		    ? 0
		    : -1;
	fprintf(f, "%sgen\t%s\n", NOOP_MAGIC, gen);
	if (r == 0)
		put_config_ids(f, cfg);
	if (r == 0)
		r = put_userdb(f, cfg);
	if (r == 0 && (r = statepath_skel_file(cfg, "rpm-files", path, sizeof(path))) == 0)
		noop_put_id(f, path);
	if (r == 0 && (r = statepath_gen_file(cfg, gen, "index", path, sizeof(path))) == 0)
		noop_put_id(f, path);
	if (r == 0 && (r = statepath_gen_file(cfg, gen, "elfdeps", path, sizeof(path))) == 0)
		noop_put_id(f, path);
	for (size_t s = 0; r == 0 && s < conf->n; s++) {
		const struct strv *lists[] = {&conf->v[s].paths, &conf->v[s].devices};
		for (size_t l = 0; l < 2; l++)
			for (size_t i = 0; r == 0 && i < lists[l]->n; i++)
				r = noop_clean_word(lists[l]->v[i])
					? put_pattern(f, cfg, rootfd, index, lists[l]->v[i])
					: -1;
	}
	if (r == 0)
		r = put_homes(f, cfg, rootfd);
	if (r == 0)
		r = skel_wrappers_put_noop(f, cfg, rootfd);
	if (fclose(f) != 0 || r < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Packages' files the index lacks (missing, black-listed, in a home,
 * reached through a link): each where it resolves now. */
static int put_rpm_out(FILE *f, int rootfd, const struct skel_index *index,
		       const struct rpmcache *rpm)
{
	char real[PATH_MAX];
	for (size_t i = 0; i < rpm->n; i++) {
		const char *p = rpm->v[i].path;
		if (!noop_clean_word(p))
			return -1;
		/* in the index as it is: its directories are the index's own (a
		 * change of one is a changed entry); else where it leads */
		if (index_find(index, p) ||
		    (path_resolve_in_root(rootfd, p, false, real, sizeof(real), NULL) == 0 &&
		     index_find(index, real)))
			continue;
		noop_put_res(f, rootfd, p, false);
	}
	return 0;
}

/* A link of the index whose target enters a directory and leaves it again
 * ("a/../b"): resolving it looks at "a", which may be neither on the way
 * nor in the index. No such link, or no record. */
static bool links_plain(const struct uc_config *cfg, const struct skel_index *index)
{
	for (size_t i = 0; i < index->n; i++) {
		char full[PATH_MAX], t[PATH_MAX];
		if (!S_ISLNK(index->v[i].mode) ||
		    path_join(full, sizeof(full), cfg->sysroot, index->v[i].path) < 0)
			continue;
		ssize_t n = readlink(full, t, sizeof(t) - 1);
		if (n < 0)
			return false;
		t[n] = '\0';
		bool name = false;
		char *save = NULL;
		for (char *c = strtok_r(t, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
			if (!strcmp(c, "..") && name)
				return false;
			name = strcmp(c, ".") && strcmp(c, "..");
		}
	}
	return true;
}

void noop_forget(int skelfd)
{
	unlinkat(skelfd, NOOP_FILE, 0);
}

static int write_file(int skelfd, const char *text, size_t len)
{
	int fd = openat(skelfd, NOOP_FILE ".tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	ssize_t w = write(fd, text, len);
	int r = w == (ssize_t)len && fsync(fd) == 0 ? 0 : -EIO;
	close(fd);
	if (r == 0 && renameat(skelfd, NOOP_FILE ".tmp", skelfd, NOOP_FILE) < 0)
		r = -errno;
	if (r == 0 && fsync(skelfd) < 0)
		r = -errno;
	if (r < 0)
		unlinkat(skelfd, NOOP_FILE ".tmp", 0);
	return r;
}

void noop_record(int skelfd, const char *snapshot, const struct uc_config *cfg,
		 const struct skel_conf *conf, int rootfd, const struct skel_index *index,
		 const struct wanted_set *ws, const struct rpmcache *rpm,
		 const struct skel_stats *st)
{
	char *buf = NULL;
	size_t len = 0;
	const char *gen = strstr(snapshot, "\ngen\t");
	noop_forget(skelfd);
	char g[64];
	if (!gen || sscanf(gen + 5, "%63[^\n]", g) != 1)
		return;
	_cleanup_free_ char *again = noop_snapshot(cfg, conf, rootfd, index, g);
	if (!again || strcmp(again, snapshot) != 0) {
		uc_debug(UC_AREA_GENERAL, "skel/noop: not recorded (changed while it ran)");
		return;
	}
	if (changed_since_start(snapshot, cfg->state_dir)) {
		uc_debug(UC_AREA_GENERAL, "skel/noop: not recorded (a file changed as it started)");
		return;
	}
	if (!links_plain(cfg, index)) {
		uc_debug(UC_AREA_GENERAL,
			 "skel/noop: not recorded (a link climbs out of a directory it names)");
		return;
	}
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return;
	fputs(snapshot, f);
	int r = put_rpm_out(f, rootfd, index, rpm);
	if (rpm->key && noop_clean_word(rpm->key))
		fprintf(f, "rpmkey\t%s\n", rpm->key);
	else if (conf->rpms.n)
		r = -1;
	for (size_t i = 0; i < noop_ncounters; i++)
		fprintf(f, "stat\t%s\t%" PRIu64 "\n", noop_counters[i].name,
			*(const uint64_t *)((const char *)st + noop_counters[i].off));
	for (size_t i = 0; r == 0 && i < ws->cfg_missing.n; i++)
		fprintf(f, "missing\t%s\n", ws->cfg_missing.v[i]);
	for (size_t i = 0; r == 0 && i < ws->cfg_homes.n; i++)
		fprintf(f, "homes\t%s\n", ws->cfg_homes.v[i]);
	/* a generation that misses libraries: where its recheck looked */
	for (size_t i = 0; r == 0 && i < ws->elf_probes.n; i++)
		if (strcmp(ws->elf_probes.v[i], NOOP_UNPROVABLE) == 0)
			r = -1;
		else
			fprintf(f, "%s\n", ws->elf_probes.v[i]);
	fputs("end\n", f);
	if (fclose(f) == 0 && r == 0 && write_file(skelfd, buf, len) < 0)
		uc_log(UC_LOG_INFO, "skel/noop: not written: the next update is a full one");
	free(buf);
}
