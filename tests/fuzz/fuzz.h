/* Shared by the fuzz targets (tests/fuzz/fuzz_*.c): each defines
 * LLVMFuzzerTestOneInput, linked either with libFuzzer (`make fuzz`, clang)
 * or with driver.c, which calls it on each file of tests/fuzz/seeds/ and
 * tests/fuzz/regress/ in `make check` (any compiler, any sanitizer).
 * A target aborts (FUZZ_ASSERT) when a property fails, not only on crashes:
 * a writer and its parser that disagree, a refused input that left a
 * result behind. */
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(c)                                                                             \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #c);   \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* The input as a read-only stream (a memfd: fmemopen cannot hold 0 bytes
 * everywhere, and getline must see the real end). */
static inline FILE *fuzz_file(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	for (size_t off = 0; off < size;) {
		ssize_t n = write(fd, data + off, size - off);
		if (n <= 0)
			abort();
		off += (size_t)n;
	}
	lseek(fd, 0, SEEK_SET);
	FILE *f = fdopen(fd, "r");
	if (!f)
		abort();
	return f;
}

static char fuzz_dir_path[64];

static inline void fuzz_dir_remove(void)
{
	static const char *const names[] = {"manifest.zst", "manifest.zst.tmp", "index",
					    "index.tmp",    "proxy.commands",	"exclude"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char p[128];
		snprintf(p, sizeof(p), "%s/%s", fuzz_dir_path, names[i]);
		unlink(p);
	}
	rmdir(fuzz_dir_path);
}

/* A private directory of this process, made once and removed at exit, for
 * parsers that open a name in a directory fd (manifest.zst, index). */
static inline int fuzz_dir(void)
{
	static int dfd = -1;
	if (dfd >= 0)
		return dfd;
	/* a tmpfs where there is one: the writers fsync every time */
	const char *tmp = getenv("TMPDIR");
	if (!tmp || *tmp != '/')
		tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(fuzz_dir_path, sizeof(fuzz_dir_path), "%.40s/unicage-fuzz.XXXXXX", tmp);
	if (!mkdtemp(fuzz_dir_path))
		abort();
	dfd = open(fuzz_dir_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		abort();
	atexit(fuzz_dir_remove);
	return dfd;
}

/* name in dirfd holding exactly data. */
static inline void fuzz_put(int dirfd, const char *name, const void *data, size_t size)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
}
