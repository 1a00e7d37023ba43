#include "enter/seccomp.h"

#include "lib/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <sched.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>

/* Syscalls newer than libseccomp 2.5.4 knows by name: x86_64 numbers
 * (the common table of Linux >= 5.1 gives every architecture the same). */
#ifndef __SNR_setxattrat
#define NR_SETXATTRAT 463 /* Linux 6.13 */
#else
#define NR_SETXATTRAT __SNR_setxattrat
#endif

struct deny {
	int nr; /* __SNR_ number, or -1 for a name libseccomp resolves */
	const char *name;
	int errnum;
};

/* Everyone in a cage: reaching past the cage, or kernel attack surface. */
static const struct deny deny_all[] = {
    /* "shocker": a file handle opens any inode of a filesystem the cage
     * has a mount of, outside the mount */
    {-1, "open_by_handle_at", EPERM},
    {-1, "name_to_handle_at", EPERM},
    {-1, "bpf", EPERM},
    {-1, "perf_event_open", EPERM},
    {-1, "kexec_load", EPERM},
    {-1, "kexec_file_load", EPERM},
    {-1, "init_module", EPERM},
    {-1, "finit_module", EPERM},
    {-1, "delete_module", EPERM},
    {-1, "iopl", EPERM},
    {-1, "ioperm", EPERM},
    /* the classic helper of kernel exploits (stalls a kernel copy) */
    {-1, "userfaultfd", EPERM},
    /* its operations are not seen by seccomp (IORING_OP_SETXATTR...);
     * programs fall back to plain syscalls */
    {-1, "io_uring_setup", EPERM},
    {-1, "io_uring_enter", EPERM},
    {-1, "io_uring_register", EPERM},
    /* a key the kernel cannot find is asked of /sbin/request-key, run as
     * root of the host (call_usermodehelper: every namespace and capability
     * of the host) with the type, description and callout the caller chose:
     * keyutils' request-key.conf hands "debug:*" and others to scripts.
     * Nothing in a cage needs the upcall (keyctl and add_key stay) */
    {-1, "request_key", EPERM},
};

/* Root's repair shell only: keys (root's user keyring is the host's). */
static const struct deny deny_root[] = {
    {-1, "add_key", EPERM},
    {-1, "keyctl", EPERM},
    /* seccomp cannot read the xattr name: no xattr is set from the repair
     * shell (security.capability, but also ACLs: doc/enter.md) */
    {-1, "setxattr", EPERM},
    {-1, "lsetxattr", EPERM},
    {-1, "fsetxattr", EPERM},
    {NR_SETXATTRAT, "setxattrat", EPERM},
    /* the mode is inside struct open_how, out of seccomp's sight; glibc's
     * open() is openat, callers of openat2 fall back on ENOSYS */
    {-1, "openat2", ENOSYS},
};

static int resolve(const struct deny *d)
{
	return d->nr >= 0 ? d->nr : seccomp_syscall_resolve_name(d->name);
}

static int add_list(scmp_filter_ctx ctx, const struct deny *v, size_t n, struct uc_error *err)
{
	for (size_t i = 0; i < n; i++) {
		int nr = resolve(&v[i]);
		int r = nr == __NR_SCMP_ERROR
			    ? -EDOM
			    : seccomp_rule_add(ctx, SCMP_ACT_ERRNO(v[i].errnum), nr, 0);
		if (r < 0)
			return uc_fail_errno(err, -r, "seccomp: %s", v[i].name);
	}
	return 0;
}

/* `mode` argument number `arg` of syscall nr must not carry S_ISUID or
 * S_ISGID (two rules: libseccomp compares (arg & mask) == value). */
static int deny_suid_mode(scmp_filter_ctx ctx, int nr, unsigned arg, struct uc_error *err)
{
	static const unsigned bits[] = {S_ISUID, S_ISGID};
	for (size_t i = 0; i < UC_ARRAY_SIZE(bits); i++) {
		struct scmp_arg_cmp c = {arg, SCMP_CMP_MASKED_EQ, bits[i], bits[i]};
		int r = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1, &c);
		if (r < 0)
			return uc_fail_errno(err, -r, "seccomp: mode rule of syscall %d", nr);
	}
	return 0;
}

/* Files that would run setuid/setgid on the host (the home is nosuid only
 * inside the cage): chmod and every call that creates with a mode. */
static int deny_suid(scmp_filter_ctx ctx, struct uc_error *err)
{
	static const struct {
		const char *name;
		unsigned arg;
	} calls[] = {
	    {"chmod", 1}, {"fchmod", 1}, {"fchmodat", 2}, {"fchmodat2", 2}, {"creat", 1},
	    {"open", 2},  {"openat", 3}, {"mknod", 1},	  {"mknodat", 2},
	};
	for (size_t i = 0; i < UC_ARRAY_SIZE(calls); i++) {
		/* by name: fchmodat2 (Linux 6.6) is newer than the headers */
		int nr = seccomp_syscall_resolve_name(calls[i].name);
		int r = nr == __NR_SCMP_ERROR
			    ? uc_fail(err, UC_INTERNAL, "seccomp: no syscall %s", calls[i].name)
			    : deny_suid_mode(ctx, nr, calls[i].arg, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* `ss` and friends: netlink sock_diag lists every socket of the host with
 * its uid. EACCES, as a kernel that refuses the protocol would say. */
static int deny_sock_diag(scmp_filter_ctx ctx, struct uc_error *err)
{
	int r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 2,
				 SCMP_A0(SCMP_CMP_EQ, AF_NETLINK),
				 SCMP_A2(SCMP_CMP_EQ, NETLINK_SOCK_DIAG));
	return r < 0 ? uc_fail_errno(err, -r, "seccomp: socket rule") : 0;
}

/* cage_user_namespaces = no. clone3 passes its flags in memory seccomp
 * cannot read: ENOSYS makes glibc fall back to clone (as container
 * runtimes do); unshare and clone are compared on their flags. */
static int deny_userns(scmp_filter_ctx ctx, struct uc_error *err)
{
	int r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(unshare), 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER));
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER));
	return r < 0 ? uc_fail_errno(err, -r, "seccomp: user namespace rules") : 0;
}

static void ctx_releasep(scmp_filter_ctx *c)
{
	if (*c)
		seccomp_release(*c);
}

scmp_filter_ctx cage_filter_new(unsigned flags, struct uc_error *err)
{
	__attribute__((cleanup(ctx_releasep))) scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx) {
		uc_fail(err, UC_INTERNAL, "seccomp_init failed");
		return NULL;
	}
	/* another ABI's syscall numbers mean other calls: kill, never allow */
	int r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (r == 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (r == 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (r < 0) {
		uc_fail_errno(err, -r, "seccomp attributes");
		return NULL;
	}
	if (add_list(ctx, deny_all, UC_ARRAY_SIZE(deny_all), err) < 0 ||
	    deny_sock_diag(ctx, err) < 0 ||
	    (!(flags & CAGE_FILTER_USERNS) && deny_userns(ctx, err) < 0))
		return NULL;
	if ((flags & CAGE_FILTER_ROOT) &&
	    (add_list(ctx, deny_root, UC_ARRAY_SIZE(deny_root), err) < 0 ||
	     deny_suid(ctx, err) < 0))
		return NULL;
	return steal_pointer(&ctx);
}
