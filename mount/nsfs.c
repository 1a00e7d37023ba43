#include "mount/nsfs.h"

#include "lib/cleanup.h"
#include "lib/lock.h"
#include "lib/log.h"
#include "lib/path.h"
#include "lib/statepath.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

unsigned nsfs_cpu_retries;

static int mkdir_p2(const char *a, const char *b)
{
	if (mkdir(a, 0755) < 0 && errno != EEXIST)
		return -errno;
	if (mkdir(b, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int nsfs_dir_open(const struct uc_config *cfg, struct uc_error *err)
{
	char dir[PATH_MAX];
	int r = statepath_ns_dir(cfg, dir, sizeof(dir));
	if (r < 0)
		return path_fail(err, r, cfg->run_dir);
	r = mkdir_p2(cfg->run_dir, dir);
	if (r < 0)
		return uc_fail_errno(err, r, "%s", dir);
	struct statx stx;
	if (statx(AT_FDCWD, dir, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) < 0)
		return uc_fail_errno(err, errno, "%s", dir);
	if (!(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) ||
	    !(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT)) {
		if (mount(dir, dir, NULL, MS_BIND, NULL) < 0)
			return uc_fail_errno(err, errno, "bind-mounting %s on itself", dir);
	}
	/* private: a handle bound here must never be copied into another
	 * namespace (that would keep the namespace alive, or loop) */
	if (mount(NULL, dir, NULL, MS_PRIVATE, NULL) < 0)
		return uc_fail_errno(err, errno, "making %s a private mount", dir);
	int fd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return uc_fail_errno(err, errno, "%s", dir);
	return fd;
}

int nsfs_open_bound(int nsdir, const char *name, ino_t *ino)
{
	_cleanup_close_ int fd = openat(nsdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct statfs sfs;
	struct stat st;
	if (fd < 0)
		return -errno;
	if (fstatfs(fd, &sfs) < 0 || sfs.f_type != NSFS_MAGIC || fstat(fd, &st) < 0)
		return -ENOENT; /* the bare file: not (or no longer) a handle */
	if (ino)
		*ino = st.st_ino;
	return steal_fd(&fd);
}

bool nsfs_is_bound(int nsdir, const char *name, ino_t *ino)
{
	int fd = nsfs_open_bound(nsdir, name, ino);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

void nsfs_release(int nsdir, const char *name)
{
	char p[64];
	/* umount2 takes a path: go through the directory fd's /proc link, the
	 * name itself is ours (no user controls run_dir) */
	snprintf(p, sizeof(p), "/proc/self/fd/%d/", nsdir);
	char full[PATH_MAX];
	snprintf(full, sizeof(full), "%s%s", p, name);
	while (umount2(full, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
		; /* a handle bound twice (a crash between bind and record) */
	unlinkat(nsdir, name, 0);
}

/* ---- building a namespace in a child -------------------------------------- */

struct report {
	int r;
	char msg[480];
};

static void child_report(int fd, int r, const char *msg)
{
	struct report rep = {.r = r};
	snprintf(rep.msg, sizeof(rep.msg), "%s", msg ? msg : "");
	if (write(fd, &rep, sizeof(rep)) != sizeof(rep))
		_exit(2);
}

static _Noreturn void child_main(int rep, int go, int cpu, int template_fd, int ipcns_fd,
				 ns_setup_fn setup, void *arg)
{
	char msg[sizeof(((struct report *)0)->msg)] = "";
	/* in the user's pid namespace already (see fork_builder): root of the
	 * host, visible there for a moment, must not be ptrace-able by root
	 * of a repair shell (same uid 0) */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (ipcns_fd >= 0 && setns(ipcns_fd, CLONE_NEWIPC) < 0) {
		child_report(rep, -errno, "joining the cage's IPC namespace");
		_exit(1);
	}
	if (cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	if (template_fd >= 0 && setns(template_fd, CLONE_NEWNS) < 0) {
		child_report(rep, -errno, "joining the template namespace");
		_exit(1);
	}
	if (unshare(CLONE_NEWNS) < 0) {
		child_report(rep, -errno, "unshare(CLONE_NEWNS)");
		_exit(1);
	}
	int r = setup(arg, msg, sizeof(msg));
	child_report(rep, r, msg);
	if (r < 0)
		_exit(1);
	char c;
	while (read(go, &c, 1) < 0 && errno == EINTR)
		; /* EOF: the parent has bound the handle (or gave up) */
	_exit(0);
}

/* Every CPU, not only those the caller is allowed on: the one the caller's
 * namespace was made on may be outside a taskset (a cpuset cgroup still
 * wins: the child then runs unpinned). */
static int online_cpus(int *cpus, int max)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);
	int k = 0;
	for (long c = 0; c < n && c < CPU_SETSIZE && k < max; c++)
		cpus[k++] = (int)c;
	return k;
}

/* Bind /proc/PID/ns/<kind> at nsdir/name. -ELOOP is the kernel's namespace
 * loop check (mount namespaces only): see nsfs_create. */
int nsfs_bind_proc(pid_t pid, const char *kind, int nsdir, const char *name, ino_t *ino)
{
	char src[64];
	snprintf(src, sizeof(src), "/proc/%d/ns/%s", (int)pid, kind);
	struct stat st;
	if (stat(src, &st) < 0)
		return -errno;
	_cleanup_close_ int tree =
	    (int)open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return -errno;
	_cleanup_close_ int f =
	    openat(nsdir, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (f < 0)
		return -errno;
	if (move_mount(tree, "", nsdir, name, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return -errno;
	*ino = st.st_ino;
	return 0;
}

static int reap(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

/* One attempt: 0, -EAGAIN (the loop check refused this CPU's namespace id),
 * or an error set in err. */
/* fork, the child born in the pid namespace pidns_fd (when >= 0): what it
 * mounts as procfs is that namespace's. The caller's own namespace for
 * children is restored at once. */
static pid_t fork_builder(int pidns_fd)
{
	if (pidns_fd < 0)
		return fork();
	_cleanup_close_ int self = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	if (self < 0 || setns(pidns_fd, CLONE_NEWPID) < 0)
		return -1;
	pid_t pid = fork();
	int e = errno;
	if (pid != 0 && setns(self, CLONE_NEWPID) < 0)
		abort(); /* every later child would land in the cage */
	errno = e;
	return pid;
}

static int create_once(int nsdir, int template_fd, const char *name, const struct nsfs_builder *b,
		       int cpu, ino_t *ino, struct uc_error *err)
{
	int rp[2], gp[2];
	if (pipe2(rp, O_CLOEXEC) < 0)
		return uc_fail_errno(err, errno, "pipe");
	if (pipe2(gp, O_CLOEXEC) < 0) {
		close(rp[0]);
		close(rp[1]);
		return uc_fail_errno(err, errno, "pipe");
	}
	fflush(NULL);
	pid_t pid = fork_builder(b->pidns_fd);
	if (pid == 0) {
		close(rp[0]);
		close(gp[1]);
		child_main(rp[1], gp[0], cpu, template_fd, b->ipcns_fd, b->setup, b->arg);
	}
	close(rp[1]);
	close(gp[0]);
	if (pid < 0) {
		close(rp[0]);
		close(gp[1]);
		return uc_fail_errno(err, errno, "fork");
	}
	struct report rep = {.r = -EIO};
	ssize_t n;
	while ((n = read(rp[0], &rep, sizeof(rep))) < 0 && errno == EINTR)
		;
	close(rp[0]);
	int r;
	if (n != (ssize_t)sizeof(rep))
		r = uc_fail(err, UC_INTERNAL, "the namespace builder died");
	else if (rep.r < 0)
		r = uc_fail_errno(err, -rep.r, "%s", rep.msg);
	else if ((r = nsfs_bind_proc(pid, "mnt", nsdir, name, ino)) == -EINVAL || r == -ELOOP)
		r = -EAGAIN; /* the loop check: mount(2) says EINVAL, move_mount ELOOP */
	else if (r < 0)
		r = uc_fail_errno(err, -r, "binding the namespace handle %s", name);
	close(gp[1]); /* lets the builder exit */
	reap(pid);
	return r;
}

/* The CPU that worked last for callers in this mount namespace, kept in
 * nsdir/.cpu-hint as "<namespace inode> <cpu>" so the next process starts
 * there (a failed attempt costs a whole cage build). */
static ino_t self_ns(void)
{
	struct stat st;
	return stat("/proc/self/ns/mnt", &st) == 0 ? st.st_ino : 0;
}

static int hint_read(int nsdir)
{
	char buf[64] = "";
	_cleanup_close_ int fd = openat(nsdir, ".cpu-hint", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	unsigned long long ino;
	int cpu;
	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) <= 0 ||
	    sscanf(buf, "%llu %d", &ino, &cpu) != 2 || (ino_t)ino != self_ns())
		return -1;
	return cpu;
}

static void hint_write(int nsdir, int cpu)
{
	char buf[64];
	int n = snprintf(buf, sizeof(buf), "%llu %d\n", (unsigned long long)self_ns(), cpu);
	_cleanup_close_ int fd = openat(
	    nsdir, ".cpu-hint.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd >= 0 && write(fd, buf, (size_t)n) == n)
		renameat(nsdir, ".cpu-hint.tmp", nsdir, ".cpu-hint");
}

/* Linux 6.18 refuses to bind a namespace handle whose id is not newer than
 * the caller's namespace (the loop check), and hands ids out in per-CPU
 * batches: a namespace made on another CPU than the one the caller's
 * namespace was made on can get a smaller id. Ids only grow on each CPU, so
 * one attempt per CPU always finds one that works; a few more cover a
 * cpuset that forbids it (the batches move on). */
int nsfs_create(int nsdir, int template_fd, const char *name, const struct nsfs_builder *b,
		ino_t *ino, struct uc_error *err)
{
	int cpus[CPU_SETSIZE];
	int ncpu = online_cpus(cpus, CPU_SETSIZE);
	int hint = hint_read(nsdir), start = 0;
	for (int i = 0; i < ncpu; i++)
		if (cpus[i] == hint)
			start = i;
	int attempts = ncpu + 64;
	for (int i = 0; i < attempts; i++) {
		int cpu = ncpu > 0 ? cpus[(start + i) % ncpu] : -1;
		int r = b->prepare ? b->prepare(b->arg, err) : 0;
		if (r == 0)
			r = create_once(nsdir, template_fd, name, b, cpu, ino, err);
		if (b->discard)
			b->discard(b->arg);
		if (r != -EAGAIN) {
			if (r == 0 && cpu != hint && cpu >= 0)
				hint_write(nsdir, cpu);
			return r;
		}
		nsfs_cpu_retries++;
		unlinkat(nsdir, name, 0);
		uc_debug(UC_AREA_NS, "binding %s refused (namespace id below ours, CPU %d): again",
			 name, cpu);
	}
	return uc_fail(err, UC_INTERNAL,
		       "the kernel refused to bind the namespace handle %s on every CPU (%d tries)",
		       name, attempts);
}

/* ---- the template --------------------------------------------------------- */

static int template_setup(void *arg, char *msg, size_t size)
{
	(void)arg;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return snprintf(msg, size, "making the copy private"), -errno;
	int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return snprintf(msg, size, "fsopen(tmpfs)"), -errno;
	if (fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0755", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "size", "64k", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return snprintf(msg, size, "template tmpfs"), -errno;
	int m =
	    fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	close(fs);
	if (m < 0)
		return snprintf(msg, size, "fsmount(tmpfs)"), -errno;
	if (mkdirat(m, "r", 0755) < 0)
		return snprintf(msg, size, "template /r"), -errno;
	if (move_mount(m, "", AT_FDCWD, "/", MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return snprintf(msg, size, "attaching the template root"), -errno;
	if (fchdir(m) < 0 || syscall(SYS_pivot_root, ".", ".") < 0)
		return snprintf(msg, size, "pivot_root into the template"), -errno;
	if (umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		return snprintf(msg, size, "detaching the host's mounts"), -errno;
	struct mount_attr ma = {.attr_set = MOUNT_ATTR_RDONLY};
	if (mount_setattr(AT_FDCWD, "/", 0, &ma, sizeof(ma)) < 0)
		return snprintf(msg, size, "template read-only"), -errno;
	close(m);
	return 0;
}

int nsfs_template(const struct uc_config *cfg, int nsdir, struct uc_error *err)
{
	(void)cfg;
	int fd = openat(nsdir, NSFS_TEMPLATE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 && nsfs_is_bound(nsdir, NSFS_TEMPLATE, NULL))
		return fd;
	if (fd >= 0)
		close(fd);
	_cleanup_close_ int lk =
	    uc_lock_take(nsdir, ".template.lock", "the namespace template", UC_LOCK_WAIT, err);
	if (lk < 0)
		return lk;
	if (!nsfs_is_bound(nsdir, NSFS_TEMPLATE, NULL)) { /* not built meanwhile */
		ino_t ino;
		struct nsfs_builder b = {.setup = template_setup, .pidns_fd = -1, .ipcns_fd = -1};
		int r = nsfs_create(nsdir, -1, NSFS_TEMPLATE, &b, &ino, err);
		if (r < 0)
			return r;
	}
	fd = openat(nsdir, NSFS_TEMPLATE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return uc_fail_errno(err, errno, "the namespace template");
	return fd;
}

void nsfs_shutdown(const struct uc_config *cfg)
{
	char dir[PATH_MAX];
	if (statepath_ns_dir(cfg, dir, sizeof(dir)) < 0)
		return;
	_cleanup_close_ int nsdir = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (nsdir < 0)
		return;
	DIR *d = path_opendir_at(nsdir, NULL);
	if (!d)
		return;
	bool busy = false;
	struct dirent *de;
	while (!busy && (de = readdir(d)))
		busy = de->d_name[0] != '.' && nsfs_is_bound(nsdir, de->d_name, NULL);
	closedir(d);
	if (busy)
		return;
	nsfs_release(nsdir, NSFS_TEMPLATE);
	struct statx stx;
	if (statx(AT_FDCWD, dir, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) == 0 &&
	    (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
		umount2(dir, MNT_DETACH | UMOUNT_NOFOLLOW);
}
