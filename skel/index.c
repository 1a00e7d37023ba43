#include "skel/index.h"

#include "lib/cleanup.h"
#include "lib/array.h"
#include "lib/lines.h"
#include "lib/tsv.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* the header: "unicage-index 2" (index_header) */
#define INDEX_MAGIC "unicage-index "

int index_add(struct skel_index *ix, const struct idx_ent *e)
{
	if (UC_GROW(&ix->v, &ix->cap, ix->n + 1) < 0)
		return -ENOMEM;
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
	fputs(INDEX_MAGIC "2\n", f);
	for (size_t i = 0; i < ix->n; i++) {
		const struct idx_ent *e = &ix->v[i];
		tsv_put(f, e->path);
		fprintf(f,
			"\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRId64 "\t%" PRId64
			"\t%o\t%u\t%u\t%c\t%s\t%u\n",
			e->dev, e->ino, e->size, e->mtime_ns, e->ctime_ns, e->mode, e->uid, e->gid,
			e->cls, e->key[0] ? e->key : "-", e->suffix);
	}
	/* no fsync: it is written into a generation being built, which is
	 * made durable whole (one syncfs) before it is published */
	int r = fflush(f) == 0 ? 0 : -errno;
	fclose(f);
	if (r == 0 && renameat(dirfd, "index.tmp", dirfd, "index") < 0)
		r = -errno;
	return r < 0 ? uc_fail_errno(err, r, "index") : 0;
}

/* One number and the tab after it; *s moves past both. */
static int num_u(char **s, int base, uint64_t max, uint64_t *v)
{
	char *end;
	if (uc_parse_u64(*s, base, max, v, &end) < 0 || *end != '\t')
		return -EINVAL;
	*s = end + 1;
	return 0;
}

static int num_s(char **s, int64_t *v)
{
	char *end;
	if (uc_parse_s64(*s, v, &end) < 0 || *end != '\t')
		return -EINVAL;
	*s = end + 1;
	return 0;
}

/* 64 lowercase hex digits (as objkey_hex writes them), or "-": the key of a
 * record names an object file, built from it by objkey_from_hex. */
static int take_key(char **s, char *key)
{
	size_t klen = strcspn(*s, "\t");
	if ((*s)[klen] != '\t')
		return -EINVAL;
	if (klen == 1 && **s == '-') {
		key[0] = '\0';
	} else {
		if (klen != 64 || strspn(*s, "0123456789abcdef") < 64)
			return -EINVAL;
		memcpy(key, *s, 64);
		key[64] = '\0';
	}
	*s += klen + 1;
	return 0;
}

/* The fields after the path (strtoull, not sscanf: an index has a line per
 * file of the skeleton, read at every update). Every number is checked
 * whole and in range: a wrapped uid or gid would be the owner of a file. */
static int parse_fields(char *s, struct idx_ent *e)
{
	uint64_t mode, uid, gid, suffix;
	if (num_u(&s, 10, UINT64_MAX, &e->dev) < 0 || num_u(&s, 10, UINT64_MAX, &e->ino) < 0 ||
	    num_u(&s, 10, UINT64_MAX, &e->size) < 0 || num_s(&s, &e->mtime_ns) < 0 ||
	    num_s(&s, &e->ctime_ns) < 0 || num_u(&s, 8, 0177777, &mode) < 0 ||
	    num_u(&s, 10, UINT32_MAX - 1, &uid) < 0 || num_u(&s, 10, UINT32_MAX - 1, &gid) < 0)
		return -EINVAL;
	e->mode = (unsigned)mode;
	e->uid = (unsigned)uid;
	e->gid = (unsigned)gid;
	e->cls = s[0];
	if (!e->cls || !strchr("sc-xw", e->cls) || s[1] != '\t')
		return -EINVAL;
	s += 2;
	char *end;
	if (take_key(&s, e->key) < 0 || uc_parse_u64(s, 10, UINT32_MAX, &suffix, &end) < 0)
		return -EINVAL;
	e->suffix = (unsigned)suffix;
	return *end == '\n' || *end == '\0' ? 0 : -EINVAL;
}

/* "unicage-index 2": paths escaped by lib/tsv.h; version 1 (older
 * unicage) wrote control bytes other than tab and newline raw, and is read
 * as such. The first line after the header, NULL for neither. */
static char *index_header(char *text, unsigned *flags)
{
	size_t m = strlen(INDEX_MAGIC);
	if (strncmp(text, INDEX_MAGIC, m) != 0 || (text[m] != '1' && text[m] != '2') ||
	    text[m + 1] != '\n')
		return NULL;
	*flags = text[m] == '1' ? TSV_RAW_CTRL : 0;
	return text + m + 2;
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
	if (memchr(*text, '\0', (size_t)st.st_size))
		return uc_fail(err, UC_BADREQUEST, "index: NUL byte");
	unsigned flags, lineno = 1;
	char *line = index_header(*text, &flags);
	if (!line)
		return uc_fail(err, UC_BADREQUEST, "index:1: unknown format");
	while (*line) {
		char *nl = strchr(line, '\n');
		char *tab = strchr(line, '\t');
		lineno++;
		if (!nl || !tab || tab > nl)
			return uc_fail(err, UC_BADREQUEST, "index:%u: bad line", lineno);
		*nl = '\0';
		*tab = '\0';
		if (tsv_unescape(line, flags) < 0)
			return uc_fail(err, UC_BADREQUEST, "index:%u: bad escape in the path",
				       lineno);
		struct idx_ent e = {.path = line};
		if (line[0] != '/' || parse_fields(tab + 1, &e) < 0)
			return uc_fail(err, UC_BADREQUEST, "index:%u: bad line for %s", lineno,
				       line);
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
