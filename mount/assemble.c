#include "mount/assemble.h"

#include "lib/cleanup.h"
#include "lib/array.h"
#include "lib/log.h"
#include "lib/path.h"
#include "lib/statepath.h"
#include "mount/etc.h"
#include "mount/nsfs.h"
#include "lib/proxypaths.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define ATTR_BIND (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)

/* Mounts made by the builder child itself: it is in the user's pid and
 * IPC namespaces, and a procfs or mqueue belongs to the namespace of the
 * process that creates it. */
enum attach_kind {
	ATTACH_FD,     /* fd: made in the caller */
	ATTACH_PROC,   /* the pid namespace's procfs, then its masks */
	ATTACH_MQUEUE, /* the IPC namespace's POSIX message queues */
};

/* One detached mount and where it goes in the cage. */
struct attach {
	int fd;
	enum attach_kind kind;
	char path[PATH_MAX]; /* absolute, inside the cage */
	bool create;	     /* make the mount point (overlay mode: in upper/) */
	unsigned order;	     /* tie-break: built-in mounts before cage.mp ones */
};

struct plan {
	int root;
	struct attach *v;
	size_t n, cap;
	char *msg;
	size_t msgsize;
};

static void plan_release(struct plan *p)
{
	if (p->root >= 0)
		close(p->root);
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].fd >= 0)
			close(p->v[i].fd);
	free(p->v);
}

static int plan_push(struct plan *p, int fd, enum attach_kind kind, const char *path, bool create)
{
	if (UC_GROW(&p->v, &p->cap, p->n + 1) < 0) {
		if (fd >= 0)
			close(fd);
		return -ENOMEM;
	}
	struct attach *a = &p->v[p->n];
	a->fd = fd;
	a->kind = kind;
	a->create = create;
	a->order = (unsigned)p->n;
	snprintf(a->path, sizeof(a->path), "%s", path);
	p->n++;
	return 0;
}

static int plan_add(struct plan *p, int fd, const char *path, bool create)
{
	return fd < 0 ? fd : plan_push(p, fd, ATTACH_FD, path, create);
}

/* Parents before children; equal paths keep their order (a cage.mp line may
 * stack on a built-in mount). */
static int attach_cmp(const void *a, const void *b)
{
	const struct attach *x = a, *y = b;
	int c = strcmp(x->path, y->path);
	return c ? c : (x->order > y->order) - (x->order < y->order);
}

/* ---- detached mounts, made in the caller's namespace ---------------------- */

/* The fs context's own messages ("e overlayfs: ...") say why a mount failed. */
static void fs_messages(int fs, char *msg, size_t size)
{
	char buf[512];
	ssize_t n;
	size_t len = strlen(msg);
	while ((n = read(fs, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		if (buf[n - 1] == '\n')
			buf[n - 1] = '\0';
		if (len + 4 < size)
			len += (size_t)snprintf(msg + len, size - len, " (%s)", buf + 2);
	}
}

static int fs_mount(const char *type, const char *const *opts, unsigned attrs, struct plan *p)
{
	_cleanup_close_ int fs = fsopen(type, FSOPEN_CLOEXEC);
	if (fs < 0)
		return snprintf(p->msg, p->msgsize, "fsopen(%s)", type), -errno;
	for (size_t i = 0; opts[i]; i += 2) {
		int r = opts[i + 1] ? fsconfig(fs, FSCONFIG_SET_STRING, opts[i], opts[i + 1], 0)
				    : fsconfig(fs, FSCONFIG_SET_FLAG, opts[i], NULL, 0);
		if (r < 0) {
			int e = errno;
			snprintf(p->msg, p->msgsize, "%s option %s", type, opts[i]);
			fs_messages(fs, p->msg, p->msgsize);
			return -e;
		}
	}
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		int e = errno;
		snprintf(p->msg, p->msgsize, "creating the %s mount", type);
		fs_messages(fs, p->msg, p->msgsize);
		return -e;
	}
	int m = fsmount(fs, FSMOUNT_CLOEXEC, attrs);
	if (m < 0)
		return snprintf(p->msg, p->msgsize, "fsmount(%s)", type), -errno;
	return m;
}

/* A detached copy of the directory at dfd (recursive: what is mounted below
 * it comes along), made nosuid, nodev (and read-only). */
static int clone_dir(int dfd, bool recursive, bool ro, struct plan *p, const char *what)
{
	unsigned fl = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH;
	int m = (int)open_tree(dfd, "", fl | (recursive ? AT_RECURSIVE : 0));
	if (m < 0)
		return snprintf(p->msg, p->msgsize, "cloning %s", what), -errno;
	struct mount_attr ma = {.attr_set = ATTR_BIND | (ro ? MOUNT_ATTR_RDONLY : 0)};
	if (mount_setattr(m, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &ma, sizeof(ma)) <
	    0) {
		int e = errno;
		close(m);
		return snprintf(p->msg, p->msgsize, "nosuid,nodev on %s", what), -e;
	}
	return m;
}

static int clone_path(const char *path, bool ro, struct plan *p)
{
	_cleanup_close_ int d = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d < 0)
		return snprintf(p->msg, p->msgsize, "%s", path), -errno;
	return clone_dir(d, false, ro, p, path);
}

/* overlayfs special characters in a legacy lowerdir string. */
static void escape_layer(char *out, size_t size, const char *in)
{
	size_t o = 0;
	for (; *in && o + 2 < size; in++) {
		if (*in == ':' || *in == ',' || *in == '\\')
			out[o++] = '\\';
		out[o++] = *in;
	}
	out[o] = '\0';
}

static int overlay_root(const struct cage_spec *s, const char *cdir, struct plan *p)
{
	char stubs[PATH_MAX], objects[PATH_MAX], upper[PATH_MAX], work[PATH_MAX];
	if (statepath_gen_file(s->cfg, s->gen, "stubs", stubs, sizeof(stubs)) < 0 ||
	    statepath_objects(s->cfg, objects, sizeof(objects)) < 0)
		return snprintf(p->msg, p->msgsize, "%.200s...", s->cfg->state_dir), -ENAMETOOLONG;
	if (path_join(upper, sizeof(upper), cdir, "upper") < 0 ||
	    path_join(work, sizeof(work), cdir, "work") < 0)
		return snprintf(p->msg, p->msgsize, "%s", cdir), -ENAMETOOLONG;
	/* upper/ is the cage's "/": 0755 root; work/ is the kernel's */
	if ((mkdir(upper, 0755) < 0 && errno != EEXIST) ||
	    (mkdir(work, 0700) < 0 && errno != EEXIST))
		return snprintf(p->msg, p->msgsize, "%s", upper), -errno;
	size_t wl = strlen(work);
	snprintf(work + wl, sizeof(work) - wl, "/%u", s->slot);
	if (mkdir(work, 0700) < 0 && errno != EEXIST)
		return snprintf(p->msg, p->msgsize, "%s", work), -errno;
	/* lowerdir+/datadir+ (6.7+) take any path; older kernels get the
	 * escaped legacy string */
	const char *plus[] = {"source",	  "unicage", "lowerdir+", stubs, "datadir+", objects,
			      "upperdir", upper,     "workdir",	  work,	 NULL};
	int m = fs_mount("overlay", plus, ATTR_BIND, p);
	if (m >= 0 || m != -EINVAL)
		return m;
	char es[PATH_MAX * 2], eo[PATH_MAX * 2], lower[PATH_MAX * 4 + 8];
	escape_layer(es, sizeof(es), stubs);
	escape_layer(eo, sizeof(eo), objects);
	snprintf(lower, sizeof(lower), "%s::%s", es, eo);
	const char *legacy[] = {"source", "unicage", "lowerdir", lower, "upperdir",
				upper,	  "workdir", work,	 NULL};
	return fs_mount("overlay", legacy, ATTR_BIND, p);
}

/* ---- the user's directories ----------------------------------------------- */

static int user_subdir(int dfd, const char *name, const struct uc_user *u, mode_t mode, char *msg,
		       size_t size)
{
	bool made = false;
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		if (mkdirat(dfd, name, 0700) < 0 && errno != EEXIST)
			return snprintf(msg, size, "creating %s", name), -errno;
		made = true;
		fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0) {
		int e = errno;
		snprintf(msg, size, "%s is %s", name,
			 e == ELOOP || e == ENOTDIR ? "a symlink or not a directory: refused"
						    : "not usable");
		return e == ELOOP || e == ENOTDIR ? -EPERM : -e;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || st.st_uid != u->uid) {
		close(fd);
		snprintf(msg, size, "%s is not %s's own directory: refused", name, u->name);
		return -EPERM;
	}
	if (made && fchmod(fd, mode) < 0) {
		int e = errno;
		close(fd);
		return snprintf(msg, size, "chmod %s", name), -e;
	}
	return fd;
}

int assemble_user_dir(int homefd, const struct uc_user *u, const char *rel, mode_t mode, char *msg,
		      size_t size)
{
	/* the user's fsuid: whatever happens in the home happens with the
	 * user's own rights, never root's */
	setfsgid(u->gid);
	setfsuid(u->uid);
	if ((uid_t)setfsuid((uid_t)-1) != u->uid || (gid_t)setfsgid((gid_t)-1) != u->gid) {
		setfsuid(0);
		setfsgid(0);
		return snprintf(msg, size, "cannot take %s's fsuid", u->name), -EPERM;
	}
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), ".unicage/%s", rel);
	int fd = dup(homefd);
	int r = fd < 0 ? -errno : 0;
	char *save = NULL;
	for (char *c = strtok_r(buf, "/", &save); r == 0 && c; c = strtok_r(NULL, "/", &save)) {
		bool last = save == NULL || *save == '\0';
		int next = user_subdir(fd, c, u, last ? mode : 0700, msg, size);
		close(fd);
		fd = next;
		r = next < 0 ? next : 0;
	}
	setfsuid(0);
	setfsgid(0);
	return r < 0 ? r : fd;
}

/* ---- the plan ------------------------------------------------------------- */

static int add_home(const struct cage_spec *s, int sysroot, int *homefd, struct plan *p)
{
	const char *home = s->u->home;
	if (!path_is_clean_absolute(home) || !strcmp(home, "/"))
		return snprintf(p->msg, p->msgsize, "%s's home '%s' is not a clean absolute path",
				s->u->name, home),
		       -EINVAL;
	*homefd =
	    path_open_in_root(sysroot, home, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
	if (*homefd < 0)
		return snprintf(p->msg, p->msgsize, "%s's home %s", s->u->name, home), *homefd;
	if (s->mode == UC_CAGE_BIND) {
		/* a read-only root has no /home/<user>: a tmpfs over the parent
		 * holding only the user's mount point (it hides the others too) */
		char parent[PATH_MAX], leaf[NAME_MAX + 1];
		snprintf(parent, sizeof(parent), "%s", home);
		char *sl = strrchr(parent, '/');
		snprintf(leaf, sizeof(leaf), "%s", sl + 1);
		if (sl == parent)
			sl[1] = '\0';
		else
			*sl = '\0';
		const char *opts[] = {"mode", "0755", "size", "64k", NULL};
		int t = fs_mount("tmpfs", opts, ATTR_BIND | MOUNT_ATTR_NOEXEC, p);
		if (t < 0)
			return t;
		struct mount_attr ma = {.attr_set = MOUNT_ATTR_RDONLY};
		if (mkdirat(t, leaf, 0755) < 0 ||
		    mount_setattr(t, "", AT_EMPTY_PATH, &ma, sizeof(ma)) < 0) {
			close(t);
			return snprintf(p->msg, p->msgsize, "home mount point"), -errno;
		}
		int r = plan_add(p, t, parent, false);
		if (r < 0)
			return r;
	}
	return plan_add(p, clone_dir(*homefd, true, false, p, home), home, s->mode != UC_CAGE_BIND);
}

static int add_tmp(const struct cage_spec *s, int homefd, struct plan *p)
{
	_cleanup_close_ int t = assemble_user_dir(homefd, s->u, "tmp", 01777, p->msg, p->msgsize);
	if (t < 0) {
		char m[256];
		snprintf(m, sizeof(m), "%s", p->msg);
		snprintf(p->msg, p->msgsize, "%s/.unicage: %s", s->u->home, m);
		return t;
	}
	int r = plan_add(p, clone_dir(t, false, false, p, "~/.unicage/tmp"), "/tmp", true);
	if (r == 0)
		r = plan_add(p, clone_dir(t, false, false, p, "~/.unicage/tmp"), "/var/tmp", true);
	return r;
}

static int add_dev(const struct cage_spec *s, struct plan *p)
{
	static const struct {
		const char *name;
		unsigned major, minor;
	} nodes[] = {{"null", 1, 3},   {"zero", 1, 5},	  {"full", 1, 7},
		     {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};
	static const char *const links[][2] = {{"ptmx", "pts/ptmx"},
					       {"fd", "/proc/self/fd"},
					       {"stdin", "/proc/self/fd/0"},
					       {"stdout", "/proc/self/fd/1"},
					       {"stderr", "/proc/self/fd/2"}};
	const char *opts[] = {"mode", "0755", "size", "64m", "nr_inodes", "16384", NULL};
	int d = fs_mount("tmpfs", opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, p);
	if (d < 0)
		return d;
	for (size_t i = 0; i < UC_ARRAY_SIZE(nodes); i++)
		if (mknodat(d, nodes[i].name, S_IFCHR | 0666,
			    makedev(nodes[i].major, nodes[i].minor)) < 0 ||
		    fchmodat(d, nodes[i].name, 0666, 0) < 0)
			goto fail;
	for (size_t i = 0; i < UC_ARRAY_SIZE(links); i++)
		if (symlinkat(links[i][1], d, links[i][0]) < 0)
			goto fail;
	/* bind mode's read-only root has no /run/unicage/proxy: the proxy's
	 * socket directory goes here (add_proxy) */
	if (s->mode == UC_CAGE_BIND && mkdirat(d, "unicage-proxy", 0755) < 0)
		goto fail;
	if (mkdirat(d, "pts", 0755) < 0 || mkdirat(d, "mqueue", 0755) < 0 ||
	    mkdirat(d, "shm", 0700) < 0 || fchmodat(d, "shm", 01777, 0) < 0)
		goto fail;
	int r = plan_add(p, d, "/dev", true);
	if (r < 0)
		return r;
	const char *pts[] = {"newinstance", NULL, "ptmxmode", "0666", "mode", "0620", NULL};
	return plan_add(p, fs_mount("devpts", pts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, p),
			"/dev/pts", false);
fail:;
	int e = errno;
	close(d);
	return snprintf(p->msg, p->msgsize, "populating /dev"), -e;
}

/* %/path: a read-only tmpfs holding only <user>/, the host's /path/<user>
 * bound on it (when it exists). */
static int add_split(const struct cage_spec *s, int sysroot, const struct mp_entry *e,
		     struct plan *p)
{
	const char *opts[] = {"mode", "0755", "size", "64k", NULL};
	int t = fs_mount("tmpfs", opts, ATTR_BIND | MOUNT_ATTR_NOEXEC, p);
	if (t < 0)
		return t;
	struct mount_attr ma = {.attr_set = MOUNT_ATTR_RDONLY};
	if (mkdirat(t, s->u->name, 0755) < 0 ||
	    mount_setattr(t, "", AT_EMPTY_PATH, &ma, sizeof(ma)) < 0) {
		int er = errno;
		close(t);
		return snprintf(p->msg, p->msgsize, "split mount %s", e->path), -er;
	}
	int r = plan_add(p, t, e->path, true);
	char sub[PATH_MAX];
	snprintf(sub, sizeof(sub), "%s/%s", e->path, s->u->name);
	_cleanup_close_ int d =
	    r < 0
		? -1
		: path_open_in_root(sysroot, sub, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
	if (r == 0 && d >= 0)
		r = plan_add(p, clone_dir(d, true, false, p, sub), sub, false);
	return r;
}

static int add_mp(const struct cage_spec *s, int sysroot, int homefd, struct plan *p)
{
	for (size_t i = 0; s->mp && i < s->mp->n; i++) {
		const struct mp_entry *e = &s->mp->v[i];
		int r = 0;
		if (e->kind == MP_SPLIT) {
			r = add_split(s, sysroot, e, p);
		} else if (e->kind == MP_PERUSER) {
			_cleanup_close_ int d = assemble_user_dir(homefd, s->u, e->path + 1,
								  e->mode, p->msg, p->msgsize);
			r = d < 0 ? d
				  : plan_add(p, clone_dir(d, false, false, p, e->path), e->path,
					     true);
		} else {
			_cleanup_close_ int d = path_open_in_root(
			    sysroot, e->path, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
			if (d == -ENOENT) {
				uc_log(UC_LOG_WARN,
				       "cage.mp: %s does not exist on the host: not mounted",
				       e->path);
				continue;
			}
			if (d == -ENOTDIR) {
				snprintf(
				    p->msg, p->msgsize,
				    "cage.mp: %s is not a directory (only directories are bound)",
				    e->path);
				return -EINVAL;
			}
			r = d < 0 ? (snprintf(p->msg, p->msgsize, "cage.mp: %s", e->path), d)
				  : plan_add(p,
					     clone_dir(d, true, e->kind == MP_READONLY, p, e->path),
					     e->path, true);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* unicage-proxyd's socket directory, run_dir/proxy, read-only at
 * /run/unicage/proxy (doc/proxy.md, "The socket"): one path in every cage,
 * and the directory (not the socket) is bound, so a restarted daemon's new
 * socket is seen by cages built before. Bind mode's read-only root cannot
 * take a new mount point: there it is /dev/unicage-proxy (the cage's own
 * /dev), where the wrapper looks second. */
static int add_proxy(const struct cage_spec *s, struct plan *p)
{
	char dir[PATH_MAX];
	struct stat st;
	if (statepath_proxy_dir(s->cfg, dir, sizeof(dir)) < 0)
		return snprintf(p->msg, p->msgsize, "%.200s...", s->cfg->run_dir), -ENAMETOOLONG;
	if ((mkdir(s->cfg->run_dir, 0755) < 0 && errno != EEXIST) ||
	    (mkdir(dir, 0755) < 0 && errno != EEXIST) || lstat(dir, &st) < 0)
		return snprintf(p->msg, p->msgsize, "%s", dir), -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022))
		return snprintf(p->msg, p->msgsize, "%s is not root's own directory", dir), -EPERM;
	return plan_add(p, clone_path(dir, true, p),
			s->mode == UC_CAGE_BIND ? PROXY_SOCKET_DIR_BIND_MODE
						: PROXY_SOCKET_DIR_IN_CAGE,
			s->mode != UC_CAGE_BIND);
}

static int make_plan(const struct cage_spec *s, struct plan *p)
{
	char cdir[PATH_MAX], etc[PATH_MAX];
	int r = etc_cage_dir_path(s->cfg, s->u, cdir, sizeof(cdir));
	if (r < 0)
		return snprintf(p->msg, p->msgsize, "cage directory"), r;
	if (s->mode == UC_CAGE_OVERLAY) {
		p->root = overlay_root(s, cdir, p);
	} else {
		char tree[PATH_MAX];
		if (statepath_gen_file(s->cfg, s->gen, "tree", tree, sizeof(tree)) < 0)
			return snprintf(p->msg, p->msgsize, "%.200s...", s->cfg->state_dir),
			       -ENAMETOOLONG;
		p->root = clone_path(tree, true, p);
	}
	if (p->root < 0)
		return p->root;
	if (path_join(etc, sizeof(etc), cdir, "etc") < 0)
		return snprintf(p->msg, p->msgsize, "%s", cdir), -ENAMETOOLONG;
	if ((r = plan_add(p, clone_path(etc, true, p), "/etc", true)) < 0)
		return r;
	_cleanup_close_ int sysroot = open(s->cfg->sysroot, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (sysroot < 0)
		return snprintf(p->msg, p->msgsize, "sysroot %s", s->cfg->sysroot), -errno;
	_cleanup_close_ int homefd = -1;
	if ((r = add_home(s, sysroot, &homefd, p)) < 0 || (r = add_tmp(s, homefd, p)) < 0)
		return r;
	r = plan_push(p, -1, ATTACH_PROC, "/proc", true);
	if (r < 0 || (r = add_dev(s, p)) < 0 ||
	    (r = plan_push(p, -1, ATTACH_MQUEUE, "/dev/mqueue", false)) < 0 ||
	    (r = add_mp(s, sysroot, homefd, p)) < 0 || (r = add_proxy(s, p)) < 0)
		return r;
	qsort(p->v, p->n, sizeof(*p->v), attach_cmp);
	return 0;
}

/* ---- in the child: attach, pivot ------------------------------------------ */

/* The mount point for path below rootfd, one component at a time, never
 * following a link (a cage's upper is writable by its root, a home by its
 * user). */
static int open_target(int rootfd, const char *path, bool create)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", path + 1);
	int fd = dup(rootfd);
	char *save = NULL;
	for (char *c = strtok_r(buf, "/", &save); fd >= 0 && c; c = strtok_r(NULL, "/", &save)) {
		int next = openat(fd, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT && create) {
			if (mkdirat(fd, c, 0755) == 0 || errno == EEXIST)
				next = openat(fd, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		int e = errno;
		close(fd);
		fd = next;
		errno = e;
	}
	return fd < 0 ? -errno : fd;
}

static int slave(int m)
{
	struct mount_attr ma = {.propagation = MS_SLAVE};
	return mount_setattr(m, "", AT_EMPTY_PATH, &ma, sizeof(ma));
}

/* ---- in the child: the pid namespace's /proc, the IPC namespace's mqueue -- */

/* What a hosting user (or root of a repair shell, uid 0 of the host in a
 * user namespace: the owner of every root-owned file) has no business
 * reading or writing in /proc. runc's and moby's default lists (masked:
 * asound acpi kcore keys latency_stats timer_list timer_stats sched_debug
 * scsi interrupts; read-only: bus fs irq sys sysrq-trigger) plus key-users
 * (every uid that holds keys), kallsyms, kmsg and kpage* (physical page
 * flags: read by DAC alone, no capability asked). Files are covered by an
 * empty read-only file, directories by an empty read-only directory or
 * bound read-only on themselves. Names this kernel does not have are
 * skipped. */
static const char *const proc_masked[] = {
    "kcore",	   "keys",	    "key-users",     "timer_list", "timer_stats",
    "sched_debug", "kallsyms",	    "kmsg",	     "kpagecount", "kpageflags",
    "kpagecgroup", "latency_stats", "sysrq-trigger", "interrupts", NULL};
static const char *const proc_masked_dirs[] = {"acpi", "asound", "scsi", NULL};
static const char *const proc_readonly[] = {"sys", "irq", "bus", "fs", NULL};

#define ATTR_PROC (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)

static int over(int src, int dir, const char *name)
{
	struct mount_attr ma = {.attr_set = ATTR_PROC | MOUNT_ATTR_RDONLY};
	_cleanup_close_ int t = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (t < 0)
		return errno == ENOENT ? 0 : -errno;
	if (mount_setattr(src, "", AT_EMPTY_PATH, &ma, sizeof(ma)) < 0 ||
	    move_mount(src, "", t, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return -errno;
	return 0;
}

/* An empty file and an empty directory to mask with: a tiny tmpfs of the
 * cage's own (nodev: /dev/null could not serve), one superblock for all. */
static int mask_source(struct plan *p)
{
	const char *opts[] = {"mode", "0555", "size", "4k", "nr_inodes", "4", NULL};
	int t = fs_mount("tmpfs", opts, ATTR_PROC, p);
	if (t < 0)
		return t;
	int f = openat(t, "empty", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (f < 0 || mkdirat(t, "empty.d", 0555) < 0) {
		int e = errno;
		if (f >= 0)
			close(f);
		close(t);
		return snprintf(p->msg, p->msgsize, "the /proc masks"), -e;
	}
	close(f);
	return t;
}

static int mask_with(int src, const char *what, int procfd, const char *const *names,
		     struct plan *p)
{
	for (size_t i = 0; names[i]; i++) {
		_cleanup_close_ int m =
		    (int)open_tree(src, what, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		int r = m < 0 ? -errno : over(m, procfd, names[i]);
		if (r < 0)
			return snprintf(p->msg, p->msgsize, "masking /proc/%s", names[i]), r;
	}
	return 0;
}

static int mask_proc(int procfd, struct plan *p)
{
	_cleanup_close_ int src = mask_source(p);
	int r = src < 0 ? src : mask_with(src, "empty", procfd, proc_masked, p);
	if (r == 0)
		r = mask_with(src, "empty.d", procfd, proc_masked_dirs, p);
	if (r < 0)
		return r;
	for (size_t i = 0; proc_readonly[i]; i++) {
		_cleanup_close_ int m =
		    (int)open_tree(procfd, proc_readonly[i], OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		r = m < 0 ? (errno == ENOENT ? 0 : -errno) : over(m, procfd, proc_readonly[i]);
		if (r < 0)
			return snprintf(p->msg, p->msgsize, "/proc/%s read-only", proc_readonly[i]),
			       r;
	}
	return 0;
}

/* No hidepid: the pid namespace already holds the user's processes only
 * (and her init and root's repair sessions). hidepid asks ptrace access,
 * which Landlock refuses between two sessions of the same user (each
 * entry is a Landlock domain of its own: enter/sandbox.h), so a session
 * would not see what she started in another. */
static int make_child_mount(struct attach *a, struct plan *p)
{
	const char *proc[] = {NULL};
	const char *none[] = {NULL};
	if (a->kind == ATTACH_PROC)
		a->fd = fs_mount("proc", proc, ATTR_PROC, p);
	else
		a->fd = fs_mount("mqueue", none, ATTR_PROC, p);
	return a->fd < 0 ? a->fd : 0;
}

static int attach_one(int rootfd, struct attach *a, struct plan *p)
{
	int r = a->kind == ATTACH_FD ? 0 : make_child_mount(a, p);
	if (r < 0)
		return r;
	_cleanup_close_ int t = open_target(rootfd, a->path, a->create);
	if (t < 0)
		return snprintf(p->msg, p->msgsize, "mount point %s%s", a->path,
				t == -ELOOP || t == -ENOTDIR ? " is a symlink or not a directory"
				: t == -ENOENT		     ? " does not exist in the skeleton"
							     : ""),
		       t;
	if (move_mount(a->fd, "", t, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0 ||
	    slave(a->fd) < 0)
		return snprintf(p->msg, p->msgsize, "mounting %s", a->path), -errno;
	if (a->kind == ATTACH_PROC) {
		/* t is the mount point below; the procfs is on top of it now */
		_cleanup_close_ int top = open_target(rootfd, a->path, false);
		return top < 0 ? (snprintf(p->msg, p->msgsize, "%s", a->path), top)
			       : mask_proc(top, p);
	}
	return 0;
}

static int cage_setup(void *arg, char *msg, size_t size)
{
	struct plan *p = arg;
	p->msg = msg;
	p->msgsize = size;
	if (move_mount(p->root, "", AT_FDCWD, "/r", MOVE_MOUNT_F_EMPTY_PATH) < 0 ||
	    slave(p->root) < 0)
		return snprintf(msg, size, "attaching the cage's root"), -errno;
	int rootfd = open("/r", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return snprintf(msg, size, "the cage's root"), -errno;
	for (size_t i = 0; i < p->n; i++) {
		int r = attach_one(rootfd, &p->v[i], p);
		if (r < 0)
			return r;
	}
	/* setns(2) into this namespace lands in the cage's root only after a
	 * real pivot_root (a chroot would leave the template as the root) */
	if (fchdir(rootfd) < 0 || syscall(SYS_pivot_root, ".", ".") < 0)
		return snprintf(msg, size, "pivot_root into the cage"), -errno;
	if (umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		return snprintf(msg, size, "detaching the template"), -errno;
	close(rootfd);
	return 0;
}

struct build {
	const struct cage_spec *s;
	struct plan p;
	char msg[480];
};

static int build_prepare(void *arg, struct uc_error *err)
{
	struct build *b = arg;
	b->p = (struct plan){.root = -1, .msg = b->msg, .msgsize = sizeof(b->msg)};
	b->msg[0] = '\0';
	int r = make_plan(b->s, &b->p);
	if (r < 0)
		return uc_fail_errno(err, -r, "%s", b->msg);
	return 0;
}

static void build_discard(void *arg)
{
	struct build *b = arg;
	plan_release(&b->p);
}

static int build_setup(void *arg, char *msg, size_t size)
{
	struct build *b = arg;
	return cage_setup(&b->p, msg, size);
}

int assemble_cage(const struct cage_spec *s, int nsdir, int template_fd, const char *name,
		  ino_t *ino, struct uc_error *err)
{
	struct build b = {.s = s};
	struct nsfs_builder nb = {.setup = build_setup,
				  .prepare = build_prepare,
				  .discard = build_discard,
				  .arg = &b,
				  .pidns_fd = s->pidns_fd,
				  .ipcns_fd = s->ipcns_fd};
	int r = nsfs_create(nsdir, template_fd, name, &nb, ino, err);
	return r < 0 ? uc_error_prefix(err, r, "cage of %s", s->u->name) : r;
}
