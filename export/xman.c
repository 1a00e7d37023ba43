#include "export/xman.h"

#include "lib/cleanup.h"
#include "lib/path.h"
#include "lib/sha256.h"
#include "lib/tsv.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void xman_gen_sha(const char *state_dir, const char *gen, char hex[65])
{
	char p[PATH_MAX];
	_cleanup_close_ int fd = path_fmt(p, sizeof(p), "%s/skel/%s/manifest.zst", state_dir, gen)
				     ? -1
				     : open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || sha256_fd_hex(fd, -1, hex, NULL) < 0)
		hex[0] = '\0';
}

void xman_init(struct xman *m)
{
	memset(m, 0, sizeof(*m));
	m->version = XMAN_VERSION;
}

void xman_release(struct xman *m)
{
	strv_clear(&m->peruser);
	strv_clear(&m->paths);
	strv_clear(&m->hexes);
	strset_release(&m->files);
	memset(m, 0, sizeof(*m));
}

int xman_add_file(struct xman *m, const char *path, const char *hex)
{
	size_t old;
	int r = strset_insert(&m->files, path, m->paths.n, &old);
	if (r < 0)
		return r;
	if (r == 0)
		return -EEXIST;
	if (strv_push(&m->paths, path) < 0 || strv_push(&m->hexes, hex) < 0)
		return -ENOMEM;
	return 0;
}

const char *xman_file_hex(const struct xman *m, const char *path)
{
	size_t i;
	return strset_get(&m->files, path, &i) ? m->hexes.v[i] : NULL;
}

int xman_format(const struct xman *m, char **out, size_t *len)
{
	FILE *f = open_memstream(out, len);
	if (!f)
		return -ENOMEM;
	/* host is for the reader (gethostname may give nothing): no line when
	 * empty, as the parser takes a manifest without one */
	fprintf(f, "unicage-export %u\n", XMAN_VERSION); /* its escaping */
	if (m->host[0])
		fprintf(f, "host %s\n", m->host);
	fprintf(f, "user %s\nuid %u\ngid %u\ngeneration %s\n", m->user, (unsigned)m->uid,
		(unsigned)m->gid, m->gen);
	fprintf(f, "generation_manifest_sha256 %s\ncreated %" PRId64 "\nenabled %s\nwith_home %s\n",
		m->gen_sha[0] ? m->gen_sha : "-", m->created, m->enabled ? "yes" : "no",
		m->with_home ? "yes" : "no");
	for (size_t i = 0; i < m->peruser.n; i++)
		fprintf(f, "peruser %s\n", m->peruser.v[i]);
	for (size_t i = 0; i < m->paths.n; i++) {
		fprintf(f, "file %s ", m->hexes.v[i]);
		tsv_put(f, m->paths.v[i]);
		fputc('\n', f);
	}
	return fclose(f) == 0 ? 0 : -ENOMEM;
}

static bool is_hex64(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (!isxdigit((unsigned char)s[n]) || isupper((unsigned char)s[n]))
			return false;
	return n == 64;
}

static int parse_u(const char *v, unsigned long long max, unsigned long long *out)
{
	char *end;
	if (!isdigit((unsigned char)*v))
		return -EINVAL;
	errno = 0;
	*out = strtoull(v, &end, 10);
	return errno || *end || *out > max ? -EINVAL : 0;
}

static int set_word(char *dst, size_t size, const char *v)
{
	if (!*v || strlen(v) >= size || strpbrk(v, " \t"))
		return -EINVAL;
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

/* What is wrong with an archive entry's name ("upper/...", as import's
 * check_name says it), or NULL. */
static const char *bad_entry_name(const char *p)
{
	if (!*p)
		return "empty";
	if (p[0] == '/')
		return "an absolute path";
	for (const char *c = p; *c;) {
		size_t n = strcspn(c, "/");
		if (n == 2 && c[0] == '.' && c[1] == '.')
			return "a path with a '..' component";
		c += n + (c[n] == '/');
	}
	return path_is_clean_relative(p) ? NULL : "not a clean relative path";
}

static int parse_line(struct xman *m, char *line, unsigned lineno, struct uc_error *err)
{
	char *sp = strchr(line, ' ');
	if (!sp)
		return uc_fail(err, UC_BADREQUEST, XMAN_NAME ":%u: expected 'key value'", lineno);
	*sp = '\0';
	const char *k = line;
	char *v = sp + 1;
	unsigned long long n;
	int r = 0;
	if (lineno == 1) {
		if (strcmp(k, "unicage-export") || parse_u(v, 1000, &n) < 0)
			return uc_fail(err, UC_BADREQUEST,
				       XMAN_NAME ":1: not a unicage cage archive");
		if (n < 1 || n > XMAN_VERSION)
			return uc_fail(err, UC_BADREQUEST,
				       XMAN_NAME
				       ":1: format version %llu, this unicage reads 1 to %u",
				       n, XMAN_VERSION);
		m->version = (unsigned)n;
		return 0;
	}
	if (!strcmp(k, "host"))
		r = set_word(m->host, sizeof(m->host), v);
	else if (!strcmp(k, "user"))
		r = set_word(m->user, sizeof(m->user), v);
	else if (!strcmp(k, "generation"))
		r = set_word(m->gen, sizeof(m->gen), v);
	else if (!strcmp(k, "generation_manifest_sha256"))
		r = strcmp(v, "-")
			? (is_hex64(v) ? set_word(m->gen_sha, sizeof(m->gen_sha), v) : -EINVAL)
			: 0;
	else if (!strcmp(k, "uid") && (r = parse_u(v, UINT32_MAX - 1, &n)) == 0)
		m->uid = (uid_t)n;
	else if (!strcmp(k, "gid") && (r = parse_u(v, UINT32_MAX - 1, &n)) == 0)
		m->gid = (gid_t)n;
	else if (!strcmp(k, "created") && (r = parse_u(v, INT64_MAX, &n)) == 0)
		m->created = (int64_t)n;
	else if (!strcmp(k, "enabled") || !strcmp(k, "with_home")) {
		bool *b = !strcmp(k, "enabled") ? &m->enabled : &m->with_home;
		r = !strcmp(v, "yes")  ? (*b = true, 0)
		    : !strcmp(v, "no") ? (*b = false, 0)
				       : -EINVAL;
	} else if (!strcmp(k, "peruser"))
		r = strv_push(&m->peruser, v);
	else if (!strcmp(k, "file")) {
		char *sp2 = strchr(v, ' ');
		if (!sp2)
			r = -EINVAL;
		else {
			*sp2 = '\0';
			const char *why = NULL;
			r = !is_hex64(v) ||
				    tsv_unescape(sp2 + 1, m->version == 1 ? TSV_RAW_CTRL : 0) < 0
				? -EINVAL
				: 0;
			if (r == 0 && (why = bad_entry_name(sp2 + 1)))
				return uc_fail(err, UC_BADREQUEST,
					       XMAN_NAME ":%u: bad value for 'file': '%s' is %s",
					       lineno, sp2 + 1, why);
			if (r == 0)
				r = xman_add_file(m, sp2 + 1, v);
			if (r == -EEXIST)
				return uc_fail(err, UC_BADREQUEST,
					       XMAN_NAME ":%u: file listed twice", lineno);
		}
	} else if (strcmp(k, "uid") && strcmp(k, "gid") && strcmp(k, "created"))
		return uc_fail(err, UC_BADREQUEST, XMAN_NAME ":%u: unknown key '%s'", lineno, k);
	if (r < 0)
		return uc_fail(err, UC_BADREQUEST, XMAN_NAME ":%u: bad value for '%s'", lineno, k);
	return 0;
}

/* The keys of one value each: a second line for one is refused (which of
 * two users would the archive be?). */
static int once(const char *line, unsigned lineno, unsigned *seen, struct uc_error *err)
{
	static const char *const single[] = {"host",	"user",	      "uid",
					     "gid",	"generation", "generation_manifest_sha256",
					     "created", "enabled",    "with_home"};
	size_t klen = strcspn(line, " ");
	for (size_t i = 0; i < UC_ARRAY_SIZE(single); i++) {
		if (strlen(single[i]) != klen || strncmp(line, single[i], klen) != 0)
			continue;
		if (*seen & (1u << i))
			return uc_fail(err, UC_BADREQUEST, XMAN_NAME ":%u: '%s' given twice",
				       lineno, single[i]);
		*seen |= 1u << i;
	}
	return 0;
}

int xman_parse(struct xman *m, const char *text, size_t len, struct uc_error *err)
{
	xman_init(m);
	if (memchr(text, '\0', len))
		return uc_fail(err, UC_BADREQUEST, XMAN_NAME ": NUL byte");
	char *buf = strndup(text, len);
	if (!buf)
		return uc_fail(err, UC_INTERNAL, "out of memory");
	unsigned lineno = 0, seen = 0;
	int r = 0;
	/* every line counted (strtok_r skipped blank ones: messages named the
	 * wrong line); blank lines are allowed, the first line is the header */
	for (char *l = buf, *next; r == 0 && l; l = next) {
		next = strchr(l, '\n');
		if (next)
			*next++ = '\0';
		else if (!*l)
			break; /* after the last newline */
		lineno++;
		if (*l || lineno == 1)
			r = once(l, lineno, &seen, err) ?: parse_line(m, l, lineno, err);
	}
	free(buf);
	if (r == 0 && lineno == 0)
		r = uc_fail(err, UC_BADREQUEST, XMAN_NAME ": empty");
	if (r == 0 && (!m->user[0] || !m->gen[0]))
		r = uc_fail(err, UC_BADREQUEST, XMAN_NAME ": no user or generation");
	return r;
}
