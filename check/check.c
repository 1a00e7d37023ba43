#include "check/check.h"
#include "check/cagefs.h"
#include "check/cronpam.h"
#include "mount/lifecycle.h"

#include "enter/landlock.h"
#include "mount/treeswap.h"
#include "lib/strv.h"

#include "lib/cleanup.h"
#include "lib/objkey.h"
#include "lib/path.h"
#include "lib/statepath.h"
#include "lib/store.h"
#include "lib/strv.h"
#include "lib/users.h"
#include "lib/xattrs.h"
#include "mount/cagemp.h"
#include "mount/mode.h"
#include "mount/slots.h"
#include "mount/policy.h"
#include "skel/conf.h"
#include "rpmscan/rpmscan.h"
#include "skel/current.h"
#include "skel/elfdeps.h"
#include "skel/elfscan.h"
#include "skel/manifest.h"
#include "skel/wanted.h"

#include <gelf.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

const char *check_result_name(enum check_result r)
{
	return r == CHECK_OK	   ? "OK"
	       : r == CHECK_FAILED ? "FAILED"
	       : r == CHECK_WARN   ? "WARN"
				   : "SKIPPED";
}

static void add(struct check_report *rep, const char *name, enum check_result res, const char *fmt,
		...) __attribute__((format(printf, 4, 5)));

/* A path of the state that does not fit in PATH_MAX: the item fails, saying so. */
static void add_too_long(struct check_report *rep, const char *name, const char *start)
{
	add(rep, name, CHECK_FAILED, "%.200s...: %s", start, strerror(ENAMETOOLONG));
}

static void add(struct check_report *rep, const char *name, enum check_result res, const char *fmt,
		...)
{
	struct check_item *v = realloc(rep->v, (rep->n + 1) * sizeof(*v));
	if (!v)
		return;
	rep->v = v;
	struct check_item *it = &v[rep->n++];
	snprintf(it->name, sizeof(it->name), "%s", name);
	it->result = res;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(it->detail, sizeof(it->detail), fmt, ap);
	va_end(ap);
}

void check_report_release(struct check_report *rep)
{
	free(rep->v);
	rep->v = NULL;
	rep->n = 0;
}

bool check_failed(const struct check_report *rep)
{
	for (size_t i = 0; i < rep->n; i++)
		if (rep->v[i].result == CHECK_FAILED)
			return true;
	return false;
}

/* ---- kernel ----------------------------------------------------------------- */

static void check_overlay(const struct uc_config *cfg, struct check_report *rep)
{
	char dir[PATH_MAX], why[512];
	if (mkdir(cfg->run_dir, 0755) < 0 && errno != EEXIST) {
		add(rep, "kernel: overlay data-only layers", CHECK_SKIPPED, "%s: %s", cfg->run_dir,
		    strerror(errno));
		return;
	}
	if (path_fmt(dir, sizeof(dir), "%s/check.%d", cfg->run_dir, (int)getpid()) < 0) {
		add_too_long(rep, "kernel: overlay data-only layers", cfg->run_dir);
		return;
	}
	int r = mode_probe(dir, true, why, sizeof(why));
	add(rep, "kernel: overlay data-only layers", r == 0 ? CHECK_OK : CHECK_FAILED, "%s", why);
	r = mode_probe(dir, false, why, sizeof(why));
	add(rep, "kernel: data-only layers without metacopy", r == 0 ? CHECK_OK : CHECK_FAILED,
	    "%s", why);
}

static void check_mount_api(struct check_report *rep)
{
	_cleanup_close_ int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
	int m = -1;
	if (fs >= 0 && fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
		m = fsmount(fs, FSMOUNT_CLOEXEC, 0);
	if (m >= 0) {
		close(m);
		add(rep, "kernel: new mount API", CHECK_OK, "fsopen, fsconfig, fsmount work");
	} else {
		add(rep, "kernel: new mount API", CHECK_FAILED, "%s", strerror(errno));
	}
}

static void check_openat2(struct check_report *rep)
{
	struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_BENEATH};
	int fd = (int)syscall(SYS_openat2, AT_FDCWD, ".", &how, sizeof(how));
	if (fd >= 0) {
		close(fd);
		add(rep, "kernel: openat2", CHECK_OK, "RESOLVE_BENEATH works");
	} else {
		add(rep, "kernel: openat2", CHECK_FAILED,
		    "%s (the checked fallback walk is used instead)", strerror(errno));
	}
}

static void check_immutable(const struct uc_config *cfg, struct check_report *rep)
{
	const char *name = "kernel: FS_IMMUTABLE_FL on the store";
	char tmp[PATH_MAX], f[64];
	if (statepath_store_tmp(cfg, tmp, sizeof(tmp)) < 0) {
		add_too_long(rep, name, cfg->state_dir);
		return;
	}
	_cleanup_close_ int d = open(tmp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d < 0) {
		add(rep, name, CHECK_SKIPPED, "no store yet (%s)", tmp);
		return;
	}
	snprintf(f, sizeof(f), "check.%d", (int)getpid());
	_cleanup_close_ int fd =
	    openat(d, f, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	bool on = false;
	int r = fd < 0 ? -errno : fs_set_immutable(fd, true);
	if (r == 0)
		r = fs_get_immutable(fd, &on);
	if (fd >= 0) {
		fs_set_immutable(fd, false);
		unlinkat(d, f, 0);
	}
	if (r == 0 && on)
		add(rep, name, CHECK_OK, "set and read back in %s", tmp);
	else
		add(rep, name, CHECK_FAILED, "%s: %s", tmp, r < 0 ? strerror(-r) : "flag not kept");
}

static void check_proc_subset(struct check_report *rep)
{
	_cleanup_close_ int fs = fsopen("proc", FSOPEN_CLOEXEC);
	int m = -1;
	if (fs >= 0 && fsconfig(fs, FSCONFIG_SET_STRING, "hidepid", "invisible", 0) == 0 &&
	    fsconfig(fs, FSCONFIG_SET_STRING, "subset", "pid", 0) == 0 &&
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
		m = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (m >= 0) {
		close(m);
		add(rep, "kernel: procfs subset=pid", CHECK_OK,
		    "hidepid=invisible,subset=pid mounts");
	} else {
		add(rep, "kernel: procfs subset=pid", CHECK_FAILED, "%s", strerror(errno));
	}
}

/* Every entry into a cage is scoped with Landlock where the kernel can
 * (enter/landlock.h): abstract unix sockets and signals outside are fenced. */
static void check_landlock(struct check_report *rep)
{
	int abi;
	if (landlock_can_scope(&abi))
		add(rep, "landlock scoping", CHECK_OK, "yes (ABI %d)", abi);
	else if (abi < 0)
		add(rep, "landlock scoping", CHECK_SKIPPED,
		    "no: Landlock is %s (abstract unix sockets and signals outside a cage are "
		    "not fenced off)",
		    abi == -EOPNOTSUPP ? "disabled at boot (lsm=)" : "not in this kernel");
	else
		add(rep, "landlock scoping", CHECK_SKIPPED,
		    "no: Landlock ABI %d, scoping needs 6 (Linux 6.12)", abi);
}

static void check_mode(const struct uc_config *cfg, struct check_report *rep)
{
	enum uc_cage_mode mode;
	char why[512];
	struct uc_error err = {0};
	if (mode_get(cfg, &mode, why, sizeof(why), &err) < 0)
		add(rep, "kernel: cage mode", CHECK_FAILED, "%s", err.msg);
	else
		add(rep, "kernel: cage mode", CHECK_OK, "%s: %s", uc_cage_mode_names[mode], why);
}

/* ---- configuration ---------------------------------------------------------- */

static void check_config(const struct uc_config *cfg, struct check_report *rep)
{
	add(rep, "config: unicage.conf", CHECK_OK, "%s",
	    cfg->source ? cfg->source : "none: built-in defaults");
	struct uc_error err = {0};
	struct skel_conf conf = {0};
	if (skel_conf_load(&conf, cfg->config_dir, &err) < 0) {
		add(rep, "config: conf.d, black.list, rpm.list", CHECK_FAILED, "%s", err.msg);
	} else {
		add(rep, "config: conf.d, black.list, rpm.list", CHECK_OK, "%s", cfg->config_dir);
		skel_conf_release(&conf);
	}
	struct cage_mp mp = {0};
	if (cagemp_load(&mp, cfg->config_dir, &err) < 0) {
		add(rep, "config: cage.mp", CHECK_FAILED, "%s", err.msg);
	} else {
		add(rep, "config: cage.mp", CHECK_OK, "%zu mount point(s)", mp.n);
		cagemp_release(&mp);
	}
	struct cage_users cu = {0};
	if (policy_load(cfg, &cu, &err) < 0) {
		add(rep, "config: exclude/, users.enabled, users.disabled", CHECK_FAILED, "%s",
		    err.msg);
		return;
	}
	/* sane: nobody listed twice, nobody enabled who can never be caged */
	char bad[400] = "";
	for (size_t i = 0; i < cu.enabled.n; i++) {
		struct uc_user u;
		bool dup = false;
		for (size_t k = 0; k < i; k++)
			dup |= !strcmp(cu.enabled.v[k], cu.enabled.v[i]);
		bool never = false;
		if (users_lookup(cfg, cu.enabled.v[i], &u, NULL) == 0) {
			never = policy_verdict(cfg, &cu, &u) != U_ENABLED &&
				cu.mode == CAGE_DISABLE_ALL;
			user_release(&u);
		}
		if ((dup || never) && strlen(bad) < 300)
			snprintf(bad + strlen(bad), sizeof(bad) - strlen(bad), " %s%s",
				 cu.enabled.v[i], dup ? " (twice)" : " (system or excluded)");
	}
	if (cu.broken.n) /* sessions go on, the users named there caged */
		add(rep, "config: exclude/, users.enabled, users.disabled", CHECK_FAILED,
		    "%s (that file excludes nobody)", cu.broken.v[0]);
	else if (*bad)
		add(rep, "config: exclude/, users.enabled, users.disabled", CHECK_FAILED,
		    "users.enabled:%s", bad);
	else
		add(rep, "config: exclude/, users.enabled, users.disabled", CHECK_OK,
		    "%s mode, %zu enabled, %zu disabled, %zu excluded",
		    cu.mode == CAGE_ENABLE_ALL ? "Enable All" : "Disable All", cu.enabled.n,
		    cu.disabled.n, cu.excluded.n);
	policy_release(&cu);
}

static void list_append(char *buf, size_t size, const char *item, unsigned *count);

static void join_names(const struct strv *v, char *buf, size_t size)
{
	unsigned count = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < v->n; i++)
		list_append(buf, size, v->v[i], &count);
}

/* A CageFS configuration: what is read, what is not (doc/cagefs.md). */
static void check_cagefs(const struct uc_config *cfg, struct check_report *rep)
{
	struct strv read = STRV_INIT, unsupported = STRV_INIT;
	bool looks;
	char list[500];
	if (check_cagefs_files(cfg, &read, &unsupported, &looks) < 0) {
		add(rep, "config: CageFS files", CHECK_SKIPPED, "%s: %s", cfg->config_dir,
		    strerror(errno));
	} else if (!cfg->cagefs_compat && looks) {
		join_names(&unsupported, list, sizeof(list));
		add(rep, "config: CageFS files", CHECK_FAILED,
		    "%s is a CageFS configuration (%s): set cagefs_compat = yes in unicage.conf, "
		    "else these are not read",
		    cfg->config_dir, list);
	} else if (cfg->cagefs_compat || looks) {
		join_names(&read, list, sizeof(list));
		add(rep, "config: CageFS files read", CHECK_OK, "%s: %s", cfg->config_dir,
		    *list ? list : "none");
		if (unsupported.n) {
			join_names(&unsupported, list, sizeof(list));
			add(rep, "config: CageFS files not supported", CHECK_SKIPPED,
			    "ignored by unicage: %s", list);
		}
	}
	strv_clear(&read);
	strv_clear(&unsupported);
}

static int by_uid(const void *a, const void *b)
{
	uid_t x = ((const struct uc_user *)a)->uid, y = ((const struct uc_user *)b)->uid;
	return x < y ? -1 : x > y;
}

/* Accounts sharing a uid are one user to the kernel: their cages (one per
 * name) separate nothing between them (doc/users.md, "Duplicate uids"). */
static void check_duplicate_uids(const struct uc_config *cfg, struct check_report *rep)
{
	struct uc_userlist all;
	struct uc_error err = {0};
	char list[500] = "", item[600];
	unsigned count = 0;
	if (users_all(cfg, &all, &err) < 0) {
		add(rep, "users: duplicate uids", CHECK_SKIPPED, "%s", err.msg);
		return;
	}
	qsort(all.v, all.n, sizeof(*all.v), by_uid);
	for (size_t i = 1; i < all.n; i++)
		if (all.v[i].uid == all.v[i - 1].uid && all.v[i].uid >= cfg->min_uid) {
			snprintf(item, sizeof(item), "%.200s and %.200s (uid %u)",
				 all.v[i - 1].name, all.v[i].name, (unsigned)all.v[i].uid);
			list_append(list, sizeof(list), item, &count);
		}
	userlist_release(&all);
	if (count)
		add(rep, "users: duplicate uids", CHECK_FAILED,
		    "%u: %s: one user to the kernel, their cages do not separate them", count,
		    list);
	else
		add(rep, "users: duplicate uids", CHECK_OK, "none at or above min_uid");
}

/* ---- the current generation ------------------------------------------------- */

struct gen_check {
	int stubs, objects;
	bool full;
	uint64_t shared, rehashed, missing, mutable_, wrong;
	char first[300];
};

static void note(struct gen_check *g, const char *path, const char *what)
{
	if (!g->first[0])
		snprintf(g->first, sizeof(g->first), "%s: %s", path, what);
}

static int gen_rec(const struct manifest_rec *r, void *arg)
{
	struct gen_check *g = arg;
	if (r->cls != 's' || r->type != 'f')
		return 0;
	g->shared++;
	char redirect[64] = "";
	_cleanup_close_ int stub =
	    path_open_beneath(g->stubs, r->path[0] == '/' ? r->path + 1 : r->path,
			      O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0);
	ssize_t n =
	    stub >= 0 ? fgetxattr(stub, "trusted.overlay.redirect", redirect, sizeof(redirect) - 1)
		      : -1;
	if (n <= 1) {
		g->missing++;
		note(g, r->path, "no stub or no redirect");
		return 0;
	}
	redirect[n] = '\0';
	_cleanup_close_ int obj =
	    openat(g->objects, redirect + 1, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (obj < 0) {
		g->missing++;
		note(g, r->path, "its object is missing");
		return 0;
	}
	bool on = false;
	if (fs_get_immutable(obj, &on) < 0 || !on) {
		g->mutable_++;
		note(g, r->path, "its object is not +i");
	}
	/* a sample (one in 16) is re-hashed; --full: every one */
	if (!g->full && g->shared % 16 != 1)
		return 0;
	struct stat st;
	struct xattr_set xa = {0};
	struct objkey key;
	char hex[65];
	g->rehashed++;
	if (fstat(obj, &st) < 0 || xattrs_read(obj, &xa) < 0 ||
	    objkey_compute(obj, &st, &xa, false, &key) < 0) {
		xattrs_release(&xa);
		g->wrong++;
		note(g, r->path, "its object cannot be read");
		return 0;
	}
	xattrs_release(&xa);
	objkey_hex(&key, hex);
	if (strcmp(hex, r->ref)) {
		g->wrong++;
		note(g, r->path, "its object's content does not match its key");
	}
	return 0;
}

static void check_generation(const struct uc_config *cfg, bool full, struct check_report *rep)
{
	const char *name = "skeleton: current generation";
	char gen[64], p[PATH_MAX], op[PATH_MAX], mgen[64];
	struct uc_error err = {0};
	if (skel_current_gen(cfg, gen, sizeof(gen), &err) < 0) {
		add(rep, name, CHECK_SKIPPED, "no skeleton yet (unicage init)");
		return;
	}
	if (statepath_gen(cfg, gen, p, sizeof(p)) < 0 ||
	    statepath_objects(cfg, op, sizeof(op)) < 0) {
		add_too_long(rep, name, cfg->state_dir);
		return;
	}
	_cleanup_close_ int gfd = open(p, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct gen_check g = {.full = full, .stubs = -1, .objects = -1};
	g.objects = open(op, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	g.stubs =
	    gfd < 0 ? -1 : openat(gfd, "stubs", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (gfd < 0 || g.stubs < 0 || g.objects < 0) {
		add(rep, name, CHECK_FAILED, "%s: tree, stubs or store missing", gen);
	} else if (manifest_read(gfd, mgen, gen_rec, &g, &err) < 0) {
		add(rep, name, CHECK_FAILED, "%s: %s", gen, err.msg);
	} else if (g.missing || g.mutable_ || g.wrong) {
		add(rep, name, CHECK_FAILED,
		    "%s: %" PRIu64 " object(s) missing, %" PRIu64 " not +i, %" PRIu64
		    " not matching their key (of %" PRIu64 " re-hashed); first: %s",
		    gen, g.missing, g.mutable_, g.wrong, g.rehashed, g.first);
	} else {
		add(rep, name, CHECK_OK,
		    "%s: manifest checksum good, %" PRIu64 " objects present and +i, %" PRIu64
		    " re-hashed to their key%s",
		    gen, g.shared, g.rehashed, full ? " (all)" : " (a sample; --full: all)");
	}
	if (g.stubs >= 0)
		close(g.stubs);
	if (g.objects >= 0)
		close(g.objects);
}

/* ---- ELF dependencies of the current generation ---------------------------------- */

static int collect_file(const struct manifest_rec *r, void *arg)
{
	return r->type == 'f' ? strv_push(arg, r->path) : 0;
}

/* Every ELF file of gen read again (--full, or a generation made before
 * update stored its results). */
static int elf_full(int gfd, struct elf_report *er, struct uc_error *err)
{
	char mgen[64];
	struct strv paths = STRV_INIT;
	_cleanup_close_ int tfd =
	    openat(gfd, "tree", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int r = tfd < 0 ? uc_fail_errno(err, errno, "tree") : 0;
	if (r == 0)
		r = manifest_read(gfd, mgen, collect_file, &paths, err);
	if (r == 0 && (r = elfscan_paths(tfd, &paths, NULL, NULL, er)) < 0)
		uc_fail_errno(err, r, "reading the ELF files");
	strv_clear(&paths);
	return r;
}

/* What rpm calls the missing thing: a path, or the soname with its class. */
static void elf_cap(const struct elf_missing *m, char *buf, size_t size)
{
	struct elf_info obj = {.elfclass = m->elfclass};
	if (m->lib[0] == '/')
		snprintf(buf, size, "%s", m->lib);
	else
		elf_soname_provide(&obj, m->lib, buf, size);
}

/* Where the host has what the generation misses, and whether black.list
 * is why: the program read again from the generation, its dependency looked
 * for in the sysroot as update did. */
struct elf_hint {
	int treefd, rootfd;
	struct elf_tree host;
	struct skel_conf conf;
	bool ok;
};

static void hint_open(struct elf_hint *h, const struct uc_config *cfg, int gfd)
{
	struct uc_error err = {0};
	memset(h, 0, sizeof(*h));
	h->treefd = openat(gfd, "tree", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	h->rootfd = open(cfg->sysroot, O_PATH | O_DIRECTORY | O_CLOEXEC);
	h->ok = h->treefd >= 0 && h->rootfd >= 0 && elf_tree_load(&h->host, h->rootfd) == 0 &&
		skel_conf_load(&h->conf, cfg->config_dir, &err) == 0;
}

static void hint_close(struct elf_hint *h)
{
	elf_tree_release(&h->host);
	skel_conf_release(&h->conf);
	if (h->treefd >= 0)
		close(h->treefd);
	if (h->rootfd >= 0)
		close(h->rootfd);
}

/* "; black.list hides the host's PATH" when it does, else "". */
static void hint_black(struct elf_hint *h, const struct elf_missing *m, char *buf, size_t size)
{
	buf[0] = '\0';
	_cleanup_close_ int fd = h->ok ? tree_open_file(h->treefd, m->program) : -1;
	struct elf_info info;
	if (fd < 0 || elf_info_read(fd, &info) != 0)
		return;
	char real[PATH_MAX];
	struct strv links = STRV_INIT;
	int r = m->lib[0] == '/'
		    ? elf_find_interp(&h->host, &info, real, sizeof(real), &links)
		    : elf_find_lib(&h->host, m->program, &info, m->lib, real, sizeof(real), &links);
	if (r == 0 && strv_push(&links, real) == 0)
		for (size_t i = 0; i < links.n && !buf[0]; i++)
			if (wanted_blacklisted(&h->conf.black, links.v[i]))
				snprintf(buf, size, ", but black.list hides the host's %.200s",
					 links.v[i]);
	strv_clear(&links);
	elf_info_release(&info);
}

/* One FAILED line per missing library: who needs it, which package of the
 * host's rpmdb provides it (when one does), and whether black.list hides it. */
static void elf_failed(const struct uc_config *cfg, int gfd, const char *gen,
		       const struct elf_report *er, struct check_report *rep)
{
	struct strv caps = STRV_INIT, pkgs = STRV_INIT;
	struct strv first = STRV_INIT; /* per cap: an index into er */
	for (size_t i = 0; i < er->n; i++) {
		char cap[PATH_MAX + 16], idx[32];
		elf_cap(&er->v[i], cap, sizeof(cap));
		snprintf(idx, sizeof(idx), "%zu", i);
		if (!strv_contains(&caps, cap) && strv_push(&caps, cap) == 0)
			strv_push(&first, idx);
	}
	struct uc_error err = {0};
	struct rpmscan_opts o = {.sysroot = cfg->sysroot, .dbpath = cfg->rpm_dbpath};
	if (caps.n && rpmscan_whatprovides(&o, &caps, &pkgs, &err) < 0)
		strv_clear(&pkgs); /* no rpmdb (or unreadable): no hint */
	struct elf_hint h;
	hint_open(&h, cfg, gfd);
	for (size_t c = 0; c < caps.n && c < 20; c++) {
		const struct elf_missing *m = &er->v[strtoul(first.v[c], NULL, 10)];
		size_t users = 0;
		for (size_t i = 0; i < er->n; i++) {
			char cap[PATH_MAX + 16];
			elf_cap(&er->v[i], cap, sizeof(cap));
			users += strcmp(cap, caps.v[c]) == 0;
		}
		char more[40] = "", hint[600], black[300];
		if (users > 1)
			snprintf(more, sizeof(more), " and %zu more", users - 1);
		hint_black(&h, m, black, sizeof(black));
		if (pkgs.n > c && pkgs.v[c][0] && black[0])
			snprintf(hint, sizeof(hint), "%.100s provides it%s", pkgs.v[c], black);
		else if (pkgs.n > c && pkgs.v[c][0])
			snprintf(hint, sizeof(hint), "%.100s provides it: unicage addrpm %.100s",
				 pkgs.v[c], pkgs.v[c]);
		else if (black[0])
			snprintf(hint, sizeof(hint), "%s", black + 6);
		else
			snprintf(hint, sizeof(hint), "no installed package provides %.200s",
				 caps.v[c]);
		add(rep, "skeleton: ELF dependencies", CHECK_FAILED,
		    "%s: %.200s needs %.200s, not in the generation%s; %s", gen, m->program, m->lib,
		    more, hint);
	}
	if (caps.n > 20)
		add(rep, "skeleton: ELF dependencies", CHECK_FAILED,
		    "%s: %zu more libraries missing (unicage check --json lists the first 20)", gen,
		    caps.n - 20);
	hint_close(&h);
	strv_clear(&caps);
	strv_clear(&pkgs);
	strv_clear(&first);
}

static void check_elf(const struct uc_config *cfg, bool full, struct check_report *rep)
{
	const char *name = "skeleton: ELF dependencies";
	char gen[64], p[PATH_MAX];
	struct uc_error err = {0};
	if (skel_current_gen(cfg, gen, sizeof(gen), &err) < 0) {
		add(rep, name, CHECK_SKIPPED, "no skeleton yet (unicage init)");
		return;
	}
	if (statepath_gen(cfg, gen, p, sizeof(p)) < 0) {
		add_too_long(rep, name, cfg->state_dir);
		return;
	}
	_cleanup_close_ int gfd = open(p, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct elf_report er = {0};
	int r = gfd < 0 ? uc_fail_errno(&err, errno, "%s", p) : 0;
	bool stored = false;
	if (r == 0 && !full)
		stored = elfscan_read(gfd, &er, NULL) == 0;
	if (r == 0 && !stored)
		r = elf_full(gfd, &er, &err);
	if (r < 0)
		add(rep, name, CHECK_FAILED, "%s: %s", gen, err.msg);
	else if (er.n)
		elf_failed(cfg, gfd, gen, &er, rep);
	else
		add(rep, name, CHECK_OK,
		    "%s: %" PRIu64 " dynamic ELF file(s) of %" PRIu64
		    ", each finds its interpreter and libraries in the generation%s",
		    gen, er.elf_files, er.files,
		    stored ? " (as update found them; --full: read again)" : " (all read)");
	elf_report_release(&er);
}

/* ---- cages -------------------------------------------------------------------- */

/* `unicage exec USER -- id -un`, its output and status. */
static int run_id(const struct uc_config *cfg, const char *exe, const char *user, char *out,
		  size_t size, int *status)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		const char *argv[] = {"unicage", "-c", cfg->source, "exec", user,
				      "--",	 "id", "-un",	    NULL};
		if (!cfg->source)
			memmove(&argv[1], &argv[3], 6 * sizeof(*argv));
		execv(exe, (char **)argv);
		_exit(127);
	}
	close(pfd[1]);
	size_t len = 0;
	ssize_t n;
	while (len + 1 < size && (n = read(pfd[0], out + len, size - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(pfd[0]);
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

static void check_cages(const struct uc_config *cfg, const char *exe, struct check_report *rep)
{
	struct uc_userlist all = {0};
	struct cage_users cu = {0};
	struct uc_error err = {0};
	if (users_all(cfg, &all, &err) < 0 || policy_load(cfg, &cu, &err) < 0) {
		add(rep, "cages: exec USER -- id -un", CHECK_SKIPPED, "%s", err.msg);
		userlist_release(&all);
		return;
	}
	int done = 0;
	for (size_t i = 0; i < all.n && done < 2; i++) {
		if (policy_verdict(cfg, &cu, &all.v[i]) != U_ENABLED)
			continue;
		char name[128], out[512];
		int status = 0;
		snprintf(name, sizeof(name), "cages: exec %.60s -- id -un", all.v[i].name);
		int r = run_id(cfg, exe, all.v[i].name, out, sizeof(out), &status);
		/* its last line: warnings (on the merged stderr) come before */
		char last[256];
		size_t len = strlen(out);
		while (len && out[len - 1] == '\n')
			out[--len] = '\0';
		const char *nl = strrchr(out, '\n');
		snprintf(last, sizeof(last), "%s", nl ? nl + 1 : out);
		if (r == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
		    !strcmp(last, all.v[i].name))
			add(rep, name, CHECK_OK, "prints %s", last);
		else
			add(rep, name, CHECK_FAILED, "exit %d: %s",
			    WIFEXITED(status) ? WEXITSTATUS(status) : -1,
			    out[0] ? out : "(no output)");
		done++;
	}
	if (!done)
		add(rep, "cages: exec USER -- id -un", CHECK_SKIPPED, "no caged user");
	policy_release(&cu);
	userlist_release(&all);
}

/* ---- stale slots and pins ----------------------------------------------------- */

static bool slot_known(const struct slotlist *l, const char *user, unsigned n)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].n == n && !strcmp(l->v[i].user, user))
			return true;
	return false;
}

static void list_append(char *buf, size_t size, const char *item, unsigned *count)
{
	(*count)++;
	size_t len = strlen(buf);
	if (len + strlen(item) + 8 < size)
		snprintf(buf + len, size - len, "%s%s", len ? ", " : "", item);
}

static void check_stale(const struct uc_config *cfg, struct check_report *rep)
{
	struct slotlist l;
	struct uc_error err = {0};
	char stale[500] = "", item[300], dir[PATH_MAX];
	unsigned count = 0;
	if (slots_list(cfg, NULL, &l, &err) < 0) {
		add(rep, "stale: slots and pins", CHECK_SKIPPED, "%s", err.msg);
		return;
	}
	for (size_t i = 0; i < l.n; i++)
		if (!l.v[i].bound && !l.v[i].procs) {
			snprintf(item, sizeof(item), "slot %s.%u (its namespace is gone)",
				 l.v[i].user, l.v[i].n);
			list_append(stale, sizeof(stale), item, &count);
		}
	if (statepath_pins(cfg, dir, sizeof(dir)) < 0) {
		slotlist_release(&l);
		add_too_long(rep, "stale: slots and pins", cfg->state_dir);
		return;
	}
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		char *dot = strrchr(de->d_name, '.');
		if (de->d_name[0] == '.' || !dot)
			continue;
		*dot = '\0';
		if (!slot_known(&l, de->d_name, (unsigned)strtoul(dot + 1, NULL, 10))) {
			snprintf(item, sizeof(item), "pin %s.%s (no such slot)", de->d_name,
				 dot + 1);
			list_append(stale, sizeof(stale), item, &count);
		}
	}
	if (d)
		closedir(d);
	slotlist_release(&l);
	if (count)
		add(rep, "stale: slots and pins", CHECK_FAILED, "%u: %s (unicage gc releases them)",
		    count, stale);
	else
		add(rep, "stale: slots and pins", CHECK_OK, "none");
}

/* Cages of accounts that are gone, or whose name a new account took
 * (mount/lifecycle.h): removed by clean. */
static void check_orphans(const struct uc_config *cfg, struct check_report *rep)
{
	struct strv v = STRV_INIT;
	struct uc_error err = {0};
	char list[500] = "";
	unsigned count = 0;
	if (lifecycle_orphans(cfg, &v, &err) < 0) {
		add(rep, "orphaned cages", CHECK_SKIPPED, "%s", err.msg);
		return;
	}
	for (size_t i = 0; i < v.n; i++)
		list_append(list, sizeof(list), v.v[i], &count);
	strv_clear(&v);
	if (count)
		add(rep, "orphaned cages", CHECK_FAILED,
		    "%u in %s: %s (no such account, or made for another uid; unicage clean "
		    "removes them)",
		    count, cfg->cages_dir, list);
	else
		add(rep, "orphaned cages", CHECK_OK, "none");
}

/* Imports a crash stopped (mount/treeswap.h): finished by gc. */
static void check_imports(const struct uc_config *cfg, struct check_report *rep)
{
	struct strv v = STRV_INIT;
	import_leftovers(cfg, &v);
	char list[500] = "";
	unsigned count = 0;
	for (size_t i = 0; i < v.n; i++)
		list_append(list, sizeof(list), v.v[i], &count);
	strv_clear(&v);
	if (count)
		add(rep, "stopped imports", CHECK_FAILED,
		    "%u: %s (unicage gc, or the next mount of the user, finishes them)", count,
		    list);
	else
		add(rep, "stopped imports", CHECK_OK, "none");
}

static void check_proxy(const struct uc_config *cfg, struct check_report *rep)
{
	char detail[600];
	int r = check_cron_pam(cfg, detail, sizeof(detail));
	if (r >= 0)
		add(rep, "proxy: crontab and cron's PAM stack", (enum check_result)r, "%s", detail);
}

void check_run(const struct uc_config *cfg, const struct check_opts *o, struct check_report *rep)
{
	rep->v = NULL;
	rep->n = 0;
	check_overlay(cfg, rep);
	check_mount_api(rep);
	check_openat2(rep);
	check_immutable(cfg, rep);
	check_proc_subset(rep);
	check_landlock(rep);
	check_mode(cfg, rep);
	check_config(cfg, rep);
	check_cagefs(cfg, rep);
	check_duplicate_uids(cfg, rep);
	check_generation(cfg, o->full, rep);
	check_elf(cfg, o->full, rep);
	/* before the cages' exec, which would finish a stopped import */
	check_imports(cfg, rep);
	check_cages(cfg, o->exe, rep);
	check_stale(cfg, rep);
	check_orphans(cfg, rep);
	check_proxy(cfg, rep);
}
