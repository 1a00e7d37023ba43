/* probe: the attacks of issue 13, one class per argument, for t-contain.sh.
 * Built static by the test (cc -static -O2) and run inside a cage, as the
 * caged user (unicage exec) or as root (unicage enter). Each class prints
 * every attempt and what the kernel said, then one line
 *   RESULT <class> contained|ESCAPED|BROKEN: why
 * and exits 0 (contained), 10 (the attack worked) or 11 (a function the cage
 * must keep does not work, or the probe could not run). Helper classes
 * (listen, mkipc, withkey, whoami) are run by the test outside the cage to
 * set the scene. Nothing here writes to the host's devices or kernel
 * tunables: sysrq-trigger is opened, never written; a real-time policy or a
 * negative nice that was granted is given back at once. */
#include "probe.h"

static int leaks; /* attempts that worked (or told something they should not) */

void tried(bool leak, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("  %s ", leak ? "LEAK" : "ok  ");
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	if (leak)
		leaks++;
}

int verdict(const char *cls, const char *why_ok, const char *why_bad)
{
	printf("RESULT %s %s: %s\n", cls, leaks ? "ESCAPED" : "contained",
	       leaks ? why_bad : why_ok);
	fflush(stdout);
	return leaks ? ESCAPED : CONTAINED;
}

int broken(const char *cls, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("RESULT %s BROKEN: ", cls);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	fflush(stdout);
	return BROKEN;
}

const char *err(long rc)
{
	return rc < 0 ? strerror(errno) : "succeeded";
}

/* --- shocker: open_by_handle_at(2) of the filesystem's root inode ---------- */

struct fh {
	struct file_handle h;
	unsigned char buf[MAX_HANDLE_SZ];
};

static int p_handle(int argc, char **argv)
{
	if (argc < 1)
		return broken("handle", "usage: handle DIR [RELPATH-TO-READ]");
	int dir = open(argv[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return broken("handle", "open %s: %s", argv[0], strerror(errno));
	struct fh own = {.h.handle_bytes = MAX_HANDLE_SZ};
	int mnt;
	int rc = name_to_handle_at(dir, "", &own.h, &mnt, AT_EMPTY_PATH);
	printf("  name_to_handle_at(%s): %s (type %d, %u bytes)\n", argv[0], err(rc),
	       own.h.handle_type, own.h.handle_bytes);
	/* the original exploit: FILEID_INO32_GEN {ino 2, gen 0} is the root
	 * directory of an ext4 filesystem, wherever the descriptor points */
	struct fh root = {.h.handle_bytes = 8, .h.handle_type = 1};
	uint32_t ino_gen[2] = {2, 0};
	memcpy(root.h.f_handle, ino_gen, sizeof(ino_gen));
	int fd = open_by_handle_at(dir, &root.h, O_RDONLY | O_DIRECTORY);
	tried(fd >= 0, "open_by_handle_at(fd on %s, {FILEID_INO32_GEN, ino 2}): %s", argv[0],
	      err(fd));
	if (fd >= 0 && argc > 1) {
		char buf[256] = "";
		int f = openat(fd, argv[1], O_RDONLY);
		ssize_t n = f >= 0 ? read(f, buf, sizeof(buf) - 1) : -1;
		if (n > 0)
			buf[strcspn(buf, "\n")] = '\0';
		tried(n > 0, "read <filesystem root>/%s: %s%s%s", argv[1],
		      n > 0 ? "\"" : strerror(errno), n > 0 ? buf : "", n > 0 ? "\"" : "");
	}
	if (fd >= 0 && own.h.handle_bytes > 0) {
		int f = open_by_handle_at(dir, &own.h, O_RDONLY);
		tried(f >= 0, "open_by_handle_at(its own handle): %s", err(f));
	}
	return verdict("handle", "file handles cannot be opened",
		       "a file handle opened a directory outside the cage");
}

/* --- TIOCSTI: keystrokes pushed into the caller's terminal ----------------- */

static int p_tiocsti(void)
{
	static const char text[] = "echo INJECTED-BY-CAGE\n";
	int fds[4] = {0, 1, 2, open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)};
	if (fds[3] < 0)
		printf("  open /dev/tty: %s (no controlling terminal)\n", strerror(errno));
	for (int i = 0; i < 4; i++) {
		if (fds[i] < 0 || !isatty(fds[i]))
			continue;
		int ok = 0;
		for (const char *c = text; *c; c++)
			if (ioctl(fds[i], TIOCSTI, c) == 0)
				ok++;
		printf("  TIOCSTI on %s: %d of %zu characters pushed%s%s\n",
		       i < 3 ? (const char *[]){"fd 0", "fd 1", "fd 2"}[i] : "/dev/tty", ok,
		       strlen(text), ok ? "" : ": ", ok ? "" : strerror(errno));
		if (ok)
			break; /* once is enough to see where it lands */
	}
	/* where it lands decides: the test reads the caller's terminal */
	printf("RESULT tiocsti tried: the caller's terminal is checked by the test\n");
	return CONTAINED;
}

/* --- abstract unix sockets ---------------------------------------------- */

static socklen_t abstract_addr(struct sockaddr_un *a, const char *name)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	size_t n = strnlen(name, sizeof(a->sun_path) - 2);
	memcpy(a->sun_path + 1, name, n);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

static int p_abstract(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		struct sockaddr_un a;
		socklen_t len = abstract_addr(&a, argv[i]);
		int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int rc = connect(s, (struct sockaddr *)&a, len);
		tried(rc == 0, "connect(@%s): %s", argv[i], err(rc));
		close(s);
	}
	return verdict("abstract", "abstract sockets made outside the cage are unreachable",
		       "connected to an abstract socket made outside the cage");
}

/* listen NAME: an abstract socket server (the test's host daemon, bob's) */
static int h_listen(int argc, char **argv)
{
	if (argc < 1)
		return broken("listen", "usage: listen NAME [TCP-PORT]");
	struct sockaddr_un a;
	socklen_t len = abstract_addr(&a, argv[0]);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (bind(s, (struct sockaddr *)&a, len) < 0 || listen(s, 16) < 0)
		return broken("listen", "@%s: %s", argv[0], strerror(errno));
	if (argc > 1) {
		/* a listening TCP socket too: sock_diag's view of other uids */
		struct sockaddr_in in = {.sin_family = AF_INET,
					 .sin_port = htons((uint16_t)atoi(argv[1]))};
		int t = socket(AF_INET, SOCK_STREAM, 0);
		if (bind(t, (struct sockaddr *)&in, sizeof(in)) < 0 || listen(t, 16) < 0)
			return broken("listen", "tcp %s: %s", argv[1], strerror(errno));
	}
	for (;;) {
		int c = accept(s, NULL, NULL);
		if (c >= 0)
			close(c);
	}
}

/* --- BPF and perf ------------------------------------------------------- */

static int prog_load(enum bpf_prog_type type)
{
	struct bpf_insn insns[] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = type;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = 2;
	attr.license = (uint64_t)(uintptr_t) "GPL";
	return (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
}

static int p_bpf(void)
{
	static const struct {
		enum bpf_prog_type t;
		const char *name;
	} progs[] = {{BPF_PROG_TYPE_SOCKET_FILTER, "socket filter"},
		     {BPF_PROG_TYPE_TRACEPOINT, "tracepoint (reads kernel memory)"},
		     {BPF_PROG_TYPE_KPROBE, "kprobe"}};
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		int fd = prog_load(progs[i].t);
		tried(fd >= 0, "bpf(BPF_PROG_LOAD, %s): %s", progs[i].name, err(fd));
		if (fd >= 0)
			close(fd);
	}
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 4;
	attr.max_entries = 1;
	int fd = (int)syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
	tried(fd >= 0, "bpf(BPF_MAP_CREATE, array): %s", err(fd));
	return verdict("bpf", "bpf(2) refused", "a BPF object was created");
}

static int p_perf(void)
{
	static const struct {
		uint32_t type;
		uint64_t config;
		const char *name;
	} ev[] = {{PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK, "cpu-clock"},
		  {PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES, "context-switches"},
		  {PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES, "cycles"}};
	for (size_t i = 0; i < sizeof(ev) / sizeof(ev[0]); i++) {
		struct perf_event_attr a = {
		    .size = sizeof(a), .type = ev[i].type, .config = ev[i].config, .disabled = 1};
		int fd = (int)syscall(SYS_perf_event_open, &a, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
		tried(fd >= 0, "perf_event_open(%s, pid -1, cpu 0): %s", ev[i].name, err(fd));
		if (fd >= 0)
			close(fd);
	}
	return verdict("perf", "system-wide perf events refused",
		       "a system-wide perf event was opened");
}

/* --- keyrings ------------------------------------------------------------ */

static long keyctl(int op, unsigned long a, unsigned long b, unsigned long c, unsigned long d)
{
	return syscall(SYS_keyctl, op, a, b, c, d);
}

static int ring_of(const char *name)
{
	return !strcmp(name, "user") ? KEY_SPEC_USER_KEYRING : KEY_SPEC_SESSION_KEYRING;
}

/* keyring session|user DESC: the caller's key must be out of reach */
static int p_keyring(int argc, char **argv)
{
	if (argc < 2)
		return broken("keyring", "usage: keyring session|user DESC");
	long id = keyctl(KEYCTL_SEARCH, (unsigned long)ring_of(argv[0]), (unsigned long)"user",
			 (unsigned long)argv[1], 0);
	tried(id >= 0, "keyctl(SEARCH, %s keyring, user:%s): %s", argv[0], argv[1], err(id));
	if (id >= 0) {
		char buf[128] = "";
		long n =
		    keyctl(KEYCTL_READ, (unsigned long)id, (unsigned long)buf, sizeof(buf) - 1, 0);
		tried(n > 0, "keyctl(READ, %ld): %s%s", id, n > 0 ? "payload " : err(n),
		      n > 0 ? buf : "");
	}
	FILE *f = fopen("/proc/keys", "re");
	char line[512];
	bool seen = false;
	while (f && fgets(line, sizeof(line), f))
		seen |= strstr(line, argv[1]) != NULL;
	if (f)
		fclose(f);
	tried(seen, "/proc/keys names %s: %s", argv[1], seen ? "yes" : "no");
	return verdict("keyring", "the caller's key is invisible", "the caller's key was found");
}

/* keyupcall: a key the kernel does not have is asked of /sbin/request-key,
 * which the kernel runs as root of the host (every namespace, every
 * capability) with the type, description and callout chosen here. Any
 * answer but the filter's EPERM means the kernel looked the key up, and
 * would have started the helper on the host (ENOKEY where it is missing) */
static int p_keyupcall(void)
{
	long id = syscall(SYS_request_key, "user", "debug:uc-probe", "uc-probe callout",
			  KEY_SPEC_SESSION_KEYRING);
	int e = errno;
	tried(id >= 0 || e != EPERM, "request_key(user, debug:uc-probe, callout): %s%s", err(id),
	      id < 0 && e != EPERM ? " (the kernel looked it up: an upcall to the host)" : "");
	return verdict("keyupcall", "request_key refused before any upcall",
		       "request_key reached the kernel's upcall to /sbin/request-key");
}

/* linger: what the command leaves behind must not keep the caller's
 * terminal. A child in a session of its own outlives the command; once
 * the caller's `unicage exec` has returned, it writes a marker to the
 * stdout it inherited and tries TIOCSTI there. The caller's terminal must
 * not show the marker (through a relayed pty, the pty is hung up when the
 * command ends: EIO). What the child saw goes to FILE too. */
static int p_linger(int argc, char **argv)
{
	if (argc < 1)
		return broken("linger", "usage: linger FILE");
	/* before the fork: the hangup may come before the child's first step */
	signal(SIGHUP, SIG_IGN);
	pid_t p = fork();
	if (p < 0)
		return broken("linger", "fork: %s", strerror(errno));
	if (p > 0) {
		printf("  left a child behind (pid %d) holding fds 0-2\n", (int)p);
		printf("RESULT linger contained: judged by the caller (see the test)\n");
		return CONTAINED;
	}
	setsid();
	sleep(2);
	static const char m[] = "LINGER-WROTE-ON-THE-CALLERS-TERMINAL\r\n";
	ssize_t w = write(1, m, sizeof(m) - 1);
	int we = errno;
	char c = '#';
	int ti = ioctl(1, TIOCSTI, &c);
	int te = errno;
	FILE *f = fopen(argv[0], "we");
	if (f) {
		fprintf(f, "write: %s\nTIOCSTI: %s\n", w < 0 ? strerror(we) : "written",
			ti < 0 ? strerror(te) : "injected");
		fclose(f);
	}
	_exit(0);
}

/* withkey session|user DESC PAYLOAD -- CMD...: the scene for p_keyring (a
 * new session keyring of the test's own, or root's user keyring); the key
 * is invalidated when CMD is done */
static int h_withkey(int argc, char **argv)
{
	if (argc < 5 || strcmp(argv[3], "--"))
		return broken("withkey", "usage: withkey session|user DESC PAYLOAD -- CMD...");
	int ring = ring_of(argv[0]);
	if (ring == KEY_SPEC_SESSION_KEYRING && keyctl(KEYCTL_JOIN_SESSION_KEYRING, 0, 0, 0, 0) <
						    0) /* anonymous: never joins another */
		return broken("withkey", "join a session keyring: %s", strerror(errno));
	long id = syscall(SYS_add_key, "user", argv[1], argv[2], strlen(argv[2]), ring);
	if (id < 0)
		return broken("withkey", "add_key: %s", strerror(errno));
	pid_t p = fork();
	if (p == 0) {
		execvp(argv[4], argv + 4);
		_exit(127);
	}
	int st = 0;
	while (p > 0 && waitpid(p, &st, 0) < 0 && errno == EINTR)
		;
	keyctl(KEYCTL_INVALIDATE, (unsigned long)id, 0, 0, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* --- processes of others: pid and uid syscalls ---------------------------- */

static void probe_pid(pid_t pid)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	tried(fd >= 0 || errno != ESRCH, "pidfd_open(%d): %s", pid, err(fd));
	if (fd >= 0)
		close(fd);
	int rc = kill(pid, 0);
	tried(rc == 0 || errno != ESRCH, "kill(%d, 0): %s", pid, err(rc));
	cpu_set_t set;
	rc = sched_getaffinity(pid, sizeof(set), &set);
	tried(rc == 0 || errno != ESRCH, "sched_getaffinity(%d): %s", pid, err(rc));
	errno = 0;
	int prio = getpriority(PRIO_PROCESS, (id_t)pid);
	bool found = !(prio == -1 && errno == ESRCH);
	tried(found, "getpriority(PRIO_PROCESS, %d): %s", pid, found ? "answered" : "ESRCH");
	rc = (int)syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, pid);
	tried(rc >= 0 || errno != ESRCH, "ioprio_get(WHO_PROCESS, %d): %s", pid, err(rc));
	rc = sched_getscheduler(pid);
	tried(rc >= 0 || errno != ESRCH, "sched_getscheduler(%d): %s", pid, err(rc));
}

static void probe_uid(uid_t uid)
{
	errno = 0;
	int prio = getpriority(PRIO_USER, uid);
	bool found = !(prio == -1 && errno == ESRCH);
	tried(found, "getpriority(PRIO_USER, %u): %s", uid,
	      found ? "answered: the uid has processes" : "ESRCH");
	int rc = (int)syscall(SYS_ioprio_get, 3 /* IOPRIO_WHO_USER */, uid);
	tried(rc >= 0 || errno != ESRCH, "ioprio_get(WHO_USER, %u): %s", uid, err(rc));
}

/* pids PID... [-u UID...] */
static int p_pids(int argc, char **argv)
{
	bool uids = false;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-u"))
			uids = true;
		else if (uids)
			probe_uid((uid_t)strtoul(argv[i], NULL, 10));
		else
			probe_pid((pid_t)strtol(argv[i], NULL, 10));
	}
	return verdict("pids", "the processes and uids named do not exist here",
		       "a syscall told of a process outside the cage");
}

/* signal FD PID: a host process, through a pidfd (/proc/PID directory) the
 * test passed and by its pid */
static int p_signal(int argc, char **argv)
{
	if (argc < 2)
		return broken("signal", "usage: signal FD PID");
	int fd = atoi(argv[0]);
	pid_t pid = (pid_t)atoi(argv[1]);
	if (fcntl(fd, F_GETFD) < 0)
		return broken("signal", "fd %d was not passed: %s", fd, strerror(errno));
	int rc = (int)syscall(SYS_pidfd_send_signal, fd, SIGCONT, NULL, 0);
	tried(rc == 0, "pidfd_send_signal(fd %d, SIGCONT): %s", fd, err(rc));
	rc = kill(pid, SIGCONT);
	tried(rc == 0, "kill(%d, SIGCONT): %s", pid, err(rc));
	return verdict("signal", "signals to a process outside the cage are refused",
		       "a process outside the cage was signalled");
}

/* --- SysV IPC and POSIX message queues ------------------------------------ */

static bool planted(key_t k, int argc, char **argv)
{
	for (int i = 0; i < argc && strcmp(argv[i], "-m"); i++)
		if (k == (key_t)strtol(argv[i], NULL, 0))
			return true;
	return false;
}

/* every object of the namespace, as ipcs lists them (*_STAT_ANY ignores
 * permissions): a planted key seen is a leak */
static void ipc_walk(int argc, char **argv)
{
	struct shm_info si;
	int max = shmctl(0, SHM_INFO, (struct shmid_ds *)&si);
	for (int i = 0; i <= max; i++) {
		struct shmid_ds d;
		if (shmctl(i, SHM_STAT_ANY, &d) >= 0 && planted(d.shm_perm.__key, argc, argv))
			tried(true, "shmctl(SHM_STAT_ANY) lists key %#x of uid %u",
			      d.shm_perm.__key, d.shm_perm.uid);
	}
	struct seminfo sinfo;
	max = semctl(0, 0, SEM_INFO, &sinfo);
	for (int i = 0; i <= max; i++) {
		struct semid_ds d;
		if (semctl(i, 0, SEM_STAT_ANY, &d) >= 0 && planted(d.sem_perm.__key, argc, argv))
			tried(true, "semctl(SEM_STAT_ANY) lists key %#x of uid %u",
			      d.sem_perm.__key, d.sem_perm.uid);
	}
	struct msginfo minfo;
	max = msgctl(0, MSG_INFO, (struct msqid_ds *)&minfo);
	for (int i = 0; i <= max; i++) {
		struct msqid_ds d;
		if (msgctl(i, MSG_STAT_ANY, &d) >= 0 && planted(d.msg_perm.__key, argc, argv))
			tried(true, "msgctl(MSG_STAT_ANY) lists key %#x of uid %u",
			      d.msg_perm.__key, d.msg_perm.uid);
	}
}

/* ipc KEY... [-m MQNAME...] */
static int p_ipc(int argc, char **argv)
{
	bool mq = false;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-m")) {
			mq = true;
			continue;
		}
		if (mq) {
			mqd_t q = mq_open(argv[i], O_RDONLY);
			tried(q != (mqd_t)-1 || errno != ENOENT, "mq_open(%s): %s", argv[i],
			      q != (mqd_t)-1 ? "opened" : strerror(errno));
			continue;
		}
		key_t k = (key_t)strtol(argv[i], NULL, 0);
		int id = shmget(k, 0, 0);
		tried(id >= 0 || errno != ENOENT, "shmget(%#x): %s", k, err(id));
		id = semget(k, 0, 0);
		tried(id >= 0 || errno != ENOENT, "semget(%#x): %s", k, err(id));
		id = msgget(k, 0);
		tried(id >= 0 || errno != ENOENT, "msgget(%#x): %s", k, err(id));
	}
	ipc_walk(argc, argv);
	return verdict("ipc", "IPC objects made outside the cage do not exist here",
		       "an IPC object made outside the cage is visible");
}

/* mkipc KEY MQNAME: objects everyone may open (so only a namespace hides them) */
static int h_mkipc(int argc, char **argv)
{
	if (argc < 2)
		return broken("mkipc", "usage: mkipc KEY MQNAME");
	key_t k = (key_t)strtol(argv[0], NULL, 0);
	if (shmget(k, 4096, IPC_CREAT | 0666) < 0 || semget(k, 1, IPC_CREAT | 0666) < 0 ||
	    msgget(k, IPC_CREAT | 0666) < 0)
		return broken("mkipc", "SysV %#x: %s", k, strerror(errno));
	mode_t old = umask(0);
	struct mq_attr small = {.mq_maxmsg = 1, .mq_msgsize = 64}; /* RLIMIT_MSGQUEUE */
	mqd_t q = mq_open(argv[1], O_CREAT | O_RDWR, 0666, &small);
	umask(old);
	if (q == (mqd_t)-1)
		return broken("mkipc", "mq_open %s: %s", argv[1], strerror(errno));
	return CONTAINED;
}

/* --- sock_diag: other uids' sockets -------------------------------------- */

static int diag_dump(int s, void *req, size_t len, bool inet, uid_t me, int *foreign)
{
	struct sockaddr_nl nl = {.nl_family = AF_NETLINK};
	if (sendto(s, req, len, 0, (struct sockaddr *)&nl, sizeof(nl)) < 0)
		return -errno;
	char buf[16384];
	int total = 0;
	for (;;) {
		ssize_t n = recv(s, buf, sizeof(buf), 0);
		if (n < 0)
			return -errno;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE)
				return total;
			if (h->nlmsg_type == NLMSG_ERROR)
				return -EPROTO;
			total++;
			if (inet) {
				struct inet_diag_msg *m = NLMSG_DATA(h);
				if (m->idiag_uid != me)
					(*foreign)++;
			}
		}
	}
}

static int p_sockdiag(void)
{
	uid_t me = getuid();
	int s = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	printf("  info socket(AF_NETLINK, NETLINK_SOCK_DIAG): %s\n", err(s));
	if (s >= 0) {
		struct {
			struct nlmsghdr h;
			struct inet_diag_req_v2 r;
		} in = {.h = {.nlmsg_len = sizeof(in),
			      .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			      .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
			.r = {.sdiag_family = AF_INET,
			      .sdiag_protocol = IPPROTO_TCP,
			      .idiag_states = ~0U}};
		int foreign = 0, n = diag_dump(s, &in, sizeof(in), true, me, &foreign);
		tried(foreign > 0, "inet_diag dump (ss -tanp): %d sockets, %d of other uids%s%s",
		      n < 0 ? 0 : n, foreign, n < 0 ? ": " : "", n < 0 ? strerror(-n) : "");
		struct {
			struct nlmsghdr h;
			struct unix_diag_req r;
		} un = {.h = {.nlmsg_len = sizeof(un),
			      .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			      .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
			.r = {.sdiag_family = AF_UNIX,
			      .udiag_states = ~0U,
			      .udiag_show = UDIAG_SHOW_NAME}};
		n = diag_dump(s, &un, sizeof(un), false, me, &foreign);
		printf("  info unix_diag dump (ss -xa): %d sockets%s%s\n", n < 0 ? 0 : n,
		       n < 0 ? ": " : "", n < 0 ? strerror(-n) : "");
		close(s);
	}
	/* the residual: procfs of the host's network namespace (doc/security.md) */
	FILE *f = fopen("/proc/net/tcp", "re");
	char line[512];
	int other = 0;
	while (f && fgets(line, sizeof(line), f)) {
		unsigned uid;
		if (sscanf(line, "%*s %*s %*s %*s %*s %*s %*s %u", &uid) == 1 && uid != me)
			other++;
	}
	printf("  info /proc/net/tcp: %s, %d lines of other uids (a residual, not asserted)\n",
	       f ? "readable" : strerror(errno), other);
	if (f)
		fclose(f);
	return verdict("sockdiag", "sock_diag shows no other uid's socket",
		       "sock_diag listed sockets of other uids");
}

/* --- user namespaces ------------------------------------------------------ */

int child_status(pid_t p)
{
	int st = 0;
	while (waitpid(p, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* unshare(2), and clone(2)/clone3(2) with CLONE_NEWUSER: a filter that reads
 * only unshare's flags (or clone's, which clone3 hides behind a pointer)
 * lets the others through */
static int p_userns(void)
{
	pid_t p = fork();
	if (p == 0)
		_exit(unshare(CLONE_NEWUSER) == 0 ? 0 : errno);
	int e = child_status(p);
	tried(e == 0, "unshare(CLONE_NEWUSER) (unshare -r): %s",
	      e == 0 ? "succeeded: a full capability set there" : strerror(e));
	long c = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
	if (c == 0)
		_exit(0);
	tried(c > 0, "clone(CLONE_NEWUSER): %s", err(c));
	if (c > 0)
		child_status((pid_t)c);
	struct {
		uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	} args = {.flags = CLONE_NEWUSER, .exit_signal = SIGCHLD};
	c = syscall(SYS_clone3, &args, sizeof(args));
	if (c == 0)
		_exit(0);
	tried(c > 0, "clone3(CLONE_NEWUSER): %s", err(c));
	if (c > 0)
		child_status((pid_t)c);
	return verdict("userns", "user namespaces refused", "a user namespace was made");
}

/* --- descriptors of the caller --------------------------------------------- */

/* fds [KEEP...]: exactly 0-2 and KEEP open */
static int p_fds(int argc, char **argv)
{
	int missing = 0;
	for (int fd = 3; fd < 1024; fd++) {
		bool keep = false;
		for (int i = 0; i < argc; i++)
			keep |= fd == atoi(argv[i]);
		bool open = fcntl(fd, F_GETFD) >= 0;
		char path[64], target[512] = "?";
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		ssize_t n = readlink(path, target, sizeof(target) - 1);
		if (n > 0)
			target[n] = '\0';
		if (keep && !open) {
			printf("  MISS fd %d (asked for with --preserve-fds) is not open\n", fd);
			missing++;
		} else if (keep) {
			printf("  ok   fd %d passed as asked: %s\n", fd, target);
		} else if (open) {
			struct stat st;
			bool dir = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
			tried(true, "fd %d of the caller is open here: %s%s", fd, target,
			      dir ? " (a directory: openat() reaches into it)" : "");
		}
	}
	if (missing)
		return broken("fds", "%d descriptor(s) asked for were not passed", missing);
	return verdict("fds", "no descriptor of the caller but those asked for",
		       "the caller's descriptors reached the command");
}

/* --- dispatch ------------------------------------------------------------- */

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		return broken("probe", "usage: probe CLASS [ARGS...]");
	const char *c = argv[1];
	int n = argc - 2;
	char **a = argv + 2;
	printf("probe %s as uid %u (euid %u) pid %d:\n", c, getuid(), geteuid(), getpid());
	if (!strcmp(c, "handle"))
		return p_handle(n, a);
	if (!strcmp(c, "tiocsti"))
		return p_tiocsti();
	if (!strcmp(c, "abstract"))
		return p_abstract(n, a);
	if (!strcmp(c, "bpf"))
		return p_bpf();
	if (!strcmp(c, "perf"))
		return p_perf();
	if (!strcmp(c, "keyring"))
		return p_keyring(n, a);
	if (!strcmp(c, "keyupcall"))
		return p_keyupcall();
	if (!strcmp(c, "linger"))
		return p_linger(n, a);
	if (!strcmp(c, "pids"))
		return p_pids(n, a);
	if (!strcmp(c, "signal"))
		return p_signal(n, a);
	if (!strcmp(c, "ipc"))
		return p_ipc(n, a);
	if (!strcmp(c, "sockdiag"))
		return p_sockdiag();
	if (!strcmp(c, "userns"))
		return p_userns();
	if (!strcmp(c, "fds"))
		return p_fds(n, a);
	if (!strcmp(c, "netadmin"))
		return p_netadmin();
	if (!strcmp(c, "bind"))
		return p_bind(n, a);
	if (!strcmp(c, "packet"))
		return p_packet();
	if (!strcmp(c, "kmsg"))
		return p_kmsg();
	if (!strcmp(c, "rt"))
		return p_rt();
	if (!strcmp(c, "suid"))
		return p_suid(n, a);
	if (!strcmp(c, "procmask"))
		return p_procmask();
	if (!strcmp(c, "listen"))
		return h_listen(n, a);
	if (!strcmp(c, "mkipc"))
		return h_mkipc(n, a);
	if (!strcmp(c, "withkey"))
		return h_withkey(n, a);
	if (!strcmp(c, "whoami"))
		return h_whoami();
	return broken(c, "unknown class");
}
