#include "unify/vdu.h"

#include "lib/array.h"
#include "lib/pwalk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int count(struct vdu *acc, const struct stat *st)
{
	if (st->st_nlink <= 1 || S_ISDIR(st->st_mode)) {
		acc->single.apparent += (uint64_t)st->st_size;
		acc->single.allocated += (uint64_t)st->st_blocks * 512;
		acc->single.inodes++;
		return 0;
	}
	bool added;
	struct inoset_ent *e = inoset_get(&acc->set, st->st_dev, st->st_ino, &added);
	if (!e)
		return -ENOMEM;
	if (added) {
		if (UC_GROW(&acc->v, &acc->cap, acc->n + 1) < 0)
			return -ENOMEM;
		e->value = acc->n;
		acc->v[acc->n++] = (struct vdu_inode){
		    .blocks = (uint64_t)st->st_blocks,
		    .size = (uint64_t)st->st_size,
		    .nlink = (uint32_t)st->st_nlink,
		};
	}
	acc->v[e->value].seen++;
	return 0;
}

/* One entry of the walk (lib/pwalk.c: on every core, each thread counting
 * into its own accumulator, merged at the end). */
static int vdu_entry(void *tctx, int dirfd, dev_t parent_dev, const char *path, const char *name,
		     const struct stat *st)
{
	struct vdu *acc = tctx;
	if (st->st_dev != parent_dev && !acc->cross_mounts)
		return 0; /* a mount point: not ours to count */
	if (count(acc, st) < 0)
		return -ENOMEM;
	return S_ISDIR(st->st_mode) ? 1 : 0;
}

static int walk(struct vdu *acc, int dfd, dev_t dev)
{
	struct vdu local[PWALK_MAX_THREADS];
	void *tctx[PWALK_MAX_THREADS];
	size_t nth = pwalk_threads();
	for (size_t i = 0; i < nth; i++) {
		local[i] = (struct vdu){.cross_mounts = acc->cross_mounts};
		tctx[i] = &local[i];
	}
	struct pwalk_opts o = {.fn = vdu_entry, .tctx = tctx, .nthreads = nth};
	int r = pwalk(dfd, NULL, dev, &o);
	for (size_t i = 0; i < nth; i++) {
		if (r == 0)
			r = vdu_merge(acc, &local[i]);
		vdu_release(&local[i]);
	}
	return r;
}

/* The path given is followed when it is a symlink (skel/current -> gen-N
 * measures the generation, as du -H does); nothing below it is. */
int vdu_walk(struct vdu *acc, const char *path, struct uc_error *err)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 && errno == ENOTDIR) {
		/* a single file */
		if (stat(path, &st) < 0)
			return uc_fail_errno(err, errno, "%s", path);
		return count(acc, &st) < 0 ? uc_fail(err, UC_INTERNAL, "out of memory") : 0;
	}
	if (fd < 0 || fstat(fd, &st) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return uc_fail_errno(err, e, "%s", path);
	}
	int r = count(acc, &st);
	if (r == 0)
		r = walk(acc, fd, st.st_dev);
	else
		close(fd);
	return r < 0 ? uc_fail_errno(err, r, "%s", path) : 0;
}

void vdu_sum(const struct vdu *acc, struct vdu_result *r)
{
	*r = acc->single;
	r->private_bytes = r->allocated;
	r->private_inodes = r->inodes;
	for (size_t i = 0; i < acc->n; i++) {
		const struct vdu_inode *x = &acc->v[i];
		uint64_t bytes = x->blocks * 512;
		r->apparent += x->size;
		r->allocated += bytes;
		r->inodes++;
		if (x->seen >= x->nlink) {
			r->private_bytes += bytes;
			r->private_inodes++;
		} else {
			r->shared_bytes += bytes;
			r->shared_inodes++;
		}
	}
}

int vdu_merge(struct vdu *acc, const struct vdu *one)
{
	acc->single.apparent += one->single.apparent;
	acc->single.allocated += one->single.allocated;
	acc->single.inodes += one->single.inodes;
	for (size_t i = 0; i < one->set.cap; i++) {
		const struct inoset_ent *e = &one->set.v[i];
		if (!e->used)
			continue;
		const struct vdu_inode *x = &one->v[e->value];
		struct stat st = {.st_dev = (dev_t)e->dev,
				  .st_ino = (ino_t)e->ino,
				  .st_blocks = (blkcnt_t)x->blocks,
				  .st_size = (off_t)x->size,
				  .st_nlink = x->nlink,
				  .st_mode = S_IFREG};
		if (count(acc, &st) < 0)
			return -ENOMEM;
		struct inoset_ent *a = inoset_find(&acc->set, e->dev, e->ino);
		acc->v[a->value].seen += x->seen - 1; /* count() added one */
	}
	return 0;
}

void vdu_release(struct vdu *acc)
{
	inoset_release(&acc->set);
	free(acc->v);
	acc->v = NULL;
	acc->n = acc->cap = 0;
}
