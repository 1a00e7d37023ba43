/* Loading the cages' seccomp filter: the BPF programs libseccomp compiled
 * at build time from enter/seccomp.c (enter/gen/seccomp_gen.c), so an entry
 * into a cage costs one seccomp(2) call, not a compilation. */
#include "enter/seccomp.h"

#include "lib/cleanup.h"
#include "enter/cage_filters.h" /* generated: $(BUILD)/gen/enter/ */

#include <errno.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

const struct sock_fprog *cage_filter_prog(unsigned flags)
{
	return flags < UC_ARRAY_SIZE(cage_filters) ? &cage_filters[flags] : NULL;
}

int cage_filter_load(unsigned flags, struct uc_error *err)
{
	const struct sock_fprog *p = cage_filter_prog(flags);
	if (!p)
		return uc_fail(err, UC_INTERNAL, "seccomp: no filter for flags %#x", flags);
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, p) < 0)
		return uc_fail_errno(err, errno, "loading the seccomp filter");
	return 0;
}
