/* Changing one key of unicage.conf (cagefsctl --set-min-uid): the file is
 * rewritten whole beside itself and renamed into place, every other line
 * (comments, blank lines, the other keys) kept as it was. The result is
 * parsed before it is written: a value the parser refuses changes nothing. */
#include "lib/config.h"

#include "lib/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Whether line sets key (`key = ...`, blanks around). */
static bool sets_key(const char *line, const char *key)
{
	const char *s = line + strspn(line, " \t");
	size_t n = strlen(key);
	if (strncmp(s, key, n))
		return false;
	s += n;
	s += strspn(s, " \t");
	return *s == '=';
}

/* The new text: each line of f, the key's line replaced (or appended). */
static int new_text(FILE *f, const char *key, const char *value, char **text, size_t *len)
{
	FILE *out = open_memstream(text, len);
	if (!out)
		return -ENOMEM;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	bool done = false;
	while (f && (n = getline(&line, &cap, f)) >= 0) {
		if (!done && sets_key(line, key)) {
			fprintf(out, "%s = %s\n", key, value);
			done = true;
			continue;
		}
		fputs(line, out);
		if (n > 0 && line[n - 1] != '\n')
			fputc('\n', out);
	}
	free(line);
	if (!done)
		fprintf(out, "%s = %s\n", key, value);
	return fclose(out) == 0 ? 0 : -ENOMEM;
}

/* The text as unicage.conf would read it: refused values stop here. */
static int validate(const char *text, size_t len, const char *path, struct uc_error *err)
{
	struct uc_config tmp;
	FILE *f = fmemopen((void *)text, len, "r");
	if (!f || uc_config_init(&tmp) < 0) {
		if (f)
			fclose(f);
		return uc_fail(err, UC_INTERNAL, "out of memory");
	}
	int r = uc_config_parse(&tmp, f, path, err);
	fclose(f);
	uc_config_release(&tmp);
	return r;
}

/* path's directory fd and base name. */
static int open_parent(const char *path, char *base, size_t size)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	if (!slash || !slash[1] || (size_t)snprintf(base, size, "%s", slash + 1) >= size)
		return -EINVAL;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path) ? (int)(slash - path) : 1, path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* text into dfd/base through a temporary name, durable before the rename. */
static int publish(int dfd, const char *base, const char *text, size_t len, mode_t mode)
{
	char tmp[NAME_MAX + 1];
	snprintf(tmp, sizeof(tmp), ".%.200s.%d.tmp", base, (int)getpid());
	int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	int r = write(fd, text, len) == (ssize_t)len && fchmod(fd, mode) == 0 && fsync(fd) == 0
		    ? 0
		    : -errno;
	close(fd);
	if (r == 0 && renameat(dfd, tmp, dfd, base) < 0)
		r = -errno;
	if (r < 0)
		unlinkat(dfd, tmp, 0);
	else
		fsync(dfd);
	return r;
}

int uc_config_set(const char *path, const char *key, const char *value, struct uc_error *err)
{
	char base[NAME_MAX + 1];
	struct stat st = {.st_mode = 0644};
	if (strpbrk(value, "\n\r") || strpbrk(key, " \t=\n#"))
		return uc_fail(err, UC_BADREQUEST, "%s: '%s' cannot be written as a value", key,
			       value);
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f && errno != ENOENT)
		return uc_fail_errno(err, errno, "configuration %s", path);
	if (f && fstat(fileno(f), &st) < 0)
		return uc_fail_errno(err, errno, "configuration %s", path);
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	if (new_text(f, key, value, &text, &len) < 0)
		return uc_fail(err, UC_INTERNAL, "out of memory");
	int r = validate(text, len, path, err);
	if (r < 0)
		return r;
	_cleanup_close_ int dfd = open_parent(path, base, sizeof(base));
	if (dfd < 0)
		return uc_fail_errno(err, -dfd, "configuration %s", path);
	r = publish(dfd, base, text, len, st.st_mode & 07777);
	return r < 0 ? uc_fail_errno(err, -r, "writing %s", path) : 0;
}
