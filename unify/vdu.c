#include "unify/vdu.h"

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
		if (acc->n == acc->cap) {
			size_t cap = acc->cap ? acc->cap * 2 : 4096;
			struct vdu_inode *v = realloc(acc->v, cap * sizeof(*v));
			if (!v)
				return -ENOMEM;
			acc->v = v;
			acc->cap = cap;
		}
		e->value = acc->n;
		acc->v[acc->n++] = (struct vdu_inode){
			.blocks = (uint64_t)st->st_blocks,
			.size = (uint64_t)st->st_size,
			.nlink = (uint32_t)st->st_nlink,
			.dir = S_ISDIR(st->st_mode),
		};
	}
	acc->v[e->value].seen++;
	return 0;
}

static int walk(struct vdu *acc, int dfd, dev_t dev)
{
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return 0; /* unreadable or gone: skipped */
	}
	struct dirent *de;
	int r = 0;
	while (r == 0 && (de = readdir(d))) {
		const char *name = de->d_name;
		struct stat st;
		if (name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2])))
			continue;
		if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue; /* vanished during the walk */
		if (st.st_dev != dev && !acc->cross_mounts)
			continue; /* a mount point: not ours to count */
		r = count(acc, &st);
		if (r == 0 && S_ISDIR(st.st_mode)) {
			int fd = openat(dirfd(d), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd >= 0)
				r = walk(acc, fd, st.st_dev);
		}
	}
	closedir(d);
	return r;
}

int vdu_walk(struct vdu *acc, const char *path, struct uc_error *err)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 && errno == ENOTDIR) {
		/* a single file */
		if (lstat(path, &st) < 0)
			return uc_fail_errno(err, errno, "%s", path);
		return count(acc, &st) < 0 ? uc_fail(err, UC_INTERNAL, "out of memory") : 0;
	}
	if (fd < 0 || fstat(fd, &st) < 0)
		return uc_fail_errno(err, errno, "%s", path);
	int r = count(acc, &st);
	if (r == 0)
		r = walk(acc, fd, st.st_dev);
	else
		close(fd);
	return r < 0 ? uc_fail(err, UC_INTERNAL, "out of memory") : 0;
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
		if (x->dir || x->seen >= x->nlink) {
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
		struct stat st = {.st_dev = (dev_t)e->dev, .st_ino = (ino_t)e->ino,
				  .st_blocks = (blkcnt_t)x->blocks, .st_size = (off_t)x->size,
				  .st_nlink = x->nlink, .st_mode = S_IFREG};
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
