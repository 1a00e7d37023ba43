#include "unify/vdu.h"

#include "lib/sys.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
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
		};
	}
	acc->v[e->value].seen++;
	return 0;
}

/* The walk runs on every core: directories are a shared LIFO stack of open
 * fds; each thread reads one directory at a time into its own accumulator,
 * merged at the end. (A warm walk is CPU-bound in the kernel: one thread per
 * core is what makes vdu faster than du, which walks with one.) */
struct dirwork {
	int fd;
	dev_t dev;
};

struct walkq {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct dirwork *v;
	size_t n, cap;
	unsigned busy; /* threads processing a directory */
	bool cross_mounts;
	int err;
};

static bool q_push(struct walkq *q, int fd, dev_t dev)
{
	pthread_mutex_lock(&q->mu);
	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 256;
		struct dirwork *v = realloc(q->v, cap * sizeof(*v));
		if (!v) {
			pthread_mutex_unlock(&q->mu);
			return false;
		}
		q->v = v;
		q->cap = cap;
	}
	q->v[q->n++] = (struct dirwork){fd, dev};
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
	return true;
}

/* Next directory, or false when every thread is idle and none is left. */
static bool q_pop(struct walkq *q, struct dirwork *w, bool *was_busy)
{
	pthread_mutex_lock(&q->mu);
	if (*was_busy)
		q->busy--;
	*was_busy = false;
	while (q->n == 0 && q->busy > 0)
		pthread_cond_wait(&q->cv, &q->mu);
	bool got = q->n > 0;
	if (got) {
		*w = q->v[--q->n];
		q->busy++;
		*was_busy = true;
	} else {
		pthread_cond_broadcast(&q->cv); /* done: wake the others */
	}
	pthread_mutex_unlock(&q->mu);
	return got;
}

static int read_dir(struct walkq *q, struct vdu *acc, int dfd, dev_t dev);

static int walk_dir_fd(struct walkq *q, struct vdu *acc, DIR *d, dev_t dev)
{
	struct dirent *de;
	int r = 0;
	while (r == 0 && (de = readdir(d))) {
		const char *name = de->d_name;
		struct stat st;
		if (name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2])))
			continue;
		if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue; /* vanished during the walk */
		if (st.st_dev != dev && !q->cross_mounts)
			continue; /* a mount point: not ours to count */
		r = count(acc, &st);
		if (r == 0 && S_ISDIR(st.st_mode)) {
			int fd =
			    openat(dirfd(d), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0 && (errno == EMFILE || errno == ENFILE))
				r = -errno; /* never a silent undercount */
			else if (fd >= 0 && !q_push(q, fd, st.st_dev))
				r = read_dir(q, acc, fd, st.st_dev); /* no room: here and now */
		}
	}
	return r;
}

static int read_dir(struct walkq *q, struct vdu *acc, int dfd, dev_t dev)
{
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return 0; /* unreadable or gone: skipped */
	}
	int r = walk_dir_fd(q, acc, d, dev);
	closedir(d);
	return r;
}

struct walker {
	struct walkq *q;
	struct vdu local;
	pthread_t th;
};

static void *walk_thread(void *arg)
{
	struct walker *w = arg;
	struct dirwork dw;
	bool busy = false;
	while (q_pop(w->q, &dw, &busy)) {
		int r = read_dir(w->q, &w->local, dw.fd, dw.dev);
		if (r < 0)
			w->q->err = r;
	}
	return NULL;
}

static int walk(struct vdu *acc, int dfd, dev_t dev)
{
	uc_raise_fd_limit();
	struct walkq q = {.mu = PTHREAD_MUTEX_INITIALIZER,
			  .cv = PTHREAD_COND_INITIALIZER,
			  .cross_mounts = acc->cross_mounts};
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nth = ncpu < 1 ? 1 : ncpu > 8 ? 8 : (size_t)ncpu;
	struct walker w[8];
	if (!q_push(&q, dfd, dev)) {
		close(dfd);
		return -ENOMEM;
	}
	size_t started = 0;
	for (; started < nth; started++) {
		w[started] = (struct walker){.q = &q, .local = {.cross_mounts = acc->cross_mounts}};
		if (pthread_create(&w[started].th, NULL, walk_thread, &w[started]) != 0)
			break;
	}
	if (started == 0) {
		w[0] = (struct walker){.q = &q, .local = {.cross_mounts = acc->cross_mounts}};
		walk_thread(&w[0]);
		started = 1;
	} else {
		for (size_t i = 0; i < started; i++)
			pthread_join(w[i].th, NULL);
	}
	int r = q.err;
	for (size_t i = 0; i < started; i++) {
		if (r == 0)
			r = vdu_merge(acc, &w[i].local);
		vdu_release(&w[i].local);
	}
	free(q.v);
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
