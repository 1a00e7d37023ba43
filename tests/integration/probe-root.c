/* probe-root.c: the classes of issue 13 run as root in the repair shell
 * (unicage enter); the scheme is probe.c's. */
#include "probe.h"

/* --- root in the repair shell: what needs the initial user namespace ------- */

int p_netadmin(void)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq r;
	memset(&r, 0, sizeof(r));
	snprintf(r.ifr_name, sizeof(r.ifr_name), "lo");
	if (ioctl(s, SIOCGIFMTU, &r) < 0)
		return broken("netadmin", "SIOCGIFMTU lo: %s", strerror(errno));
	int rc = ioctl(s, SIOCSIFMTU, &r); /* the same value: changes nothing */
	tried(rc == 0, "ioctl(SIOCSIFMTU, lo, %d) (CAP_NET_ADMIN): %s", r.ifr_mtu, err(rc));
	rc = ioctl(s, SIOCGIFFLAGS, &r);
	if (rc == 0)
		rc = ioctl(s, SIOCSIFFLAGS, &r);
	tried(rc == 0, "ioctl(SIOCSIFFLAGS, lo, unchanged): %s", err(rc));
	close(s);
	return verdict("netadmin", "the network cannot be changed",
		       "root changed the host's network devices");
}

int p_bind(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		struct sockaddr_in a = {.sin_family = AF_INET,
					.sin_port = htons((uint16_t)atoi(argv[i]))};
		int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int rc = bind(s, (struct sockaddr *)&a, sizeof(a));
		tried(rc == 0, "bind(0.0.0.0:%s): %s", argv[i], err(rc));
		close(s);
	}
	return verdict("bind", "privileged ports refused", "a privileged port was bound");
}

int p_packet(void)
{
	int s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	tried(s >= 0, "socket(AF_PACKET, SOCK_RAW) (sniff): %s", err(s));
	if (s >= 0)
		close(s);
	s = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_TCP);
	tried(s >= 0, "socket(AF_INET, SOCK_RAW, tcp): %s", err(s));
	if (s >= 0)
		close(s);
	return verdict("packet", "raw sockets refused", "a raw socket was opened");
}

int p_kmsg(void)
{
	char buf[256];
	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, sizeof(buf));
	tried(n >= 0, "syslog(READ_ALL) (dmesg): %s", n >= 0 ? "read the kernel log" : err(n));
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	tried(fd >= 0, "open /dev/kmsg: %s", err(fd));
	if (fd >= 0)
		close(fd);
	/* the cage's /dev is the one mount without nodev: a node made there
	 * would open any device of the host */
	int rc = mknod("/dev/uc-probe-kmsg", S_IFCHR | 0600, makedev(1, 11));
	tried(rc == 0, "mknod /dev/uc-probe-kmsg (char 1:11): %s", err(rc));
	if (rc == 0) {
		fd = open("/dev/uc-probe-kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		tried(fd >= 0, "open it: %s", err(fd));
		if (fd >= 0)
			close(fd);
		unlink("/dev/uc-probe-kmsg");
	}
	return verdict("kmsg", "the kernel log and devices are out of reach",
		       "the kernel log was read (or a device node made)");
}

int p_rt(void)
{
	struct sched_param sp = {.sched_priority = 99};
	int rc = sched_setscheduler(0, SCHED_FIFO, &sp);
	tried(rc == 0, "sched_setscheduler(SCHED_FIFO, 99) (chrt -f 99): %s", err(rc));
	sp.sched_priority = 0;
	if (rc == 0)
		sched_setscheduler(0, SCHED_OTHER, &sp);
	rc = setpriority(PRIO_PROCESS, 0, -20);
	tried(rc == 0, "setpriority(-20): %s", err(rc));
	if (rc == 0)
		setpriority(PRIO_PROCESS, 0, 0);
	return verdict("rt", "real-time and negative nice refused",
		       "root took a real-time priority");
}

/* suid DIR: copies of this program made setuid-root or given file
 * capabilities in DIR, one per way of asking the kernel (a filter that knows
 * chmod but not fchmodat2, openat's mode but not openat2's, ...); the test
 * then stats them and runs them on the host */
static int copy_self(int out)
{
	int in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	char buf[65536];
	ssize_t n;
	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			break;
	if (in >= 0)
		close(in);
	return out;
}

static int make_copy(const char *dir, const char *how, char *path, size_t size, mode_t mode)
{
	snprintf(path, size, "%s/suid-%s", dir, how);
	unlink(path);
	return copy_self(open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
}

struct open_how_ {
	uint64_t flags, mode, resolve;
};

struct xattr_args_ {
	uint64_t value;
	uint32_t size, flags;
};

/* VFS_CAP_REVISION_2, effective: CAP_SETUID (7) and CAP_DAC_OVERRIDE (1) */
static const uint32_t fcap[5] = {0x02000000 | 1, (1u << 7) | (1u << 1), 0, 0, 0};

static long try_mode(const char *how, const char *path, int fd)
{
	if (!strcmp(how, "fchmod"))
		return fchmod(fd, 04755);
	if (!strcmp(how, "chmod"))
		return chmod(path, 06755);
	if (!strcmp(how, "fchmodat"))
		return fchmodat(AT_FDCWD, path, 04755, 0);
	if (!strcmp(how, "fchmodat2"))
		return syscall(452 /* fchmodat2 */, AT_FDCWD, path, 04755, 0);
	if (!strcmp(how, "setxattr"))
		return setxattr(path, "security.capability", fcap, sizeof(fcap), 0);
	if (!strcmp(how, "lsetxattr"))
		return lsetxattr(path, "security.capability", fcap, sizeof(fcap), 0);
	if (!strcmp(how, "fsetxattr"))
		return fsetxattr(fd, "security.capability", fcap, sizeof(fcap), 0);
	struct xattr_args_ xa = {.value = (uint64_t)(uintptr_t)fcap, .size = sizeof(fcap)};
	return syscall(463 /* setxattrat */, AT_FDCWD, path, 0, "security.capability", &xa,
		       sizeof(xa));
}

/* made with the bit at creation: open, openat2, mknod (then written) */
static void suid_create(const char *dir)
{
	char path[512];
	/* judged as made: a write by root in a user namespace clears the bit
	 * (no CAP_FSETID of the host), one by the host's root does not */
	snprintf(path, sizeof(path), "%s/suid-open", dir);
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 04755);
	struct stat st;
	bool bit = fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & S_ISUID);
	tried(bit, "open(O_CREAT, 04755): %s", bit ? "setuid file made" : err(fd));
	if (fd >= 0)
		close(copy_self(fd));
	snprintf(path, sizeof(path), "%s/suid-openat2", dir);
	unlink(path);
	struct open_how_ oh = {.flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, .mode = 04755};
	fd = (int)syscall(437 /* openat2 */, AT_FDCWD, path, &oh, sizeof(oh));
	bit = fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & S_ISUID);
	tried(bit, "openat2(O_CREAT, mode 04755): %s", bit ? "setuid file made" : err(fd));
	if (fd >= 0)
		close(copy_self(fd));
	snprintf(path, sizeof(path), "%s/suid-mknod", dir);
	unlink(path);
	int rc = mknodat(AT_FDCWD, path, S_IFREG | 04755, 0);
	bit = rc == 0 && stat(path, &st) == 0 && (st.st_mode & S_ISUID);
	tried(bit, "mknodat(S_IFREG | 04755): %s", bit ? "setuid file made" : err(rc));
	if (rc == 0 && (fd = open(path, O_WRONLY | O_CLOEXEC)) >= 0)
		close(copy_self(fd));
}

int p_suid(int argc, char **argv)
{
	if (argc < 1)
		return broken("suid", "usage: suid DIR");
	static const char *const how[] = {"fchmod",   "chmod",	   "fchmodat",	"fchmodat2",
					  "setxattr", "lsetxattr", "fsetxattr", "setxattrat"};
	for (size_t i = 0; i < sizeof(how) / sizeof(how[0]); i++) {
		char path[512];
		int fd = make_copy(argv[0], how[i], path, sizeof(path), 0755);
		if (fd < 0)
			return broken("suid", "%s: %s", path, strerror(errno));
		long rc = fchown(fd, 0, 0);
		if (rc == 0)
			rc = try_mode(how[i], path, fd);
		tried(rc == 0, "%s(%s): %s", how[i],
		      strstr(how[i], "xattr") ? "security.capability cap_setuid+ep" : "setuid",
		      err(rc));
		close(fd);
	}
	suid_create(argv[0]);
	return verdict("suid", "no file gaining privilege could be made",
		       "a file that gains privilege was made");
}

/* whoami: run on the host by the test (as alice) on what p_suid made */
int h_whoami(void)
{
	char line[256], eff[64] = "?";
	FILE *f = fopen("/proc/self/status", "re");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "CapEff:", 7))
			sscanf(line + 7, "%63s", eff);
	if (f)
		fclose(f);
	printf("uid=%u euid=%u CapEff=%s\n", getuid(), geteuid(), eff);
	return geteuid() == 0 || strspn(eff, "0") != strlen(eff) ? ESCAPED : CONTAINED;
}

/* --- /proc: what a hosting user has no business reading --------------------- */

/* masked: what was opened is not procfs's own file (a device or an empty
 * file mounted over it) */
static bool masked(int fd)
{
	struct stat st, proc;
	if (fstat(fd, &st) < 0 || stat("/proc/self", &proc) < 0)
		return false;
	return S_ISCHR(st.st_mode) || st.st_dev != proc.st_dev;
}

/* kernel addresses are shown when a line's address is not all zeros (the
 * first per-cpu symbols are at 0 even when they are shown) */
static bool addresses_shown(const char *buf)
{
	for (const char *l = buf; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : "")
		if (strspn(l, "0") < 16 && strspn(l, "0123456789abcdef") >= 16)
			return true;
	return false;
}

static void proc_file(const char *name, int flags)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%s", name);
	int fd = open(path, flags | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		tried(false, "open %s: %s", path, strerror(errno));
		return;
	}
	if (masked(fd)) {
		tried(false, "open %s: masked (another file is mounted over it)", path);
		close(fd);
		return;
	}
	if (flags != O_RDONLY) { /* never written */
		tried(true, "open %s for writing: succeeded", path);
		close(fd);
		return;
	}
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0) {
		tried(false, "read %s: %s", path, n < 0 ? strerror(errno) : "empty (masked)");
		return;
	}
	buf[n] = '\0';
	if (!strcmp(name, "kallsyms")) {
		bool shown = addresses_shown(buf);
		tried(shown, "read %s: %s", path, shown ? "kernel addresses shown" : "addresses 0");
		return;
	}
	tried(true, "read %s: %zd bytes", path, n);
}

int p_procmask(void)
{
	static const char *const rd[] = {"kcore", "keys", "timer_list", "sched_debug", "kallsyms"};
	for (size_t i = 0; i < sizeof(rd) / sizeof(rd[0]); i++)
		proc_file(rd[i], O_RDONLY);
	/* opened, never written: core_pattern and modprobe name programs the
	 * kernel runs as the host's root */
	static const char *const wr[] = {"sysrq-trigger", "sys/kernel/core_pattern",
					 "sys/kernel/modprobe", "sys/kernel/sysrq"};
	for (size_t i = 0; i < sizeof(wr) / sizeof(wr[0]); i++)
		proc_file(wr[i], O_WRONLY);
	return verdict("procmask", "kernel internals of /proc are masked",
		       "a kernel file of /proc is readable (or one is writable)");
}
