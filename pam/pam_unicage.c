/* pam_unicage.so: a PAM session module that moves the calling process
 * into a caged user's cage for the children it starts (doc/pam.md).
 *
 *   session required /PATH/pam_unicage.so [config=FILE] [fail_open] [debug]
 *
 * pam_sm_open_session: PAM_USER decided as `unicage user-status` does
 * (policy_verdict); not caged: PAM_IGNORE. Caged: the cage is mounted
 * as the full binary's exec mounts it (entry_mount_cage), then
 * join_for_children(): the caller (sshd's monitor, cron's job process,
 * su's parent) is in the cage's mount and IPC namespaces and its next fork
 * is in the user's pid namespace; then the walls of a caged entry
 * (sandbox_walls: no_new_privs, Landlock scoping, the seccomp filter with
 * cage_user_namespaces). Anything that fails is PAM_SESSION_ERR with the
 * reason in syslog (fail closed); `fail_open` lets a session go on uncaged
 * when nothing was joined yet.
 *
 * Where the walls go: PAM gives a session module no hook in the process
 * that becomes the session (the service forks it, or vforks: Debian
 * cron; an atfork handler would miss that), so they are applied in the
 * caller, and its children inherit them. Every caller this module is
 * meant for is a process of this one session that ends with it: sshd's
 * per-connection monitor (it forks the user's child right after PAM, then
 * allocates ptys, writes utmp/wtmp/lastlog and closes the session: file
 * and pty work the walls do not touch), Debian cron's per-job process
 * (it forks the job and runs sendmail), cronie's job child, su's parent
 * (waits, closes the session). None of them makes a user namespace,
 * loads BPF, uses io_uring or connects to an abstract socket afterwards.
 * The session keyring is pam_keyinit's (doc/pam.md). */
#define PAM_SM_SESSION
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include <dirent.h>
#include <dlfcn.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "enter/entry_mount.h"
#include "enter/join.h"
#include "enter/landlock.h"
#include "enter/sandbox.h"
#include "lib/config.h"
#include "lib/log.h"
#include "lib/users.h"
#include "mount/cage.h"
#include "mount/pidns.h"
#include "mount/policy.h"
#include "pam/args.h"

static int parse_args(pam_handle_t *ph, int argc, const char **argv, struct pam_args *a)
{
	const char *bad = NULL;
	if (pam_args_parse(argc, argv, a, &bad) == 0)
		return 0;
	pam_syslog(ph, LOG_ERR, "%s argument '%s' (config=/ABS/FILE once, fail_open, debug)",
		   strncmp(bad, "config=", 7) == 0 ? "bad" : "unknown", bad);
	return -1;
}

/* The threads of this process: setns(CLONE_NEWNS) needs a caller whose fs
 * context is its own (no CLONE_FS thread), and after join_for_children no
 * thread can be made at all. */
static int count_threads(void)
{
	DIR *d = opendir("/proc/self/task");
	if (!d)
		return -1;
	int n = 0;
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* The library reads UNICAGE_* knobs from the environment (test hooks, the
 * init binary's path); a PAM caller's environment may be an unprivileged
 * user's (a setuid su): none of it is taken. */
static void scrub_env(void)
{
	for (bool again = true; again;) {
		again = false;
		for (char **e = environ; e && *e; e++) {
			if (strncmp(*e, "UNICAGE_", 8) != 0)
				continue;
			char name[128];
			size_t n = strcspn(*e, "=");
			if (n >= sizeof(name))
				n = sizeof(name) - 1;
			memcpy(name, *e, n);
			name[n] = '\0';
			unsetenv(name);
			again = true;
			break;
		}
	}
}

/* unicage-init beside this module (the build tree: build/pam_unicage.so
 * and build/unicage-init) is the one its cages start; else the library
 * takes LIBEXECDIR's (an installed module). /proc/self/exe is the
 * service's, not ours: that is why the module says where. */
static bool init_beside_module(char *path, size_t size)
{
	Dl_info di;
	if (!dladdr((void *)init_beside_module, &di) || !di.dli_fname || di.dli_fname[0] != '/')
		return false;
	const char *slash = strrchr(di.dli_fname, '/');
	int n =
	    snprintf(path, size, "%.*s/unicage-init", (int)(slash - di.dli_fname), di.dli_fname);
	return n > 0 && (size_t)n < size && access(path, X_OK) == 0;
}

/* As `unicage exec` mounts a cage, with the init beside this module. */
static int mount_cage(const struct uc_config *cfg, const struct uc_user *u, struct slot *s,
		      struct uc_error *err)
{
	char init[PATH_MAX];
	bool set_init = init_beside_module(init, sizeof(init));
	if (set_init)
		pidns_init_binary_set(init);
	int r = entry_mount_cage(cfg, u, s, err);
	pidns_init_binary_set(NULL);
	return r;
}

enum outcome { OUT_UNCAGED, OUT_JOINED, OUT_FAILED, OUT_FAILED_JOINING };

static int single_threaded(struct uc_error *err)
{
	int n = count_threads();
	if (n < 0)
		return uc_fail(err, UC_INTERNAL, "cannot count the calling process's threads");
	if (n != 1)
		return uc_fail(err, UC_INTERNAL,
			       "the calling process has %d threads: a cage is joined by a "
			       "single-threaded process only (setns of a mount namespace)",
			       n);
	return 0;
}

/* The walls of a caged entry, in the calling process for good (see the
 * top of this file): what `exec` applies but the ids and capabilities,
 * which are the service's to set in the session's child. */
static int session_walls(pam_handle_t *ph, const struct uc_config *cfg, const char *name,
			 bool debug, struct uc_error *err)
{
	struct sandbox sb = {.who = SANDBOX_USER, .user_namespaces = cfg->cage_user_namespaces};
	int abi;
	bool scoped = landlock_can_scope(&abi);
	if (!scoped)
		pam_syslog(ph, LOG_WARNING,
			   "%s: landlock scoping: no (kernel >= 6.12 has it): abstract unix "
			   "sockets outside the cage are not fenced off",
			   name);
	uc_log_init(-1); /* that warning went to syslog, not the service's stderr */
	int r = sandbox_walls(&sb, err);
	uc_log_init(0);
	if (r == 0 && debug)
		pam_syslog(ph, LOG_DEBUG,
			   "%s: session walls: no_new_privs, seccomp filter (user namespaces %s), "
			   "landlock scoping %s",
			   name, sb.user_namespaces ? "allowed" : "refused", scoped ? "on" : "off");
	return r;
}

/* The decision and the join; *v is the user's verdict when known. */
static enum outcome open_session(pam_handle_t *ph, const struct uc_config *cfg, const char *name,
				 bool debug, struct uc_user *u, enum user_verdict *v,
				 struct uc_error *err)
{
	if (users_lookup(cfg, name, u, err) < 0)
		return err->kind == UC_NOTFOUND ? OUT_UNCAGED : OUT_FAILED;
	if (policy_user_verdict(cfg, u, v, err) < 0)
		return OUT_FAILED;
	if (*v != U_ENABLED)
		return OUT_UNCAGED;
	struct slot s;
	if (single_threaded(err) < 0 || mount_cage(cfg, u, &s, err) < 0)
		return OUT_FAILED;
	/* said before the join: it also connects syslog(3)'s socket to the
	 * host's /dev/log (the cage has none), and the lines this module
	 * logs after the join go through that connection (doc/pam.md,
	 * "Syslog") */
	pam_syslog(ph, LOG_INFO, "%s: session joins the cage (slot %u, generation %s)", name, s.n,
		   s.gen);
	/* an error in there may leave the process half in (IPC joined): never
	 * fail open after it */
	if (join_for_children(cfg, &s, err) < 0 || session_walls(ph, cfg, name, debug, err) < 0)
		return OUT_FAILED_JOINING;
	return OUT_JOINED;
}

static int refuse(pam_handle_t *ph, const struct pam_args *a, const char *user, bool may_open,
		  const char *why)
{
	if (a->fail_open && may_open) {
		pam_syslog(ph, LOG_WARNING, "%s: cage not joined (%s): fail_open, session uncaged",
			   user, why);
		return PAM_IGNORE;
	}
	pam_syslog(ph, LOG_ERR, "%s: session refused: %s", user, why);
	return PAM_SESSION_ERR;
}

static int run(pam_handle_t *ph, const struct pam_args *a, const char *user)
{
	struct uc_config cfg;
	struct uc_error err = {0};
	struct uc_user u = {0};
	enum user_verdict v = U_DISABLED;
	if (uc_config_init(&cfg) < 0)
		return refuse(ph, a, user, true, "out of memory");
	int rc;
	/* with NULL the library would take $UNICAGE_CONFIG: scrub_env() removed it */
	if (uc_config_load(&cfg, a->config, &err) < 0) {
		rc = refuse(ph, a, user, true, err.msg);
		uc_config_release(&cfg);
		return rc;
	}
	switch (open_session(ph, &cfg, user, a->debug, &u, &v, &err)) {
	case OUT_UNCAGED:
		if (a->debug)
			pam_syslog(ph, LOG_DEBUG, "%s: not caged (%s)", user,
				   u.name ? policy_verdict_name(v)
					  : "not a user of unicage's database");
		rc = PAM_IGNORE;
		break;
	case OUT_JOINED:
		rc = PAM_SUCCESS;
		break;
	case OUT_FAILED:
		rc = refuse(ph, a, user, true, err.msg);
		break;
	default:
		rc = refuse(ph, a, user, false, err.msg);
		break;
	}
	if (u.name)
		user_release(&u);
	uc_config_release(&cfg);
	return rc;
}

PAM_EXTERN int pam_sm_open_session(pam_handle_t *ph, int flags, int argc, const char **argv)
{
	struct pam_args a;
	const char *user = NULL;
	if (parse_args(ph, argc, argv, &a) < 0)
		return PAM_SESSION_ERR;
	if (pam_get_item(ph, PAM_USER, (const void **)&user) != PAM_SUCCESS || !user || !*user) {
		pam_syslog(ph, LOG_ERR, "session refused: no PAM_USER");
		return PAM_SESSION_ERR;
	}
	scrub_env();
	mode_t old = umask(022); /* the caller's umask is not the cage's files' */
	int rc = run(ph, &a, user);
	umask(old);
	return rc;
}

PAM_EXTERN int pam_sm_close_session(pam_handle_t *ph, int flags, int argc, const char **argv)
{
	return PAM_SUCCESS;
}
