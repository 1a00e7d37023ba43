#include "mount/etc.h"

#include "lib/cleanup.h"
#include "lib/log.h"
#include "lib/path.h"
#include "lib/pwfile.h"
#include "lib/statepath.h"
#include "lib/store.h"
#include "lib/textfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int etc_cage_dir_path(const struct uc_config *cfg, const struct uc_user *u, char *buf, size_t size)
{
	return statepath_cage_dir(cfg, u->uid, u->name, buf, size);
}

int host_home_path(const struct uc_config *cfg, const struct uc_user *u, char *buf, size_t size)
{
	return path_fmt(buf, size, "%s%s", strcmp(cfg->sysroot, "/") ? cfg->sysroot : "", u->home);
}

static int mkdir_mode(const char *p, mode_t mode)
{
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* dir/owner: the uid the cage is for (mount/lifecycle.h), written once. */
static int write_owner(const char *dir, uid_t uid)
{
	char text[32];
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	if (faccessat(dfd, "owner", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	snprintf(text, sizeof(text), "%u\n", (unsigned)uid);
	return textfile_write(dfd, "owner", text);
}

int etc_cage_dir_make(const struct uc_config *cfg, const struct uc_user *u, char *dir, size_t size)
{
	char nn[PATH_MAX];
	int r = etc_cage_dir_path(cfg, u, dir, size);
	if (r < 0)
		return r;
	if ((r = statepath_cage_prefix(cfg, u->uid, nn, sizeof(nn))) < 0 ||
	    (r = mkdir_mode(cfg->state_dir, 0755)) < 0 ||
	    (r = mkdir_mode(cfg->cages_dir, 0755)) < 0 || (r = mkdir_mode(nn, 0755)) < 0 ||
	    (r = mkdir_mode(dir, 0700)) < 0)
		return r;
	return write_owner(dir, u->uid);
}

static int copy_file(int sdir, int ddir, const char *name, const struct stat *st)
{
	_cleanup_close_ int in = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (in < 0)
		return -errno;
	unlinkat(ddir, name, 0); /* custom.etc overrides what is there */
	_cleanup_close_ int out =
	    openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return -errno;
	char buf[1 << 16];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			return -EIO;
	struct timespec t[2] = {st->st_atim, st->st_mtim};
	if (n < 0 || fchown(out, st->st_uid, st->st_gid) < 0 ||
	    fchmod(out, st->st_mode & 07777) < 0 || futimens(out, t) < 0)
		return -errno;
	return 0;
}

/* fn(sdir/name, ddir/name), both opened without following links, then the
 * destination gets the source's owner and mode (st). */
static int into_subdir(int sdir, int ddir, const char *name, const struct stat *st,
		       int (*fn)(int, int))
{
	_cleanup_close_ int s2 =
	    openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int d2 =
	    openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s2 < 0 || d2 < 0)
		return -errno;
	int r = fn(s2, d2);
	if (r == 0 &&
	    (fchown(d2, st->st_uid, st->st_gid) < 0 || fchmod(d2, st->st_mode & 07777) < 0))
		r = -errno;
	return r;
}

/* A tree copied without following any link: directories, files, symlinks. */
static int copy_tree(int sdir, int ddir)
{
	_cleanup_closedir_ DIR *d = path_opendir_at(sdir, NULL);
	if (!d)
		return -errno;
	struct dirent *de;
	int r = 0;
	while (r == 0 && (de = readdir(d))) {
		const char *nm = de->d_name;
		struct stat st;
		if (!strcmp(nm, ".") || !strcmp(nm, "..") ||
		    fstatat(sdir, nm, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (mkdirat(ddir, nm, 0700) < 0 && errno != EEXIST) {
				r = -errno;
				break;
			}
			r = into_subdir(sdir, ddir, nm, &st, copy_tree);
		} else if (S_ISREG(st.st_mode)) {
			r = copy_file(sdir, ddir, nm, &st);
		} else if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t n = readlinkat(sdir, nm, target, sizeof(target) - 1);
			if (n < 0)
				continue;
			target[n] = '\0';
			unlinkat(ddir, nm, 0);
			if (symlinkat(target, ddir, nm) < 0 ||
			    fchownat(ddir, nm, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
				r = -errno;
		}
	}
	return r;
}

static bool is_dir_at(int dfd, const char *name, struct stat *st)
{
	return fstatat(dfd, name, st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st->st_mode);
}

/* Make dst hold what src holds, moving src's entries over: every file is
 * replaced by one rename (a reader sees the old or the new file, never a
 * missing one), directories present in both are merged, and what src lacks
 * is removed from dst. */
static int sync_into(int src, int dst)
{
	/* names read before anything in the directories moves */
	struct strv have = STRV_INIT, want = STRV_INIT;
	int r = path_dir_names(src, &want);
	if (r == 0)
		r = path_dir_names(dst, &have);
	for (size_t i = 0; r == 0 && i < want.n; i++) {
		const char *nm = want.v[i];
		struct stat ss, ds;
		bool sdir = is_dir_at(src, nm, &ss), ddir = is_dir_at(dst, nm, &ds);
		if (sdir && ddir) {
			r = into_subdir(src, dst, nm, &ss, sync_into);
			continue;
		}
		if (ddir || (sdir && fstatat(dst, nm, &ds, AT_SYMLINK_NOFOLLOW) == 0))
			store_rm_tree(dst, nm); /* a type change: no rename replaces it */
		if (renameat(src, nm, dst, nm) < 0)
			r = -errno;
	}
	for (size_t i = 0; r == 0 && i < have.n; i++)
		if (!strv_contains(&want, have.v[i]))
			store_rm_tree(dst, have.v[i]);
	strv_clear(&have);
	strv_clear(&want);
	return r;
}

/* Which account lines stay: by the id in field 3 (system) or by name. */
struct keep {
	const struct uc_config *cfg;
	const struct strv *members; /* group files: member names that may stay */
	bool self_from_db;	    /* passwd: the user's line comes from the user database */
	unsigned list_from;	    /* group files: first field holding a name list */
	const struct strv *names;   /* users= or groups= of conf.d */
	const char *self;	    /* the user's name */
	unsigned self_id;	    /* the user's uid (passwd) or gid (group) */
	const struct strv *kept;    /* shadow files: names kept in passwd/group */
};

static bool keep_entry(const struct keep *k, const struct pwfile *p, bool by_name_only)
{
	const char *name = p->field[0];
	if (by_name_only)
		return strv_contains(k->kept, name);
	unsigned id;
	/* an id that is no number (a NIS "+" line) is no system account */
	bool has_id = pwfile_id(p->field[2], &id) == 0;
	if (strcmp(name, k->self) == 0)
		return !k->self_from_db; /* passwd: written from NSS/passwd_file instead */
	if (has_id && id == k->self_id && k->self_id >= k->cfg->min_uid)
		return !k->self_from_db;
	return (has_id && id < k->cfg->min_uid) || strv_contains(k->names, name);
}

/* Member lists of a group line keep only the accounts the cage has: another
 * user's name must not show in the cage's /etc either. */
static void put_members(FILE *o, char *list, const struct strv *members)
{
	bool first = true;
	for (char *m; (m = strsep(&list, ","));)
		if (*m && strv_contains(members, m)) {
			fprintf(o, "%s%s", first ? "" : ",", m);
			first = false;
		}
}

static void put_entry(FILE *o, const struct pwfile *p, const struct keep *k)
{
	for (unsigned i = 0; i < p->nfields; i++) {
		if (i)
			fputc(':', o);
		if (k->members && i >= k->list_from)
			put_members(o, p->field[i], k->members);
		else
			fputs(p->field[i], o);
	}
	fputc('\n', o);
}

/* Rewrite etcfd/name (nfields per line) keeping the entries keep_entry()
 * keeps (names kept go to out); extra, the line of k->self, is appended when
 * no kept entry has that name. A missing file stays missing unless there is
 * an extra line. A malformed line is left out, as NSS's files module skips
 * it: one bad line of the host's files must not stop every cage. */
static int filter_file(int etcfd, const char *name, unsigned nfields, const struct keep *k,
		       bool by_name_only, const char *extra, struct strv *out)
{
	_cleanup_fclose_ FILE *in = NULL;
	int fd = openat(etcfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0)
		in = fdopen(fd, "r");
	if (!in && !extra)
		return 0;
	struct stat st = {.st_mode = 0644};
	if (in)
		fstat(fileno(in), &st);
	char tmp[NAME_MAX + 8];
	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	int ofd = openat(etcfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	FILE *o = ofd >= 0 ? fdopen(ofd, "w") : NULL;
	if (!o)
		return -errno;
	struct pwfile p;
	struct uc_error e = {0};
	int r = 0;
	bool have_extra = false;
	pwfile_init(&p, in, name, nfields);
	while (in && (r = pwfile_next(&p, &e)) != 0) {
		if (r == -EINVAL)
			continue;
		if (r < 0)
			break;
		if (!keep_entry(k, &p, by_name_only))
			continue;
		have_extra = have_extra || strcmp(p.field[0], k->self) == 0;
		if (out)
			strv_push(out, p.field[0]);
		put_entry(o, &p, k);
	}
	pwfile_release(&p);
	if (r == 0 && extra && !have_extra) {
		fprintf(o, "%s\n", extra);
		if (out)
			strv_push(out, k->self);
	}
	if (r == 0 && (fflush(o) != 0 || fchown(ofd, st.st_uid, st.st_gid) < 0 ||
		       fchmod(ofd, st.st_mode & 07777) < 0))
		r = -errno;
	fclose(o);
	if (r == 0 && renameat(etcfd, tmp, etcfd, name) < 0)
		r = -errno;
	return r;
}

/* The GECOS field as the user database has it, unless it could end the
 * field or the line (a ':', a control character: LDAP and other sources do
 * not check what chfn checks): then it is left empty. */
static const char *safe_gecos(const char *g)
{
	return g && etc_field_ok(g) ? g : "";
}

bool etc_field_ok(const char *s)
{
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (*c == ':' || *c < 0x20 || *c == 0x7f)
			return false;
	return true;
}

int etc_filter_accounts(const struct uc_config *cfg, const struct skel_conf *conf,
			const struct uc_user *u, int etcfd)
{
	struct strv users = STRV_INIT, groups = STRV_INIT, kept_users = STRV_INIT,
		    kept_groups = STRV_INIT;
	for (size_t i = 0; i < conf->n; i++) {
		for (size_t j = 0; j < conf->v[i].users.n; j++)
			strv_push(&users, conf->v[i].users.v[j]);
		for (size_t j = 0; j < conf->v[i].groups.n; j++)
			strv_push(&groups, conf->v[i].groups.v[j]);
	}
	char self[PATH_MAX + 1024], selfgrp[300];
	snprintf(self, sizeof(self), "%s:x:%u:%u:%s:%s:%s", u->name, (unsigned)u->uid,
		 (unsigned)u->gid, safe_gecos(u->gecos), u->home, u->shell);
	snprintf(selfgrp, sizeof(selfgrp), "%s:x:%u:", u->name, (unsigned)u->gid);
	struct keep kp = {.cfg = cfg,
			  .names = &users,
			  .self = u->name,
			  .self_id = (unsigned)u->uid,
			  .kept = &kept_users,
			  .self_from_db = true};
	struct keep kg = {.cfg = cfg,
			  .names = &groups,
			  .self = u->name,
			  .self_id = (unsigned)u->gid,
			  .kept = &kept_groups,
			  .members = &kept_users,
			  .list_from = 3};
	int r = filter_file(etcfd, "passwd", PWFILE_PASSWD, &kp, false, self, &kept_users);
	if (r == 0)
		r = filter_file(etcfd, "group", PWFILE_GROUP, &kg, false, selfgrp, &kept_groups);
	kp.self_from_db = false;
	if (r == 0)
		r = filter_file(etcfd, "shadow", PWFILE_SHADOW, &kp, true, NULL, NULL);
	kg.list_from = 2; /* gshadow: name:password:admins:members */
	if (r == 0)
		r = filter_file(etcfd, "gshadow", PWFILE_GSHADOW, &kg, true, NULL, NULL);
	strv_clear(&users);
	strv_clear(&groups);
	strv_clear(&kept_users);
	strv_clear(&kept_groups);
	return r;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One cfg file into out (its sections appended), or, when it does not
 * parse, nothing of it (the reason logged): 0, or -ENOMEM. */
static int take_cfg(struct skel_conf *out, const char *path)
{
	struct skel_conf one = {0};
	struct uc_error e = {0};
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	int r = f ? skel_cfg_parse(&one, f, path, &e) : uc_fail_errno(&e, errno, "%s", path);
	if (r < 0) {
		uc_log(UC_LOG_WARN,
		       "%s; cages take no users=/groups= from that file until it is fixed "
		       "(update refuses it)",
		       e.msg);
		skel_conf_release(&one);
		return 0;
	}
	struct skel_section *v = realloc(out->v, (out->n + one.n + 1) * sizeof(*v));
	if (!v) {
		skel_conf_release(&one);
		return -ENOMEM;
	}
	memcpy(v + out->n, one.v, one.n * sizeof(*v)); /* the sections move */
	out->v = v;
	out->n += one.n;
	one.n = 0;
	skel_conf_release(&one);
	return 0;
}

int etc_conf_load(const char *config_dir, struct skel_conf *out, struct uc_error *err)
{
	memset(out, 0, sizeof(*out));
	char dir[PATH_MAX], path[PATH_MAX];
	path_join(dir, sizeof(dir), config_dir, "conf.d");
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct strv names = STRV_INIT;
	if (dfd < 0 || path_dir_names(dfd, &names) < 0) {
		if (errno != ENOENT)
			uc_log(UC_LOG_WARN, "%s: %s; cages take no users=/groups= from conf.d", dir,
			       strerror(errno));
		strv_clear(&names);
		return 0;
	}
	if (names.n)
		qsort(names.v, names.n, sizeof(*names.v), cmp_name);
	int r = 0;
	for (size_t i = 0; r == 0 && i < names.n; i++) {
		size_t n = strlen(names.v[i]);
		if (n <= 4 || strcmp(names.v[i] + n - 4, ".cfg") || names.v[i][0] == '.' ||
		    path_join(path, sizeof(path), dir, names.v[i]) < 0)
			continue; /* what skel_conf_load reads, in its order */
		r = take_cfg(out, path);
	}
	strv_clear(&names);
	if (r < 0) {
		skel_conf_release(out);
		return uc_fail(err, UC_INTERNAL, "out of memory");
	}
	return 0;
}

/* The generation's tree/etc into *sfd. A generation whose cfg files take
 * nothing of /etc (programs and their libraries only) has none: its cages
 * get an etc of the accounts alone (sfd -1), not a refusal; no generation
 * at all is UC_NOTFOUND. */
static int open_gen_etc(const struct uc_config *cfg, const char *gen, int *sfd,
			struct uc_error *err)
{
	char tree[PATH_MAX];
	int r = statepath_gen_file(cfg, gen ? gen : "current", "tree", tree, sizeof(tree));
	if (r < 0)
		return path_fail(err, r, cfg->state_dir);
	_cleanup_close_ int tfd = open(tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tfd < 0)
		return errno == ENOENT ? uc_fail(err, UC_NOTFOUND, "no skeleton (unicage init)")
				       : uc_fail_errno(err, errno, "%s", tree);
	*sfd = openat(tfd, "etc", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (*sfd < 0 && errno != ENOENT)
		return uc_fail_errno(err, errno, "%s/etc", tree);
	return 0;
}

int etc_generate(const struct uc_config *cfg, const struct skel_conf *conf, const struct uc_user *u,
		 const char *gen, struct uc_error *err)
{
	char dir[PATH_MAX], custom[PATH_MAX];
	/* fail closed: a name, home or shell that ends a field or a line would
	 * add fields or whole lines (a uid 0 account) to the cage's passwd */
	if (!etc_field_ok(u->name) || !etc_field_ok(u->home) || !etc_field_ok(u->shell))
		return uc_fail(err, UC_BADREQUEST,
			       "%s: the user database gives a name, home or shell with ':' or a "
			       "control character: no cage is built for it",
			       u->name);
	int r = etc_cage_dir_make(cfg, u, dir, sizeof(dir));
	if (r < 0)
		return uc_fail_errno(err, r, "cage directory of %s", u->name);
	_cleanup_close_ int sfd = -1;
	if ((r = open_gen_etc(cfg, gen, &sfd, err)) < 0)
		return r;
	_cleanup_close_ int cfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (cfd < 0)
		return uc_fail_errno(err, errno, "%s", dir);
	store_rm_tree(cfd, "etc.new"); /* a leftover of an interrupted run */
	if (mkdirat(cfd, "etc.new", 0755) < 0)
		return uc_fail_errno(err, errno, "%s/etc.new", dir);
	_cleanup_close_ int efd =
	    openat(cfd, "etc.new", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	r = efd < 0 ? -errno : sfd >= 0 ? copy_tree(sfd, efd) : 0;
	if (r == 0)
		r = etc_filter_accounts(cfg, conf, u, efd);
	if (r == 0 && (r = statepath_custom_etc(cfg, u->name, custom, sizeof(custom))) < 0) {
		store_rm_tree(cfd, "etc.new");
		return path_fail(err, r, cfg->config_dir);
	}
	int cust = r == 0 ? open(custom, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
	if (cust >= 0) {
		r = copy_tree(cust, efd);
		close(cust);
	}
	if (r == 0 && syncfs(efd) < 0)
		r = -errno;
	if (r < 0) {
		store_rm_tree(cfd, "etc.new");
		return uc_fail_errno(err, r, "generating the /etc of %s", u->name);
	}
	/* The first time: one rename. After that the new content moves into
	 * the existing etc/ file by file: running cages have etc/ bind-mounted,
	 * and removing that directory would detach their /etc (and show the
	 * skeleton's own etc beneath it). */
	if (renameat2(cfd, "etc.new", cfd, "etc", RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EEXIST)
		return uc_fail_errno(err, errno, "%s/etc", dir);
	_cleanup_close_ int dfd =
	    openat(cfd, "etc", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	r = dfd < 0 ? -errno : sync_into(efd, dfd);
	if (r == 0 && syncfs(dfd) < 0)
		r = -errno;
	store_rm_tree(cfd, "etc.new");
	if (r < 0)
		return uc_fail_errno(err, r, "updating %s/etc", dir);
	return 0;
}
