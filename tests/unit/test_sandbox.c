/* The containment policy (enter/seccomp.c, enter/sandbox.c, enter/landlock.c):
 * what the seccomp filter of a cage denies and what it lets through, the
 * capability allowlist, Landlock scoping. Each case runs in a forked child
 * that loads the policy for good (no root needed: no_new_privs), tries the
 * calls, and reports through its exit status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "enter/landlock.h"
#include "enter/sandbox.h"
#include "enter/seccomp.h"
#include "enter/verbs.h"
#include "lib/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <linux/netlink.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

static char dir[] = "/tmp/test_sandbox.XXXXXX";

/* What a child reports: 0 all as expected, else the line of the first
 * check that was not (the exit status carries it, mod 256). */
#define EXPECT(cond)                                                                               \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "child: %s:%d: %s (errno %d %s)\n", __FILE__, __LINE__,    \
				#cond, errno, strerror(errno));                                    \
			_exit(__LINE__ % 250 + 1);                                                 \
		}                                                                                  \
	} while (0)

/* -errno of a call returning -1, 0 (or more) on success */
#define TRY(call) ((call) < 0 ? -errno : 0)

typedef void (*child_fn)(void);

/* Runs fn in a child under the filter of `flags` (-1: no filter); returns
 * the child's raw wait status. */
static int in_child(int flags, child_fn fn)
{
	fflush(NULL);
	pid_t p = fork();
	assert_true(p >= 0);
	if (p == 0) {
		struct uc_error err = {0};
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(200);
		if (flags >= 0 && cage_filter_load((unsigned)flags, &err) < 0) {
			fprintf(stderr, "child: %s\n", err.msg);
			_exit(201);
		}
		fn();
		_exit(0);
	}
	int st;
	assert_int_equal(waitpid(p, &st, 0), p);
	return st;
}

static void assert_child_ok(int flags, child_fn fn)
{
	int st = in_child(flags, fn);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("child: status %#x (exit %d, signal %d)", st, WEXITSTATUS(st),
			 WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static char file[300];

static void make_file(void)
{
	snprintf(file, sizeof(file), "%s/f", dir);
	int fd = open(file, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	assert_true(fd >= 0);
	close(fd);
	chmod(file, 0644);
}

/* ---- everyone in a cage ---------------------------------------------------- */

static void everyone_denied(void)
{
	struct {
		struct file_handle h;
		unsigned char b[128];
	} fh = {.h.handle_bytes = 128};
	int mnt;
	/* "shocker": EPERM from the filter, not EBADF/EINVAL from the kernel */
	EXPECT(TRY(syscall(SYS_open_by_handle_at, -1, &fh.h, O_RDONLY)) == -EPERM);
	EXPECT(TRY(syscall(SYS_name_to_handle_at, AT_FDCWD, "/", &fh.h, &mnt, 0)) == -EPERM);
	EXPECT(TRY(syscall(SYS_bpf, 0, NULL, 0)) == -EPERM);
	EXPECT(TRY(syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0)) == -EPERM);
	EXPECT(TRY(syscall(SYS_kexec_load, 0, 0, NULL, 0)) == -EPERM);
	EXPECT(TRY(syscall(SYS_init_module, NULL, 0, "")) == -EPERM);
	EXPECT(TRY(syscall(SYS_finit_module, -1, "", 0)) == -EPERM);
	EXPECT(TRY(syscall(SYS_delete_module, "x", 0)) == -EPERM);
	EXPECT(TRY(syscall(SYS_iopl, 0)) == -EPERM);
	EXPECT(TRY(syscall(SYS_ioperm, 0, 0, 0)) == -EPERM);
	EXPECT(TRY(syscall(SYS_userfaultfd, 0)) == -EPERM);
	EXPECT(TRY(syscall(SYS_io_uring_setup, 1, NULL)) == -EPERM);
	/* the upcall would run /sbin/request-key as the host's root */
	EXPECT(TRY(syscall(SYS_request_key, "user", "debug:k", "callout", 0)) == -EPERM);
	/* sock_diag refused, other netlink families not */
	EXPECT(TRY(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG)) == -EACCES);
	EXPECT(TRY(socket(AF_NETLINK, SOCK_DGRAM, NETLINK_SOCK_DIAG)) == -EACCES);
	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	EXPECT(s >= 0);
	close(s);
	/* user namespaces (cage_user_namespaces = no); clone3 falls back */
	EXPECT(TRY(unshare(CLONE_NEWUSER)) == -EPERM);
	EXPECT(TRY(syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, 0)) == -EPERM);
	EXPECT(TRY(syscall(SYS_clone3, NULL, 0)) == -ENOSYS);
}

static void *thread_fn(void *arg)
{
	return arg;
}

static void everyone_allowed(void)
{
	/* ordinary work: files, fork, threads (glibc's clone3 falls back to
	 * clone), sockets, a private mount-less namespace */
	int fd = open(file, O_RDWR);
	EXPECT(fd >= 0);
	EXPECT(write(fd, "x", 1) == 1);
	close(fd);
	pid_t p = fork();
	EXPECT(p >= 0);
	if (p == 0)
		_exit(7);
	int st;
	EXPECT(waitpid(p, &st, 0) == p && WEXITSTATUS(st) == 7);
	pthread_t t;
	void *ret = NULL;
	EXPECT(pthread_create(&t, NULL, thread_fn, (void *)file) == 0);
	EXPECT(pthread_join(t, &ret) == 0 && ret == file);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	EXPECT(s >= 0);
	close(s);
	EXPECT(getpid() > 0);
}

/* What a user may do that root's repair shell may not. */
static void user_may(void)
{
	everyone_allowed();
	EXPECT(chmod(file, 04755) == 0); /* her own file; cages are nosuid */
	EXPECT(chmod(file, 0644) == 0);
	EXPECT(syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 1) > 0);
	int r = setxattr(file, "user.test", "1", 1, 0);
	EXPECT(r == 0 || errno == ENOTSUP);
}

static void handle_unfiltered(void)
{
	struct file_handle h = {.handle_bytes = 8};
	EXPECT(TRY(syscall(SYS_open_by_handle_at, -1, &h, O_RDONLY)) == -EBADF);
}

static void test_user_filter(void **st)
{
	make_file();
	/* root without the filter: the kernel's own answer is another */
	if (geteuid() == 0)
		assert_child_ok(-1, handle_unfiltered);
	assert_child_ok(0, everyone_denied);
	assert_child_ok(0, user_may);
}

static void test_root_filter(void **st)
{
	make_file();
	assert_child_ok(CAGE_FILTER_ROOT, everyone_denied);
	assert_child_ok(CAGE_FILTER_ROOT, everyone_allowed);
}

/* ---- root's repair shell --------------------------------------------------- */

static void root_no_suid(void)
{
	char p2[320];
	struct stat sb;
	EXPECT(TRY(chmod(file, 04755)) == -EPERM);
	EXPECT(TRY(chmod(file, 02755)) == -EPERM);
	EXPECT(TRY(chmod(file, 06755)) == -EPERM);
	EXPECT(stat(file, &sb) == 0 && (sb.st_mode & 07777) == 0644);
	int fd = open(file, O_RDONLY);
	EXPECT(fd >= 0);
	EXPECT(TRY(fchmod(fd, 04755)) == -EPERM);
	EXPECT(TRY(fchmodat(AT_FDCWD, file, 02700, 0)) == -EPERM);
	EXPECT(TRY(syscall(452 /* fchmodat2 */, AT_FDCWD, file, 04700, 0)) == -EPERM);
	EXPECT(fchmod(fd, 0600) == 0);
	close(fd);
	EXPECT(chmod(file, 0755) == 0);	 /* a plain mode is fine */
	EXPECT(chmod(file, 01777) == 0); /* so is the sticky bit */
	/* created with a setuid mode: refused at birth */
	snprintf(p2, sizeof(p2), "%s/new", dir);
	EXPECT(TRY(open(p2, O_CREAT | O_WRONLY, 04755)) == -EPERM);
	EXPECT(TRY(openat(AT_FDCWD, p2, O_CREAT | O_WRONLY, 02755)) == -EPERM);
	EXPECT(TRY(creat(p2, 04755)) == -EPERM);
	EXPECT(TRY(mknod(p2, S_IFREG | 04755, 0)) == -EPERM);
	EXPECT(access(p2, F_OK) < 0);
	fd = open(p2, O_CREAT | O_WRONLY, 0644);
	EXPECT(fd >= 0);
	close(fd);
	unlink(p2);
	/* xattrs (security.capability among them: the name is out of sight) */
	EXPECT(TRY(setxattr(file, "user.test", "1", 1, 0)) == -EPERM);
	EXPECT(TRY(lsetxattr(file, "security.capability", "", 0, 0)) == -EPERM);
	fd = open(file, O_RDONLY);
	EXPECT(TRY(fsetxattr(fd, "system.posix_acl_access", "", 0, 0)) == -EPERM);
	close(fd);
	EXPECT(TRY(syscall(463 /* setxattrat */, AT_FDCWD, file, 0, "user.x", NULL, 0)) == -EPERM);
	/* openat2 hides its mode from seccomp: ENOSYS, callers fall back */
	EXPECT(TRY(syscall(SYS_openat2, AT_FDCWD, file, NULL, 0)) == -ENOSYS);
	/* keys: root's user keyring is the host's */
	EXPECT(TRY(syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0)) == -EPERM);
	EXPECT(TRY(syscall(SYS_add_key, "user", "k", "v", 1, KEY_SPEC_SESSION_KEYRING)) == -EPERM);
	EXPECT(TRY(syscall(SYS_request_key, "user", "k", NULL, 0)) == -EPERM);
}

static void test_root_no_suid(void **st)
{
	make_file();
	assert_child_ok(CAGE_FILTER_ROOT, root_no_suid);
}

static void try_userns(void)
{
	EXPECT(unshare(CLONE_NEWUSER) == 0);
	EXPECT(TRY(syscall(SYS_clone3, NULL, 0)) != -ENOSYS);
}

/* cage_user_namespaces = yes: the filter lets them through (the kernel may
 * still refuse: then without the filter too) */
static void test_userns_key(void **st)
{
	if (in_child(-1, try_userns) != 0)
		skip();
	assert_child_ok(CAGE_FILTER_USERNS, try_userns);
	assert_child_ok(CAGE_FILTER_USERNS | CAGE_FILTER_ROOT, try_userns);
	assert_int_not_equal(in_child(0, try_userns), 0);
}

/* Another ABI's syscall (int 0x80: i386 numbers) kills the process. */
static void i386_syscall(void)
{
#if defined(__x86_64__)
	long ret;
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L /* i386 getpid */) : "memory");
	(void)ret;
#endif
}

/* x32: x86_64's entry with bit 30 set in the number */
static void x32_syscall(void)
{
	syscall(0x40000000L | 39L /* getpid */);
}

static void test_other_abi_killed(void **st)
{
#if defined(__x86_64__)
	int s = in_child(0, x32_syscall);
	assert_true(WIFSIGNALED(s));
	assert_int_equal(WTERMSIG(s), SIGSYS);
	s = in_child(0, i386_syscall);
	assert_true(WIFSIGNALED(s));
	assert_int_equal(WTERMSIG(s), SIGSYS);
	/* without the filter the same call just works */
	s = in_child(-1, i386_syscall);
	assert_true(WIFEXITED(s) && WEXITSTATUS(s) == 0);
#else
	skip();
#endif
}

/* What is loaded is what libseccomp makes of the rules now: the programs
 * compiled at build time are not stale (each of the four flag sets). */
static void test_filter_precompiled(void **st)
{
	for (unsigned fl = 0; fl < 4; fl++) {
		struct uc_error err = {0};
		scmp_filter_ctx ctx = cage_filter_new(fl, &err);
		assert_non_null(ctx);
		int fd = memfd_create("bpf", MFD_CLOEXEC);
		assert_true(fd >= 0);
		assert_int_equal(seccomp_export_bpf(ctx, fd), 0);
		seccomp_release(ctx);
		off_t size = lseek(fd, 0, SEEK_END);
		const struct sock_fprog *p = cage_filter_prog(fl);
		assert_non_null(p);
		assert_int_equal(size, (off_t)(p->len * sizeof(struct sock_filter)));
		struct sock_filter *buf = malloc((size_t)size);
		assert_int_equal(pread(fd, buf, (size_t)size, 0), size);
		assert_memory_equal(buf, p->filter, (size_t)size);
		free(buf);
		close(fd);
	}
	assert_null(cage_filter_prog(4));
}

/* ---- capabilities ---------------------------------------------------------- */

static uint64_t status_mask(const char *field)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	uint64_t v = UINT64_MAX;
	size_t n = strlen(field);
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':')
			v = strtoull(line + n + 1, NULL, 16);
	if (f)
		fclose(f);
	return v;
}

static void allowlist(void)
{
	/* root of this machine, or of a user namespace of our own */
	if (geteuid() != 0)
		EXPECT(unshare(CLONE_NEWUSER) == 0);
	static const int caps[] = {CAP_CHOWN, CAP_FOWNER, CAP_KILL};
	struct uc_error err = {0};
	EXPECT(sandbox_cap_allowlist(caps, 3, &err) == 0);
	uint64_t want = (1ULL << CAP_CHOWN) | (1ULL << CAP_FOWNER) | (1ULL << CAP_KILL);
	EXPECT(status_mask("CapBnd") == want);
	EXPECT(status_mask("CapPrm") == want);
	EXPECT(status_mask("CapEff") == want);
	EXPECT(status_mask("CapInh") == 0);
	EXPECT(status_mask("CapAmb") == 0);
	/* what is gone cannot come back */
	EXPECT(prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0) == 0);
	cap_t c = cap_get_proc();
	cap_value_t v = CAP_SYS_ADMIN;
	EXPECT(cap_set_flag(c, CAP_PERMITTED, 1, &v, CAP_SET) == 0);
	EXPECT(cap_set_proc(c) < 0 && errno == EPERM);
	cap_free(c);
}

static void allowlist_none(void)
{
	if (geteuid() != 0)
		EXPECT(unshare(CLONE_NEWUSER) == 0);
	struct uc_error err = {0};
	/* enter_caps = none: a look-only root */
	EXPECT(sandbox_cap_allowlist(NULL, 0, &err) == 0);
	EXPECT(status_mask("CapEff") == 0 && status_mask("CapBnd") == 0);
	EXPECT(status_mask("CapPrm") == 0);
}

static void test_cap_allowlist(void **st)
{
	if (geteuid() != 0 && access("/proc/self/ns/user", F_OK) < 0)
		skip();
	assert_child_ok(-1, allowlist);
	assert_child_ok(-1, allowlist_none);
}

static void test_scopes(void **st)
{
	assert_int_equal(sandbox_scopes(SANDBOX_USER), LL_SCOPE_ABSTRACT_UNIX);
	assert_int_equal(sandbox_scopes(SANDBOX_ROOT), LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL);
	struct sandbox sb = {.who = SANDBOX_ROOT};
	assert_int_equal(sandbox_filter_flags(&sb), CAGE_FILTER_ROOT);
	sb = (struct sandbox){.who = SANDBOX_USER, .user_namespaces = true};
	assert_int_equal(sandbox_filter_flags(&sb), CAGE_FILTER_USERNS);
}

/* ---- Landlock scoping ------------------------------------------------------- */

static int abstract_listener(const char *name)
{
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	memcpy(a.sun_path + 1, name, strlen(name));
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
	assert_int_equal(bind(s, (struct sockaddr *)&a, len), 0);
	assert_int_equal(listen(s, 4), 0);
	return s;
}

static int abstract_connect(const char *name)
{
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	memcpy(a.sun_path + 1, name, strlen(name));
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
	int r = connect(s, (struct sockaddr *)&a, len) < 0 ? -errno : 0;
	close(s);
	return r;
}

static char sockname[64];

static void scoped_out(void)
{
	EXPECT(abstract_connect(sockname) == 0); /* reachable before */
	struct uc_error err = {0};
	EXPECT(landlock_scope(LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL, &err) == 0);
	EXPECT(abstract_connect(sockname) == -EPERM);
	EXPECT(TRY(kill(getppid(), 0)) == -EPERM); /* outside the domain */
	EXPECT(kill(getpid(), 0) == 0);
	/* what the domain makes itself stays reachable */
	char inner[80];
	snprintf(inner, sizeof(inner), "%s.in", sockname);
	int l = abstract_listener(inner);
	EXPECT(abstract_connect(inner) == 0);
	close(l);
}

static void test_landlock_scope(void **st)
{
	int abi;
	if (!landlock_can_scope(&abi)) {
		struct uc_error err = {0};
		assert_int_equal(landlock_scope(LL_SCOPE_SIGNAL, &err), -EOPNOTSUPP);
		skip();
	}
	snprintf(sockname, sizeof(sockname), "unicage-test-%d", (int)getpid());
	int l = abstract_listener(sockname);
	assert_child_ok(-1, scoped_out);
	close(l);
}

/* ---- options (enter/args.c) ------------------------------------------------- */

static int parse_args(struct enter_opts *o, struct uc_error *err, ...)
{
	char *argv[16];
	int argc = 0;
	va_list ap;
	va_start(ap, err);
	for (char *a; argc < 15 && (a = va_arg(ap, char *));)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	bool help;
	return enter_parse(argc, argv, o, &help, NULL, err);
}

static void test_exec_options(void **st)
{
	struct enter_opts o;
	struct uc_error err = {0};
	assert_int_equal(
	    parse_args(&o, &err, "exec", "--preserve-fds", "2", "alice", "--", "id", NULL), 0);
	assert_int_equal(o.preserve_fds, 2);
	assert_false(o.pty);
	assert_string_equal(o.cmd[0], "id");
	/* after USER too, as --allow-uncaged */
	assert_int_equal(parse_args(&o, &err, "exec", "alice", "--pty", "--preserve-fds=3",
				    "--allow-uncaged", "--", "id", NULL),
			 0);
	assert_true(o.pty && o.allow_uncaged);
	assert_int_equal(o.preserve_fds, 3);
	/* the command's own options are the command's */
	assert_int_equal(parse_args(&o, &err, "exec", "alice", "ls", "--pty", NULL), 0);
	assert_false(o.pty);
	assert_string_equal(o.cmd[1], "--pty");
	assert_int_equal(parse_args(&o, &err, "enter", "--pty", "alice", "--", "vi", NULL), 0);
	assert_true(o.pty);
	assert_int_equal(o.preserve_fds, 0);

	static const char *const bad[][6] = {
	    {"exec", "--preserve-fds", "x", "alice", "id", NULL},
	    {"exec", "alice", "--preserve-fds", "-1", "id", NULL},
	    {"exec", "alice", "--preserve-fds=99999", "id", NULL},
	    {"exec", "alice", "--preserve-fds", NULL},
	    {"enter", "--preserve-fds", "2", "alice", NULL},
	};
	for (size_t i = 0; i < UC_ARRAY_SIZE(bad); i++) {
		err = (struct uc_error){0};
		assert_int_not_equal(parse_args(&o, &err, bad[i][0], bad[i][1], bad[i][2],
						bad[i][3], bad[i][4], NULL),
				     0);
		assert_int_equal(err.kind, UC_BADREQUEST);
	}
}

/* exec --env, --keep-env, --cwd (enter/exec_env.c) */
static void test_exec_env_options(void **st)
{
	struct enter_opts o;
	struct uc_error err = {0};
	assert_int_equal(parse_args(&o, &err, "exec", "--env", "A=1=2", "alice", "--env=B=",
				    "--keep-env", "TERM,X_1", "--cwd=site", "--", "id", NULL),
			 0);
	assert_int_equal(o.env.n_set, 2);
	assert_string_equal(o.env.set[0], "A=1=2");
	assert_string_equal(o.env.set[1], "B=");
	assert_int_equal(o.env.n_keep, 1);
	assert_int_equal(o.env.n_keep_names, 2);
	assert_string_equal(o.env.cwd, "site");
	assert_string_equal(o.cmd[0], "id");
	/* no CMD: exec's login shell */
	assert_int_equal(parse_args(&o, &err, "exec", "alice", "--cwd", "/srv", NULL), 0);
	assert_null(o.cmd);
	static const char *const bad[][6] = {
	    {"exec", "alice", "--env", "=x", NULL},
	    {"exec", "alice", "--env", "NOEQ", NULL},
	    {"exec", "alice", "--env", "9A=x", NULL},
	    {"exec", "alice", "--env", "A-B=x", NULL},
	    {"exec", "alice", "--env", NULL},
	    {"exec", "alice", "--keep-env", "A,", NULL},
	    {"exec", "alice", "--keep-env", "A=B", NULL},
	    {"exec", "alice", "--keep-env", "", NULL},
	    {"exec", "alice", "--cwd", "a/../b", NULL},
	    {"exec", "alice", "--cwd", "..", NULL},
	    {"exec", "alice", "--cwd", "", NULL},
	    {"enter", "alice", "--env", "A=1", NULL},
	    {"enter", "--cwd", "/", "alice", NULL},
	    {"exec", "alice", "--", NULL},
	};
	for (size_t i = 0; i < UC_ARRAY_SIZE(bad); i++) {
		err = (struct uc_error){0};
		assert_int_not_equal(parse_args(&o, &err, bad[i][0], bad[i][1], bad[i][2],
						bad[i][3], bad[i][4], NULL),
				     0);
		assert_int_equal(err.kind, UC_BADREQUEST);
	}
	/* '..' as a part of a name is a name */
	assert_int_equal(parse_args(&o, &err, "exec", "alice", "--cwd", "a/..b/c..", "id", NULL),
			 0);
	char name[300];
	memset(name, 'A', sizeof(name));
	assert_false(exec_env_name_ok(name, 256));
	assert_true(exec_env_name_ok(name, 255));
	assert_true(exec_env_name_ok("_x9", 3));
	assert_false(exec_env_name_ok("", 0));
}

/* --keep-env's values are the caller's, --env's win over them */
static void test_exec_env_apply(void **st)
{
	struct exec_env e = {0};
	struct uc_error err = {0};
	setenv("UC_T_KEEP", "kept value", 1);
	setenv("UC_T_BOTH", "from the caller", 1);
	unsetenv("UC_T_UNSET");
	assert_int_equal(exec_env_add_keep(&e, "UC_T_KEEP,UC_T_UNSET,UC_T_BOTH", &err), 0);
	assert_int_equal(exec_env_add_set(&e, "UC_T_BOTH=given", &err), 0);
	struct exec_env_kept k;
	assert_int_equal(exec_env_capture(&e, &k), 0);
	assert_int_equal(k.n, 2);
	unsetenv("UC_T_KEEP");
	unsetenv("UC_T_BOTH");
	assert_int_equal(exec_env_apply(&e, &k), 0);
	assert_string_equal(getenv("UC_T_KEEP"), "kept value");
	assert_string_equal(getenv("UC_T_BOTH"), "given");
	assert_null(getenv("UC_T_UNSET"));
	unsetenv("UC_T_KEEP");
	unsetenv("UC_T_BOTH");
}

static int setup(void **st)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **st)
{
	char p[320];
	snprintf(p, sizeof(p), "%s/f", dir);
	unlink(p);
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_user_filter),	     cmocka_unit_test(test_root_filter),
	    cmocka_unit_test(test_root_no_suid),     cmocka_unit_test(test_userns_key),
	    cmocka_unit_test(test_other_abi_killed), cmocka_unit_test(test_filter_precompiled),
	    cmocka_unit_test(test_cap_allowlist),    cmocka_unit_test(test_scopes),
	    cmocka_unit_test(test_landlock_scope),   cmocka_unit_test(test_exec_options),
	    cmocka_unit_test(test_exec_env_options), cmocka_unit_test(test_exec_env_apply),
	};
	return cmocka_run_group_tests_name("sandbox", tests, setup, teardown);
}
