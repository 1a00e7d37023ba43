#include "skel/index.h"

#include "lib/cleanup.h"
#include "lib/lines.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int index_add(struct skel_index *ix, const struct idx_ent *e)
{
	if (ix->n == ix->cap) {
		size_t cap = ix->cap ? ix->cap * 2 : 1024;
		struct idx_ent *v = realloc(ix->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		ix->v = v;
		ix->cap = cap;
	}
	ix->v[ix->n] = *e;
	/* an index read from a file points into its text (read at every update:
	 * no copy of each path); one being built owns its paths */
	if (!ix->text && !(ix->v[ix->n].path = strdup(e->path)))
		return -ENOMEM;
	if (strset_put(&ix->by_path, e->path, ix->n) < 0)
		return -ENOMEM;
	ix->n++;
	return 0;
}

const struct idx_ent *index_find(const struct skel_index *ix, const char *path)
{
	size_t i;
	return strset_get(&ix->by_path, path, &i) ? &ix->v[i] : NULL;
}

bool index_same(const struct idx_ent *a, const struct idx_ent *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns && a->mode == b->mode &&
	       a->uid == b->uid && a->gid == b->gid && a->cls == b->cls;
}

void index_fill_stat(struct idx_ent *e, const struct stat *st)
{
	e->dev = st->st_dev;
	e->ino = st->st_ino;
	e->size = (uint64_t)st->st_size;
	e->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	e->ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
	e->mode = st->st_mode;
	e->uid = st->st_uid;
	e->gid = st->st_gid;
}

int index_write(const struct skel_index *ix, int dirfd, struct uc_error *err)
{
	int fd =
	    openat(dirfd, "index.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		return uc_fail_errno(err, errno, "index");
	}
	fputs("unicage-index 1\n", f);
	for (size_t i = 0; i < ix->n; i++) {
		const struct idx_ent *e = &ix->v[i];
		uc_put_escaped(f, e->path);
		fprintf(f,
			"\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRId64 "\t%" PRId64
			"\t%o\t%u\t%u\t%c\t%s\t%u\n",
			e->dev, e->ino, e->size, e->mtime_ns, e->ctime_ns, e->mode, e->uid, e->gid,
			e->cls, e->key[0] ? e->key : "-", e->suffix);
	}
	int r = fflush(f) == 0 && fsync(fd) == 0 ? 0 : -errno;
	fclose(f);
	if (r == 0 && renameat(dirfd, "index.tmp", dirfd, "index") < 0)
		r = -errno;
	return r < 0 ? uc_fail_errno(err, r, "index") : 0;
}

/* The fields after the path (strtoull, not sscanf: an index has a line per
 * file of the skeleton, read at every update). */
static int parse_fields(char *s, struct idx_ent *e)
{
	char *end;
	uint64_t *u[] = {&e->dev, &e->ino, &e->size};
	for (size_t i = 0; i < 3; i++) {
		*u[i] = strtoull(s, &end, 10);
		if (*end != '\t')
			return -EINVAL;
		s = end + 1;
	}
	e->mtime_ns = strtoll(s, &end, 10);
	if (*end != '\t')
		return -EINVAL;
	e->ctime_ns = strtoll(end + 1, &end, 10);
	if (*end != '\t')
		return -EINVAL;
	e->mode = (unsigned)strtoul(end + 1, &end, 8);
	if (*end != '\t')
		return -EINVAL;
	e->uid = (unsigned)strtoul(end + 1, &end, 10);
	if (*end != '\t')
		return -EINVAL;
	e->gid = (unsigned)strtoul(end + 1, &end, 10);
	if (end[0] != '\t' || !end[1] || end[2] != '\t')
		return -EINVAL;
	e->cls = end[1];
	if (!e->cls || !strchr("sc-x", e->cls))
		return -EINVAL;
	s = end + 3;
	size_t klen = strcspn(s, "\t");
	if (klen > 64 || s[klen] != '\t')
		return -EINVAL;
	snprintf(e->key, sizeof(e->key), "%.*s", (int)klen,
		 strncmp(s, "-", klen) == 0 && klen == 1 ? "" : s);
	e->suffix = (unsigned)strtoul(s + klen + 1, &end, 10);
	return *end == '\n' || *end == '\0' ? 0 : -EINVAL;
}

/* The file whole into *text; each line parsed and handed to fn (the
 * entries' paths point into *text). */
static int index_parse(int dirfd, char **text, int (*fn)(void *, const struct idx_ent *), void *ctx,
		       struct uc_error *err)
{
	_cleanup_close_ int fd = openat(dirfd, "index", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return errno == ENOENT ? 0 : uc_fail_errno(err, errno, "index");
	if (fstat(fd, &st) < 0 || !(*text = malloc((size_t)st.st_size + 1)))
		return uc_fail_errno(err, errno ? errno : ENOMEM, "index");
	if (read(fd, *text, (size_t)st.st_size) != st.st_size)
		return uc_fail(err, UC_BADREQUEST, "index: short read");
	(*text)[st.st_size] = '\0';
	static const char magic[] = "unicage-index 1\n";
	if (strncmp(*text, magic, strlen(magic)) != 0)
		return uc_fail(err, UC_BADREQUEST, "index: unknown format");
	for (char *line = *text + strlen(magic); *line;) {
		char *nl = strchr(line, '\n');
		char *tab = strchr(line, '\t');
		if (!nl || !tab || tab > nl)
			return uc_fail(err, UC_BADREQUEST, "index: bad line");
		*nl = '\0';
		*tab = '\0';
		uc_unescape(line);
		struct idx_ent e = {.path = line};
		if (parse_fields(tab + 1, &e) < 0)
			return uc_fail(err, UC_BADREQUEST, "index: bad line for %s", line);
		int r = fn(ctx, &e);
		if (r != 0)
			return r < 0 ? uc_fail(err, UC_INTERNAL, "out of memory") : r;
		line = nl + 1;
	}
	return 0;
}

static int add_one(void *ctx, const struct idx_ent *e)
{
	return index_add(ctx, e);
}

int index_read(struct skel_index *ix, int dirfd, struct uc_error *err)
{
	memset(ix, 0, sizeof(*ix));
	ix->by_path.borrow = true;
	return index_parse(dirfd, &ix->text, add_one, ix, err);
}

int index_each(int dirfd, int (*fn)(void *ctx, const struct idx_ent *e), void *ctx,
	       struct uc_error *err)
{
	char *text = NULL;
	int r = index_parse(dirfd, &text, fn, ctx, err);
	free(text);
	return r;
}

void index_release(struct skel_index *ix)
{
	for (size_t i = 0; i < ix->n && !ix->text; i++)
		free(ix->v[i].path);
	free(ix->text);
	free(ix->v);
	strset_release(&ix->by_path);
	memset(ix, 0, sizeof(*ix));
}
