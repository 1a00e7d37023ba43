#include "lib/pwalk.h"

#include "lib/array.h"
#include "lib/sys.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct dirwork {
	int fd;
	dev_t dev;
	char *path; /* with want_paths */
};

struct walker;

struct walkq {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct dirwork *v;
	size_t n, cap;
	unsigned busy; /* threads reading a directory */
	const struct pwalk_opts *o;
	int err;
	/* helpers are started only once directories queue up: a small walk
	 * (most cfg directories) costs no thread creation */
	struct walker *w;
	size_t nth, started; /* walkers wanted; running (w[0] is the caller) */
};

struct walker {
	struct walkq *q;
	void *tctx;
	pthread_t th;
};

static void *walk_thread(void *arg);

/* Under q->mu: another walker when two directories wait for one. */
static void maybe_start(struct walkq *q)
{
	if (q->n < 2 || q->started >= q->nth)
		return;
	struct walker *w = &q->w[q->started];
	*w = (struct walker){.q = q, .tctx = q->o->tctx[q->started]};
	if (pthread_create(&w->th, NULL, walk_thread, w) == 0)
		q->started++;
	else
		q->nth = q->started; /* no more tries: the running ones do it all */
}

size_t pwalk_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > PWALK_MAX_THREADS ? PWALK_MAX_THREADS : (size_t)n;
}

static int q_push(struct walkq *q, int fd, dev_t dev, char *path)
{
	pthread_mutex_lock(&q->mu);
	if (UC_GROW(&q->v, &q->cap, q->n + 1) < 0) {
		pthread_mutex_unlock(&q->mu);
		return -ENOMEM;
	}
	q->v[q->n++] = (struct dirwork){fd, dev, path};
	maybe_start(q);
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
	return 0;
}

/* Next directory, or false when every thread is idle and none is left. */
static bool q_pop(struct walkq *q, struct dirwork *w, bool *busy)
{
	pthread_mutex_lock(&q->mu);
	if (*busy)
		q->busy--;
	*busy = false;
	while (q->n == 0 && q->busy > 0 && !q->err)
		pthread_cond_wait(&q->cv, &q->mu);
	bool got = q->n > 0 && !q->err;
	if (got) {
		*w = q->v[--q->n];
		q->busy++;
		*busy = true;
	} else {
		pthread_cond_broadcast(&q->cv); /* done: wake the others */
	}
	pthread_mutex_unlock(&q->mu);
	return got;
}

static int read_dir(struct walker *wk, struct dirwork *w)
{
	const struct pwalk_opts *o = wk->q->o;
	DIR *d = fdopendir(w->fd);
	if (!d) {
		close(w->fd);
		return 0; /* unreadable or gone: skipped */
	}
	char path[PATH_MAX];
	size_t len = 0;
	if (o->want_paths) {
		len = strlen(w->path);
		if (len + 2 >= sizeof(path)) {
			closedir(d);
			return 0;
		}
		memcpy(path, w->path, len);
		if (len > 1)
			path[len++] = '/';
	}
	struct dirent *de;
	int r = 0;
	while (r >= 0 && (de = readdir(d))) {
		const char *nm = de->d_name;
		struct stat st;
		if (nm[0] == '.' && (!nm[1] || (nm[1] == '.' && !nm[2])))
			continue;
		if (fstatat(dirfd(d), nm, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue; /* vanished during the walk */
		if (o->want_paths) {
			size_t nl = strlen(nm);
			if (len + nl >= sizeof(path))
				continue;
			memcpy(path + len, nm, nl + 1);
		}
		r = o->fn(wk->tctx, dirfd(d), w->dev, o->want_paths ? path : NULL, nm, &st);
		if (r != 1 || !S_ISDIR(st.st_mode))
			continue;
		r = 0;
		int fd = openat(dirfd(d), nm, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			/* never a silent undercount for want of fds */
			if (errno == EMFILE || errno == ENFILE)
				r = -errno;
			continue;
		}
		char *p = o->want_paths ? strdup(path) : NULL;
		if ((o->want_paths && !p) || q_push(wk->q, fd, st.st_dev, p) < 0) {
			close(fd);
			free(p);
			r = -ENOMEM;
		}
	}
	closedir(d);
	return r < 0 ? r : 0;
}

static void *walk_thread(void *arg)
{
	struct walker *wk = arg;
	struct dirwork w;
	bool busy = false;
	while (q_pop(wk->q, &w, &busy)) {
		int r = read_dir(wk, &w);
		free(w.path);
		if (r < 0) {
			pthread_mutex_lock(&wk->q->mu);
			wk->q->err = r;
			pthread_cond_broadcast(&wk->q->cv);
			pthread_mutex_unlock(&wk->q->mu);
		}
	}
	return NULL;
}

int pwalk(int dirfd, const char *path, dev_t dev, const struct pwalk_opts *o)
{
	struct walkq q = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .o = o};
	struct walker w[PWALK_MAX_THREADS];
	size_t nth = o->nthreads < 1		       ? 1
		     : o->nthreads > PWALK_MAX_THREADS ? PWALK_MAX_THREADS
						       : o->nthreads;
	uc_raise_fd_limit();
	/* the caller is walker 0; the others start as work queues up */
	q.w = w;
	q.nth = nth;
	q.started = 1;
	char *p = o->want_paths ? strdup(path) : NULL;
	if ((o->want_paths && !p) || q_push(&q, dirfd, dev, p) < 0) {
		close(dirfd);
		free(p);
		return -ENOMEM;
	}
	w[0] = (struct walker){.q = &q, .tctx = o->tctx[0]};
	walk_thread(&w[0]);
	pthread_mutex_lock(&q.mu);
	size_t started = q.started; /* every walker is done or finishing: none starts now */
	pthread_mutex_unlock(&q.mu);
	for (size_t i = 1; i < started; i++)
		pthread_join(w[i].th, NULL);
	/* after an error, directories may be left queued */
	for (size_t i = 0; i < q.n; i++) {
		close(q.v[i].fd);
		free(q.v[i].path);
	}
	free(q.v);
	return q.err;
}
