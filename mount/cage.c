#include "mount/cage.h"

#include "lib/cleanup.h"
#include "lib/lock.h"
#include "lib/log.h"
#include "lib/path.h"
#include "lib/statepath.h"
#include "lib/store.h"
#include "lib/textfile.h"
#include "mount/assemble.h"
#include "mount/etc.h"
#include "mount/mode.h"
#include "mount/nsfs.h"
#include "mount/pidns.h"
#include "mount/treeswap.h"
#include "mount/policy.h"
#include "skel/current.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Signal every process of namespace ino, through a pidfd taken before the
 * namespace is checked again (a recycled pid is never signalled). */
static void signal_ns(ino_t ino, int sig)
{
	struct procs ps;
	if (procs_scan(&ps) < 0)
		return;
	for (size_t i = 0; i < ps.n; i++) {
		if (ps.v[i].ino != ino)
			continue;
		int pfd = (int)syscall(SYS_pidfd_open, ps.v[i].pid, 0);
		if (pfd < 0)
			continue;
		char p[64], link[64];
		snprintf(p, sizeof(p), "/proc/%d/ns/mnt", (int)ps.v[i].pid);
		ssize_t n = readlink(p, link, sizeof(link) - 1);
		unsigned long long now = 0;
		if (n > 0) {
			link[n] = '\0';
			sscanf(link, "mnt:[%llu]", &now);
		}
		if ((ino_t)now == ino)
			syscall(SYS_pidfd_send_signal, pfd, sig, NULL, 0);
		close(pfd);
	}
	free(ps.v);
}

/* Send sig to the processes of namespace ino (again each round when
 * resend), up to rounds times 10 ms until none is left: true when gone (or
 * when /proc cannot be read: nothing more to do). */
static bool signal_until_gone(ino_t ino, int sig, int rounds, bool resend)
{
	for (int i = 0; i < rounds; i++) {
		if (i == 0 || resend)
			signal_ns(ino, sig);
		struct procs ps;
		if (procs_scan(&ps) < 0)
			return true;
		unsigned left = procs_in(&ps, ino);
		free(ps.v);
		if (!left)
			return true;
		if (i + 1 < rounds || resend)
			nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	}
	return false;
}

/* SIGTERM, up to 3 s for them to go, then SIGKILL. */
static void kill_ns(ino_t ino)
{
	if (!signal_until_gone(ino, SIGTERM, 300, false))
		signal_until_gone(ino, SIGKILL, 100, true);
}

/* ---- slot records --------------------------------------------------------- */

static int write_info(int nsdir, const struct slot *s)
{
	char name[32], text[512];
	_cleanup_close_ int ud = slots_user_dir(nsdir, s->user, true);
	if (ud < 0)
		return ud;
	snprintf(name, sizeof(name), "%u.info", s->n);
	snprintf(text, sizeof(text), "user=%s\nuid=%u\ngen=%s\nmode=%s\nino=%llu\npidns=%llu\n",
		 s->user, (unsigned)s->uid, s->gen, uc_cage_mode_names[s->mode],
		 (unsigned long long)s->ino, (unsigned long long)s->pidns);
	return textfile_write(ud, name, text);
}

/* ---- release -------------------------------------------------------------- */

/* Handle, pin, overlay workdir and the record: the slot is gone. */
static void slot_forget(const struct uc_config *cfg, int nsdir, const struct slot *s)
{
	char name[NAME_MAX + 1], p[PATH_MAX];
	if (statepath_slot_name(s->user, s->n, name, sizeof(name)) == 0)
		nsfs_release(nsdir, name);
	if (statepath_pin(cfg, s->user, s->n, p, sizeof(p)) == 0)
		unlink(p);
	struct uc_user u = {.name = (char *)s->user, .uid = s->uid};
	char cdir[PATH_MAX], wdir[PATH_MAX], work[NAME_MAX + 1];
	if (etc_cage_dir_path(cfg, &u, cdir, sizeof(cdir)) == 0 &&
	    path_join(wdir, sizeof(wdir), cdir, "work") == 0) {
		int wfd = -1;
		snprintf(work, sizeof(work), "%u", s->n);
		if ((wfd = open(wdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
			store_rm_tree(wfd, work);
			close(wfd);
		}
	}
	_cleanup_close_ int ud = slots_user_dir(nsdir, s->user, false);
	snprintf(name, sizeof(name), "%u.info", s->n);
	if (ud >= 0)
		unlinkat(ud, name, 0);
}

/* Slots older than the newest bound one with no process left are released;
 * an unbound slot (unmounted while busy, or from before a reboot, or a
 * build that died) is released once nothing runs in it. kill: older slots'
 * processes are stopped first. */
static void sweep_user(const struct uc_config *cfg, int nsdir, struct slotlist *l, bool kill)
{
	unsigned newest = 0;
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].bound && l->v[i].n > newest)
			newest = l->v[i].n;
	unsigned kept = 0;
	for (size_t i = 0; i < l->n; i++) {
		struct slot *s = &l->v[i];
		if (s->bound && s->n == newest) {
			kept++;
			continue;
		}
		if (s->procs && kill) {
			kill_ns(s->ino);
			s->procs = 0;
		}
		if (!s->procs)
			slot_forget(cfg, nsdir, s);
		else
			kept++;
	}
	/* no slot left: nothing runs in the user's pid namespace but its init */
	if (l->n && !kept)
		pidns_init_stop(nsdir, l->v[0].user);
}

static int user_lock(int nsdir, const char *user, struct uc_error *err)
{
	_cleanup_close_ int ud = slots_user_dir(nsdir, user, true);
	if (ud < 0)
		return uc_fail_errno(err, -ud, "slots of %s", user);
	return uc_lock_take(ud, "lock", "the user's cage", UC_LOCK_WAIT, err);
}

/* The user's slots; their processes counted when `all` is set or when
 * some slot could be released (the /proc walk is most of the cost of
 * mounting a first cage on a busy host). */
static int rescan_procs(int nsdir, const char *user, struct slotlist *l, bool all)
{
	struct procs none = {0}, ps = {0};
	slotlist_release(l);
	int r = slots_scan(nsdir, user, &none, l);
	if (r < 0 || !(all || l->n > 1 || (l->n == 1 && !l->v[0].bound)))
		return r;
	if ((r = procs_scan(&ps)) == 0)
		for (size_t i = 0; i < l->n; i++)
			l->v[i].procs = procs_in(&ps, l->v[i].ino);
	free(ps.v);
	return r;
}

static int rescan(int nsdir, const char *user, struct slotlist *l)
{
	return rescan_procs(nsdir, user, l, false);
}

/* ---- mount ---------------------------------------------------------------- */

static int write_pin(const struct uc_config *cfg, const struct slot *s)
{
	char dir[PATH_MAX], text[80];
	if (statepath_pins(cfg, dir, sizeof(dir)) < 0)
		return -ENAMETOOLONG;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	char name[NAME_MAX + 1];
	if (statepath_slot_name(s->user, s->n, name, sizeof(name)) < 0)
		return -ENAMETOOLONG;
	snprintf(text, sizeof(text), "%s\n", s->gen);
	return dfd < 0 ? -errno : textfile_write(dfd, name, text);
}

/* cages_dir/NN/<user>/state: what the newest slot is (for people and
 * export). */
static void write_state(const struct uc_config *cfg, const struct uc_user *u, const struct slot *s)
{
	char cdir[PATH_MAX], text[512];
	if (etc_cage_dir_path(cfg, u, cdir, sizeof(cdir)) < 0)
		return;
	_cleanup_close_ int dfd = open(cdir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	snprintf(text, sizeof(text), "slot=%u\ngeneration=%s\nmode=%s\n", s->n, s->gen,
		 uc_cage_mode_names[s->mode]);
	if (dfd >= 0)
		textfile_write(dfd, "state", text);
}

static int build_slot(const struct uc_config *cfg, const struct skel_conf *conf,
		      const struct cage_mp *mp, const struct uc_user *u, int nsdir, struct slot *s,
		      struct uc_error *err)
{
	int r = etc_generate(cfg, conf, u, s->gen, err);
	if (r < 0)
		return r;
	/* pin first: gc never takes a generation a cage is being built on */
	if ((r = write_pin(cfg, s)) < 0 || (r = write_info(nsdir, s)) < 0) {
		slot_forget(cfg, nsdir, s);
		return uc_fail_errno(err, -r, "recording slot %u of %s", s->n, u->name);
	}
	_cleanup_close_ int tmpl = nsfs_template(cfg, nsdir, err);
	if (tmpl < 0) {
		slot_forget(cfg, nsdir, s);
		return tmpl;
	}
	/* the user's pid and IPC namespaces: the slot's /proc and /dev/mqueue
	 * are theirs */
	struct cage_init ci;
	_cleanup_close_ int pidns = -1, ipcns = -1;
	if ((r = pidns_init_ensure(cfg, nsdir, tmpl, s->user, &ci, err)) < 0) {
		slot_forget(cfg, nsdir, s);
		return r;
	}
	s->pidns = ci.pidns;
	if ((r = pidns_open(cfg, s, &pidns, &ipcns)) < 0) {
		slot_forget(cfg, nsdir, s);
		return uc_fail_errno(err, -r, "%s's pid and IPC namespaces", s->user);
	}
	char name[NAME_MAX + 1];
	if ((r = statepath_slot_name(s->user, s->n, name, sizeof(name))) < 0) {
		slot_forget(cfg, nsdir, s);
		return uc_fail_errno(err, -r, "slot %u of %.200s...", s->n, s->user);
	}
	struct cage_spec spec = {.cfg = cfg,
				 .u = u,
				 .mp = mp,
				 .gen = s->gen,
				 .mode = s->mode,
				 .slot = s->n,
				 .pidns_fd = pidns,
				 .ipcns_fd = ipcns};
	r = assemble_cage(&spec, nsdir, tmpl, name, &s->ino, err);
	if (r == 0 && (r = write_info(nsdir, s)) < 0)
		uc_fail_errno(err, -r, "recording slot %u of %s", s->n, u->name);
	if (r < 0) {
		slot_forget(cfg, nsdir, s); /* fail closed: no half-built cage */
		return r;
	}
	s->bound = true;
	write_state(cfg, u, s);
	return 0;
}

int cage_mount(const struct uc_config *cfg, const struct skel_conf *conf, const struct cage_mp *mp,
	       const struct uc_user *u, const struct cage_mount_opts *o, struct slot *out,
	       bool *created, struct uc_error *err)
{
	*created = false;
	int r = policy_require_enabled(cfg, u, err);
	if (r < 0)
		return r;
	_cleanup_close_ int nsdir = nsfs_dir_open(cfg, err);
	if (nsdir < 0)
		return nsdir;
	_cleanup_close_ int lk = user_lock(nsdir, u->name, err);
	if (lk < 0)
		return lk;
	/* an import of this user that stopped while putting the cage in
	 * place is finished first: never a half-replaced cage mounted */
	if (import_pending(cfg, u->name) && (r = import_recover_locked(cfg, u->name, err)) < 0)
		return r;
	struct slot s = {.uid = u->uid};
	char why[512];
	snprintf(s.user, sizeof(s.user), "%s", u->name);
	if ((r = mode_get(cfg, &s.mode, why, sizeof(why), err)) < 0 ||
	    (r = skel_current_gen(cfg, s.gen, sizeof(s.gen), err)) < 0)
		return r;
	struct slotlist l = {0};
	if ((r = rescan(nsdir, u->name, &l)) < 0)
		return uc_fail_errno(err, -r, "slots of %s", u->name);
	sweep_user(cfg, nsdir, &l, false);
	const struct slot *newest = NULL;
	unsigned top = 0;
	for (size_t i = 0; i < l.n; i++) {
		if (l.v[i].n > top)
			top = l.v[i].n;
		if (l.v[i].bound && (!newest || l.v[i].n > newest->n))
			newest = &l.v[i];
	}
	/* current: same generation and mode, built on the user's live pid
	 * namespace (a killed init took the slot's processes and its /proc) */
	struct cage_init ci;
	bool alive = pidns_init_get(nsdir, u->name, &ci) == 0;
	if (newest && !o->new_slot && !strcmp(newest->gen, s.gen) && newest->mode == s.mode &&
	    alive && newest->pidns == ci.pidns) {
		*out = *newest;
		slotlist_release(&l);
		return 0;
	}
	s.n = top + 1;
	slotlist_release(&l);
	if ((r = build_slot(cfg, conf, mp, u, nsdir, &s, err)) < 0) {
		/* a first cage that failed leaves no init behind */
		if (rescan(nsdir, u->name, &l) == 0 && l.n == 0)
			pidns_init_stop(nsdir, u->name);
		slotlist_release(&l);
		return r;
	}
	*out = s;
	*created = true;
	/* the older slots: released now if idle (or stopped, with kill) */
	if (rescan(nsdir, u->name, &l) == 0)
		sweep_user(cfg, nsdir, &l, o->kill);
	slotlist_release(&l);
	return 0;
}

int cage_umount(const struct uc_config *cfg, const char *user, bool kill, unsigned *busy,
		struct uc_error *err)
{
	*busy = 0;
	_cleanup_close_ int nsdir = nsfs_dir_open(cfg, err);
	if (nsdir < 0)
		return nsdir;
	_cleanup_close_ int lk = user_lock(nsdir, user, err);
	if (lk < 0)
		return lk;
	struct slotlist l = {0};
	int r = rescan_procs(nsdir, user, &l, true);
	if (r < 0)
		return uc_fail_errno(err, -r, "slots of %s", user);
	for (size_t i = 0; i < l.n; i++) {
		struct slot *s = &l.v[i];
		if (s->procs && kill) {
			kill_ns(s->ino);
			s->procs = 0;
		}
		if (!s->procs) {
			slot_forget(cfg, nsdir, s);
			continue;
		}
		/* busy: no new entries, the processes keep their cage and the
		 * generation stays pinned until they are gone */
		char name[NAME_MAX + 1];
		if (statepath_slot_name(s->user, s->n, name, sizeof(name)) == 0)
			nsfs_release(nsdir, name);
		(*busy)++;
	}
	if (!*busy)
		pidns_init_stop(nsdir, user);
	slotlist_release(&l);
	return 0;
}

/* Pins whose slot has no record: a build that died between the pin and the
 * record, or slots from before a reboot whose records were in run_dir. Taken
 * under the user's lock, so no build of that user is in progress. */
static void sweep_orphan_pins(const struct uc_config *cfg, int nsdir)
{
	char dir[PATH_MAX];
	DIR *d = statepath_pins(cfg, dir, sizeof(dir)) < 0 ? NULL : opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		char user[256];
		const char *dot = strrchr(de->d_name, '.');
		if (de->d_name[0] == '.' || !dot || (size_t)(dot - de->d_name) >= sizeof(user))
			continue;
		snprintf(user, sizeof(user), "%.*s", (int)(dot - de->d_name), de->d_name);
		unsigned n = (unsigned)strtoul(dot + 1, NULL, 10);
		_cleanup_close_ int lk = user_lock(nsdir, user, NULL);
		struct slotlist l = {0};
		bool known = false;
		if (lk >= 0 && rescan(nsdir, user, &l) == 0) {
			for (size_t i = 0; i < l.n; i++)
				known |= l.v[i].n == n;
			if (!known)
				unlinkat(dirfd(d), de->d_name, 0);
		}
		slotlist_release(&l);
	}
	if (d)
		closedir(d);
}

int cage_sweep_all(const struct uc_config *cfg, struct uc_error *err)
{
	struct slotlist all;
	int r = slots_list(cfg, NULL, &all, err);
	if (r < 0)
		return r;
	_cleanup_close_ int nsdir = nsfs_dir_open(cfg, err);
	if (nsdir < 0) {
		slotlist_release(&all);
		return nsdir;
	}
	for (size_t i = 0; i < all.n; i++) {
		if (i > 0 && !strcmp(all.v[i].user, all.v[i - 1].user))
			continue;
		_cleanup_close_ int lk = user_lock(nsdir, all.v[i].user, err);
		struct slotlist l = {0};
		if (lk >= 0 && rescan(nsdir, all.v[i].user, &l) == 0)
			sweep_user(cfg, nsdir, &l, false);
		slotlist_release(&l);
	}
	slotlist_release(&all);
	sweep_orphan_pins(cfg, nsdir);
	return 0;
}

int cage_user_lock(const struct uc_config *cfg, const char *user, struct uc_error *err)
{
	_cleanup_close_ int nsdir = nsfs_dir_open(cfg, err);
	if (nsdir < 0)
		return nsdir;
	return user_lock(nsdir, user, err);
}
