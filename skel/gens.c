#include "skel/gens.h"

#include "skel/current.h"

#include "lib/cleanup.h"
#include "lib/hashset.h"
#include "lib/objkey.h"
#include "lib/path.h"
#include "lib/statepath.h"
#include "lib/store.h"
#include "skel/index.h"
#include "skel/manifest.h"
#include "unify/vdu.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int open_skel(const struct uc_config *cfg, struct uc_error *err)
{
	char p[PATH_MAX];
	int r = statepath_skel(cfg, p, sizeof(p));
	if (r < 0)
		return path_fail(err, r, cfg->state_dir);
	int fd = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? uc_fail(err, UC_NOTFOUND, "no skeleton yet (unicage init)")
				       : uc_fail_errno(err, errno, "%s", p);
	return fd;
}

static int cmp_gen(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b); /* gen-NNNNNN sort as numbers */
}

/* Published generations (no .tmp), oldest first. */
static int list_gens(int skelfd, struct strv *out)
{
	_cleanup_closedir_ DIR *d = path_opendir_at(skelfd, NULL);
	if (!d)
		return -errno;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (skel_gen_parse(de->d_name, NULL))
			strv_push(out, de->d_name);
	}
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), cmp_gen);
	return 0;
}

static int list_pins(int skelfd, struct strv *out)
{
	_cleanup_closedir_ DIR *d = path_opendir_at(skelfd, "pins");
	if (!d)
		return 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		char gen[64] = "";
		if (de->d_name[0] == '.')
			continue;
		int f = openat(dirfd(d), de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		ssize_t n = f >= 0 ? read(f, gen, sizeof(gen) - 1) : -1;
		if (f >= 0)
			close(f);
		if (n > 0) {
			gen[n] = '\0';
			gen[strcspn(gen, "\n")] = '\0';
			if (!strv_contains(out, gen))
				strv_push(out, gen);
		}
	}
	return 0;
}

static int count_rec(const struct manifest_rec *r, void *arg)
{
	struct skel_status *st = arg;
	switch (r->type) {
	case 'f':
		st->files++;
		st->bytes += r->size;
		if (r->cls == 's')
			st->shared++;
		else
			st->config++;
		break;
	case 'd':
		st->dirs++;
		break;
	case 'l':
		st->links++;
		break;
	default:
		st->devices++;
	}
	return 0;
}

static int count_object(int subfd, const char *sub, const char *name, void *arg)
{
	struct skel_status *st = arg;
	int f = openat(subfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	bool on = false;
	st->objects++;
	if (f >= 0 && fs_get_immutable(f, &on) == 0 && on)
		st->objects_immutable++;
	if (f >= 0)
		close(f);
	return 0;
}

static void count_objects(const struct uc_config *cfg, struct skel_status *st)
{
	char p[PATH_MAX];
	int fd = statepath_objects(cfg, p, sizeof(p)) < 0
		     ? -1
		     : open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		store_foreach_object(fd, count_object, st);
		close(fd);
	}
}

int skel_scan_gens(int skelfd, unsigned *next)
{
	_cleanup_closedir_ DIR *d = path_opendir_at(skelfd, NULL);
	if (!d)
		return -errno;
	unsigned max = 0;
	struct dirent *de;
	struct strv tmps = STRV_INIT;
	while ((de = readdir(d))) {
		bool tmp;
		unsigned n = skel_gen_parse(de->d_name, &tmp);
		if (n && tmp)
			strv_push(&tmps, de->d_name);
		if (n > max)
			max = n;
	}
	closedir(steal_pointer(&d));
	for (size_t i = 0; i < tmps.n; i++)
		store_rm_tree(skelfd, tmps.v[i]);
	strv_clear(&tmps);
	*next = max + 1;
	return 0;
}

int skel_cfg_missing_write(int genfd, const struct strv *missing, struct uc_error *err)
{
	int fd = openat(genfd, "cfg-missing", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
			0644);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		return uc_fail_errno(err, errno, "cfg-missing");
	}
	for (size_t i = 0; i < missing->n; i++)
		fprintf(f, "%s\n", missing->v[i]);
	return fclose(f) == 0 ? 0 : uc_fail_errno(err, errno, "cfg-missing");
}

/* The generation's cfg-missing file (one path a line; absent before it existed). */
static void read_cfg_missing(int gfd, struct strv *out)
{
	int fd = openat(gfd, "cfg-missing", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		return;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) > 0) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '/')
			strv_push(out, line);
	}
	free(line);
	fclose(f);
}

int skel_status(const struct uc_config *cfg, struct skel_status *st, struct uc_error *err)
{
	memset(st, 0, sizeof(*st));
	_cleanup_close_ int skelfd = open_skel(cfg, err);
	if (skelfd < 0)
		return skelfd;
	list_gens(skelfd, &st->generations);
	list_pins(skelfd, &st->pinned);
	if (skel_current_read(skelfd, st->current, sizeof(st->current)) < 0)
		return uc_fail(err, UC_NOTFOUND, "no current generation (unicage init)");
	_cleanup_close_ int gfd =
	    openat(skelfd, st->current, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat gst;
	if (gfd < 0 || fstat(gfd, &gst) < 0)
		return uc_fail_errno(err, errno, "generation %s", st->current);
	st->age_seconds = (int64_t)time(NULL) - gst.st_mtime;
	int r = manifest_read(gfd, NULL, count_rec, st, err);
	if (r < 0)
		return r;
	read_cfg_missing(gfd, &st->cfg_missing);
	char tree[PATH_MAX];
	if ((r = statepath_gen_file(cfg, st->current, "tree", tree, sizeof(tree))) < 0)
		return path_fail(err, r, cfg->state_dir);
	struct vdu v = {0};
	struct vdu_result res;
	if (vdu_walk(&v, tree, err) == 0) {
		vdu_sum(&v, &res);
		st->allocated = res.allocated;
	}
	vdu_release(&v);
	count_objects(cfg, st);
	return 0;
}

void skel_status_release(struct skel_status *st)
{
	strv_clear(&st->generations);
	strv_clear(&st->pinned);
	strv_clear(&st->cfg_missing);
}

int skel_rollback(const struct uc_config *cfg, char *now, size_t size, struct uc_error *err)
{
	_cleanup_close_ int skelfd = open_skel(cfg, err);
	if (skelfd < 0)
		return skelfd;
	char cur[64];
	struct strv gens = STRV_INIT;
	if (skel_current_read(skelfd, cur, sizeof(cur)) < 0)
		return uc_fail(err, UC_NOTFOUND, "no current generation");
	list_gens(skelfd, &gens);
	const char *prev = NULL;
	for (size_t i = 0; i < gens.n; i++)
		if (strcmp(gens.v[i], cur) < 0)
			prev = gens.v[i];
	int r = 0;
	if (!prev) {
		r = uc_fail(err, UC_NOTFOUND, "no generation older than %s to roll back to", cur);
	} else {
		if ((r = skel_current_switch(skelfd, prev)) < 0)
			r = uc_fail_errno(err, -r, "switching current to %s", prev);
		else
			snprintf(now, size, "%s", prev);
	}
	strv_clear(&gens);
	return r;
}

/* Object names the index of a generation refers to. */
static int keep_keys(int skelfd, const char *gen, struct strset *keep, struct uc_error *err)
{
	int gfd = openat(skelfd, gen, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (gfd < 0)
		return uc_fail_errno(err, errno, "generation %s", gen);
	struct skel_index ix;
	int r = index_read(&ix, gfd, err);
	close(gfd);
	for (size_t i = 0; r == 0 && i < ix.n; i++) {
		if (!ix.v[i].key[0])
			continue;
		struct objkey k;
		char name[OBJNAME_MAX];
		objkey_from_hex(ix.v[i].key, &k);
		objkey_name(&k, ix.v[i].suffix, name, sizeof(name));
		if (strset_add(keep, name) < 0)
			r = uc_fail(err, UC_INTERNAL, "out of memory");
	}
	index_release(&ix);
	return r;
}

/* An object goes when no generation refers to it and nothing links to it
 * (link count 1: the store's own name). unify's trees share this store:
 * their links keep their objects. */
struct sweep {
	const struct strset *keep;
	uint64_t removed;
};

static int sweep_object(int subfd, const char *sub, const char *name, void *arg)
{
	struct sweep *sw = arg;
	char full[2 * NAME_MAX + 2];
	struct stat st;
	snprintf(full, sizeof(full), "%s/%s", sub, name);
	if (strset_contains(sw->keep, full) || fstatat(subfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    st.st_nlink != 1)
		return 0;
	int f = openat(subfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (f >= 0)
		fs_set_immutable(f, false);
	if (unlinkat(subfd, name, 0) == 0)
		sw->removed++;
	else if (f >= 0)
		fs_set_immutable(f, true);
	if (f >= 0)
		close(f);
	return 0;
}

static uint64_t sweep_objects(struct store *s, const struct strset *keep)
{
	struct sweep sw = {keep, 0};
	store_foreach_object(s->objfd, sweep_object, &sw);
	return sw.removed;
}

int skel_gc(const struct uc_config *cfg, bool wait, uint64_t *gens_removed,
	    uint64_t *objects_removed, struct uc_error *err)
{
	*gens_removed = *objects_removed = 0;
	_cleanup_close_ int skelfd = open_skel(cfg, err);
	if (skelfd < 0)
		return skelfd;
	char cur[64] = "", spath[PATH_MAX];
	skel_current_read(skelfd, cur, sizeof(cur));
	struct strv gens = STRV_INIT, pins = STRV_INIT;
	struct strset keep = {0};
	struct store store;
	int r = statepath_store(cfg, spath, sizeof(spath));
	if (r < 0)
		return path_fail(err, r, cfg->state_dir);
	r = store_open(&store, spath, wait ? STORE_WAIT : 0, err);
	if (r < 0)
		return r;
	list_gens(skelfd, &gens);
	list_pins(skelfd, &pins);
	for (size_t i = 0; r == 0 && i < gens.n; i++) {
		if (strcmp(gens.v[i], cur) == 0 || strv_contains(&pins, gens.v[i])) {
			r = keep_keys(skelfd, gens.v[i], &keep, err);
			continue;
		}
		int rr = store_rm_tree(skelfd, gens.v[i]);
		if (rr < 0)
			r = uc_fail_errno(err, rr, "gc: removing %s/skel/%s", cfg->state_dir,
					  gens.v[i]);
		else
			(*gens_removed)++;
	}
	if (r == 0)
		*objects_removed = sweep_objects(&store, &keep);
	store_close(&store);
	strset_release(&keep);
	strv_clear(&gens);
	strv_clear(&pins);
	return r;
}
