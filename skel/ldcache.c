/* The generation's own dynamic linker cache (skel/ldcache.h). */
#include "skel/ldcache.h"

#include "lib/cleanup.h"
#include "lib/log.h"
#include "lib/path.h"
#include "lib/store.h"
#include "skel/elfdeps.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WORKDIR ".unicage-ldconfig"
#define NOBODY 65534
#define CACHE_MAX (64u << 20)
#define TIMEOUT_S 120

bool ldcache_is_generated(const char *path)
{
	return strcmp(path, LDCACHE_PATH) == 0;
}

/* ---- reading a cache (also used by the ELF checks) ---------------------------- */

#define OLD_MAGIC "ld.so-1.7.0"
#define NEW_MAGIC "glibc-ld.so.cache1.1"

struct new_head {
	char magic[20];
	uint32_t nlibs, len_strings;
	uint8_t flags, pad[3];
	uint32_t ext_offset, unused[3];
};
struct new_ent {
	int32_t flags;
	uint32_t key, value, osversion;
	uint64_t hwcap;
};
struct old_ent {
	int32_t flags;
	uint32_t key, value;
};

/* A NUL-terminated string at base + off inside data[0, size). */
static const char *cache_str(const char *data, size_t size, size_t base, uint32_t off)
{
	if (base + off >= size)
		return NULL;
	const char *s = data + base + off;
	return memchr(s, '\0', size - base - off) ? s : NULL;
}

static int push_pair(struct strv *names, struct strv *paths, const char *k, const char *v)
{
	if (!k || !v)
		return -EINVAL;
	if (strv_push(names, k) < 0 || strv_push(paths, v) < 0)
		return -ENOMEM;
	return 0;
}

/* The new format at data + at: strings are offsets from its header. */
static int parse_new(const char *data, size_t size, size_t at, struct strv *names,
		     struct strv *paths)
{
	struct new_head h;
	if (size < at + sizeof(h))
		return -EINVAL;
	memcpy(&h, data + at, sizeof(h));
	if (memcmp(h.magic, NEW_MAGIC, sizeof(h.magic)) != 0 ||
	    h.nlibs > (size - at - sizeof(h)) / sizeof(struct new_ent))
		return -EINVAL;
	for (uint32_t i = 0; i < h.nlibs; i++) {
		struct new_ent e;
		memcpy(&e, data + at + sizeof(h) + i * sizeof(e), sizeof(e));
		int r = push_pair(names, paths, cache_str(data, size, at, e.key),
				  cache_str(data, size, at, e.value));
		if (r < 0)
			return r;
	}
	return 0;
}

int ldcache_parse(const void *image, size_t size, struct strv *names, struct strv *paths)
{
	const char *data = image;
	if (size >= sizeof(struct new_head) && memcmp(data, NEW_MAGIC, 20) == 0)
		return parse_new(data, size, 0, names, paths);
	if (size < 16 || memcmp(data, OLD_MAGIC, 11) != 0)
		return -EINVAL;
	uint32_t n;
	memcpy(&n, data + 12, sizeof(n));
	if (n > (size - 16) / sizeof(struct old_ent))
		return -EINVAL;
	size_t end = 16 + n * sizeof(struct old_ent);
	size_t at = (end + 7) & ~(size_t)7; /* the new format follows, 8-aligned */
	if (at + sizeof(struct new_head) <= size && memcmp(data + at, NEW_MAGIC, 20) == 0)
		return parse_new(data, size, at, names, paths);
	for (uint32_t i = 0; i < n; i++) {
		struct old_ent e;
		memcpy(&e, data + 16 + i * sizeof(e), sizeof(e));
		int r = push_pair(names, paths, cache_str(data, size, end, e.key),
				  cache_str(data, size, end, e.value));
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- running the sysroot's ldconfig on the new tree ------------------------------ */

/* The sysroot's ldconfig binary: an ELF file owned by root that only root
 * may change (Debian's /sbin/ldconfig may be a shell wrapper of
 * ldconfig.real). -ENOENT if there is none. */
static int find_ldconfig(int rootfd, char *shown, size_t size)
{
	static const char *const cands[] = {"/usr/sbin/ldconfig.real", "/sbin/ldconfig.real",
					    "/usr/sbin/ldconfig", "/sbin/ldconfig"};
	for (size_t i = 0; i < UC_ARRAY_SIZE(cands); i++) {
		_cleanup_close_ int fd =
		    path_open_in_root(rootfd, cands[i], O_RDONLY | O_NONBLOCK, 0);
		struct stat st;
		unsigned char m[4];
		if (fd < 0)
			continue;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == 0 &&
		    !(st.st_mode & (S_IWGRP | S_IWOTH)) && (st.st_mode & S_IXUSR) &&
		    pread(fd, m, 4, 0) == 4 && memcmp(m, "\177ELF", 4) == 0) {
			snprintf(shown, size, "%s", cands[i]);
			return steal_fd(&fd);
		}
	}
	return -ENOENT;
}

/* In the child: chroot into the tree, become nobody with no way back, run
 * ldconfig writing only into /WORKDIR. Never returns. */
static void child_exec(int treefd, int binfd, int outfd)
{
	static char *const argv[] = {
	    "ldconfig",	       "-X", "-i", "-C", "/" WORKDIR "/ld.so.cache", "-f",
	    "/etc/ld.so.conf", NULL};
	static char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL};
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	struct rlimit cpu = {60, 60}, fsz = {CACHE_MAX, CACHE_MAX};
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(outfd, 1) < 0 || dup2(outfd, 2) < 0 ||
	    fchdir(treefd) < 0 || chroot(".") < 0 || chdir("/") < 0 || setgroups(0, NULL) < 0 ||
	    setresgid(NOBODY, NOBODY, NOBODY) < 0 || setresuid(NOBODY, NOBODY, NOBODY) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || setrlimit(RLIMIT_CPU, &cpu) < 0 ||
	    setrlimit(RLIMIT_FSIZE, &fsz) < 0) {
		dprintf(2, "ldconfig setup: %s\n", strerror(errno));
		_exit(126);
	}
	/* nothing of ours stays open but the binary, as fd 3 */
	if (dup2(binfd, 3) < 0) {
		dprintf(2, "ldconfig setup: %s\n", strerror(errno));
		_exit(126);
	}
	syscall(SYS_close_range, 4, ~0U, 0);
	syscall(SYS_execveat, 3, "", argv, envp, AT_EMPTY_PATH);
	dprintf(2, "exec: %s\n", strerror(errno));
	_exit(127);
}

/* The child's output into msg (newlines as spaces), until it closes its end
 * or the deadline passes (then 0: killed). 1 at EOF. */
static int drain(int fd, char *msg, size_t size, struct timespec deadline)
{
	size_t n = 0;
	char buf[512];
	for (;;) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long ms = (deadline.tv_sec - now.tv_sec) * 1000 +
			  (deadline.tv_nsec - now.tv_nsec) / 1000000;
		struct pollfd p = {fd, POLLIN, 0};
		int pr = ms > 0 ? poll(&p, 1, (int)ms) : 0;
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			break; /* the deadline (or poll failing): stop waiting */
		ssize_t k = read(fd, buf, sizeof(buf));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			msg[n] = '\0';
			return 1;
		}
		for (ssize_t i = 0; i < k && n + 1 < size; i++)
			if (buf[i] != '\n' || n > 0)
				msg[n++] = buf[i] == '\n' ? ' ' : buf[i];
	}
	msg[n] = '\0';
	return 0;
}

/* Run it (at most TIMEOUT_S seconds); its output goes into msg. 0 when it
 * exited 0. */
static int run_ldconfig(int treefd, int binfd, char *msg, size_t size)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid == 0)
		child_exec(treefd, binfd, p[1]);
	close(p[1]);
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += TIMEOUT_S;
	bool eof = drain(p[0], msg, size, deadline) == 1;
	close(p[0]);
	for (size_t n = strlen(msg); n > 0 && msg[n - 1] == ' ';)
		msg[--n] = '\0';
	if (!eof) {
		kill(pid, SIGKILL); /* hung (or its output still open): never wait forever */
		snprintf(msg, size, "no answer within %d seconds: killed", TIMEOUT_S);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -ECHILD;
}

/* The cache ldconfig wrote, read back whole; it must parse. */
static int read_result(int workfd, char **data, size_t *len)
{
	_cleanup_close_ int fd =
	    openat(workfd, "ld.so.cache", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return -errno;
	/* its own new file: not a link to one of the tree (protected_hardlinks off) */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 || st.st_uid != NOBODY ||
	    (size_t)st.st_size > CACHE_MAX)
		return -EINVAL;
	*data = malloc((size_t)st.st_size + 1);
	if (!*data)
		return -ENOMEM;
	ssize_t n = pread(fd, *data, (size_t)st.st_size, 0);
	*len = n > 0 ? (size_t)n : 0;
	struct strv names = STRV_INIT, paths = STRV_INIT;
	int r = n == st.st_size ? ldcache_parse(*data, *len, &names, &paths) : -EIO;
	strv_clear(&names);
	strv_clear(&paths);
	return r;
}

/* The work directory and whatever ldconfig left in it (directories too);
 * -EEXIST if it could not be removed (it must not be published). */
static int rm_workdir(int treefd)
{
	struct stat st;
	store_rm_tree(treefd, WORKDIR);
	return fstatat(treefd, WORKDIR, &st, AT_SYMLINK_NOFOLLOW) == 0 ? -EEXIST : 0;
}

/* tree/etc and stubs/etc (made, with a manifest record, if the generation
 * has no /etc); tree/etc's fd returned. */
static int etc_dirs(int treefd, int stubfd, struct manifest_writer *mw, int *te)
{
	struct stat st;
	if (fstatat(treefd, "etc", &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (mkdirat(treefd, "etc", 0755) < 0 || mkdirat(stubfd, "etc", 0755) < 0)
			return -errno;
		struct manifest_rec rec = {"/etc", 'd', 0755, 0, 0, 0, time(NULL), '-', "", ""};
		if (manifest_add(mw, &rec) < 0)
			return -EIO;
	}
	*te = openat(treefd, "etc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return *te < 0 ? -errno : 0;
}

/* data as tree/etc/ld.so.cache (root, 0644), linked into stubs/etc by
 * ldcache_link_stub. */
static int place(int treefd, int stubfd, const char *data, size_t len, struct manifest_writer *mw,
		 struct skel_stats *st)
{
	_cleanup_close_ int te = -1;
	int r = etc_dirs(treefd, stubfd, mw, &te);
	if (r < 0)
		return r;
	_cleanup_close_ int fd =
	    openat(te, "ld.so.cache", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0 && errno != EINTR)
			return -errno;
		off += n > 0 ? (size_t)n : 0;
	}
	struct stat fst;
	if (fchown(fd, 0, 0) < 0 || fchmod(fd, 0644) < 0 || fstat(fd, &fst) < 0)
		return -errno;
	struct manifest_rec rec = {LDCACHE_PATH, 'f', 0644, 0, 0, len, fst.st_mtime, 'c', "", ""};
	if (manifest_add(mw, &rec) < 0)
		return -EIO;
	st->paths++;
	st->files++;
	st->config++;
	st->bytes += len;
	return 0;
}

int ldcache_run(int rootfd, int treefd, char **data, size_t *len, struct uc_error *err)
{
	char bin[64], msg[300] = "";
	*data = NULL;
	*len = 0;
	_cleanup_close_ int binfd = find_ldconfig(rootfd, bin, sizeof(bin));
	if (binfd < 0) {
		uc_log(UC_LOG_INFO, "no ldconfig in the sysroot: the generation has no "
				    "/etc/ld.so.cache");
		return 0;
	}
	rm_workdir(treefd);
	if (mkdirat(treefd, WORKDIR, 0700) < 0 ||
	    fchownat(treefd, WORKDIR, NOBODY, NOBODY, AT_SYMLINK_NOFOLLOW) < 0)
		return uc_fail_errno(err, errno, "linker cache: %s", WORKDIR);
	_cleanup_close_ int workfd =
	    openat(treefd, WORKDIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int r = workfd < 0 ? -errno : run_ldconfig(treefd, binfd, msg, sizeof(msg));
	if (r == 0)
		r = read_result(workfd, data, len);
	if (rm_workdir(treefd) < 0) {
		free(*data);
		*data = NULL;
		return uc_fail(err, UC_INTERNAL, "linker cache: cannot remove %s from the new tree",
			       WORKDIR);
	}
	if (r < 0) {
		free(*data);
		*data = NULL;
		uc_log(UC_LOG_WARN,
		       "linker cache: the sysroot's %s failed on the new tree (%s): the "
		       "generation has no /etc/ld.so.cache",
		       bin, *msg ? msg : strerror(-r));
		return 0;
	}
	if (*msg)
		uc_log(UC_LOG_INFO, "linker cache: %s said: %s", bin, msg);
	return 0;
}

int ldcache_place(int treefd, int stubfd, const char *data, size_t len, struct manifest_writer *mw,
		  struct skel_stats *st, struct uc_error *err)
{
	if (!data)
		return 0;
	int r = place(treefd, stubfd, data, len, mw, st);
	return r < 0 ? uc_fail_errno(err, r, "linker cache %s", LDCACHE_PATH) : 0;
}

int ldcache_link_stub(int treefd, int stubfd, struct uc_error *err)
{
	_cleanup_close_ int te =
	    openat(treefd, "etc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int se =
	    openat(stubfd, "etc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (te < 0 || se < 0 || linkat(te, "ld.so.cache", se, "ld.so.cache", 0) < 0)
		return uc_fail_errno(err, errno, "linker cache %s in stubs/", LDCACHE_PATH);
	return 0;
}
