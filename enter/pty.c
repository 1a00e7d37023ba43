#include "enter/pty.h"

#include "lib/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static int open_pty(int *master, int *slave, struct uc_error *err)
{
	_cleanup_close_ int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	char name[128];
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0 || ptsname_r(m, name, sizeof(name)))
		return uc_fail_errno(err, errno, "a new pty (/dev/ptmx)");
	/* through the master (TIOCGPTPEER), not by the name: a name can be
	 * raced, the peer is the master's own slave */
	int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0)
		s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0)
		return uc_fail_errno(err, errno, "%s", name);
	*slave = s;
	*master = steal_fd(&m);
	return 0;
}

/* The child: a new session (no terminal of the caller's), the slave on
 * the fds of `fds` (bits 0-2; the others are left as they are: a pipe
 * stays a pipe); it becomes the controlling terminal of the command's own session
 * later (pty_take_ctty), inside the cage's pid namespace: a shell that
 * cannot see the terminal's foreground process group fails at exit. */
static int child_side(int master, int slave, unsigned fds, struct uc_error *err)
{
	close(master);
	if (setsid() < 0)
		return uc_fail_errno(err, errno, "setsid");
	for (int fd = 0; fd < 3; fd++)
		if ((fds & (1u << fd)) && dup2(slave, fd) < 0)
			return uc_fail_errno(err, errno, "dup2");
	if (slave > 2)
		close(slave);
	return 0;
}

struct relay {
	int master, sig;
	int term;   /* the caller's terminal (window size), or -1 */
	int out_fd; /* where the pty's output goes: stdout, else stderr, else stdin */
	pid_t child;
	bool in_open, tty, child_done;
	int status;
	char in[4096], out[4096];
	size_t in_len, in_off, out_len, out_off;
};

static struct termios saved;
static bool raw_set;

static void restore_tty(void)
{
	if (raw_set)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &saved);
	raw_set = false;
}

static void copy_winsize(int term, int master)
{
	struct winsize ws;
	if (term >= 0 && ioctl(term, TIOCGWINSZ, &ws) == 0)
		ioctl(master, TIOCSWINSZ, &ws);
}

/* stdin is no terminal and ended: the command reads an end of file as it
 * would from a terminal (VEOF), when its pty is in canonical mode. */
static void send_eof(struct relay *rl)
{
	struct termios t;
	if (tcgetattr(rl->master, &t) == 0 && (t.c_lflag & ICANON) && rl->in_len == 0) {
		rl->in[0] = (char)t.c_cc[VEOF];
		rl->in_len = 1;
		rl->in_off = 0;
	}
}

static void on_signal(struct relay *rl)
{
	struct signalfd_siginfo si;
	while (read(rl->sig, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		int s = (int)si.ssi_signo;
		if (s == SIGWINCH)
			copy_winsize(rl->term, rl->master);
		else if (s != SIGCHLD && !rl->child_done) /* reaped: its pid may be another's */
			kill(rl->child, s);
	}
	int st;
	if (!rl->child_done && waitpid(rl->child, &st, WNOHANG) == rl->child) {
		rl->child_done = true;
		rl->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	}
}

/* One pass of reads and writes on what poll found ready. false: the pty is
 * closed (every slave gone) or stdout is. */
static bool pump(struct relay *rl, const struct pollfd *p)
{
	if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
		ssize_t n = read(STDIN_FILENO, rl->in, sizeof(rl->in));
		if (n > 0) {
			rl->in_len = (size_t)n;
			rl->in_off = 0;
		} else if (n == 0 || errno != EINTR) {
			rl->in_open = false;
			if (!rl->tty)
				send_eof(rl);
		}
	}
	if ((p[1].revents & POLLOUT) && rl->in_len) {
		ssize_t n = write(rl->master, rl->in + rl->in_off, rl->in_len);
		if (n > 0) {
			rl->in_off += (size_t)n;
			rl->in_len -= (size_t)n;
		}
	}
	if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
		ssize_t n = read(rl->master, rl->out, sizeof(rl->out));
		if (n > 0) {
			rl->out_len = (size_t)n;
			rl->out_off = 0;
		} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			return false; /* EIO: the last slave is closed */
		}
	}
	while (rl->out_len) {
		ssize_t n = write(rl->out_fd, rl->out + rl->out_off, rl->out_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		rl->out_off += (size_t)n;
		rl->out_len -= (size_t)n;
	}
	return true;
}

static _Noreturn void relay_loop(struct relay *rl)
{
	for (;;) {
		struct pollfd p[3] = {
		    {rl->in_open && !rl->in_len ? STDIN_FILENO : -1, POLLIN, 0},
		    {rl->master, (short)(POLLIN | (rl->in_len ? POLLOUT : 0)), 0},
		    {rl->sig, POLLIN, 0},
		};
		/* the command is gone: what it wrote is read, then we leave
		 * (a process it left behind does not hold the caller) */
		int n = poll(p, 3, rl->child_done ? 0 : -1);
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0 && (p[2].revents & POLLIN))
			on_signal(rl);
		if (n > 0 && !pump(rl, p))
			break;
		if (n == 0 && rl->child_done)
			break;
	}
	/* the caller's terminal or stdout is gone: hang the session up (the
	 * kernel sends SIGHUP to it when the master closes) rather than wait
	 * on a command that may never end */
	restore_tty();
	close(rl->master);
	if (!rl->child_done) {
		int st = 0;
		pid_t w;
		while ((w = waitpid(rl->child, &st, 0)) < 0 && errno == EINTR)
			;
		if (w == rl->child)
			rl->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	}
	_exit(rl->status);
}

static void raw_mode(void)
{
	struct termios t;
	if (tcgetattr(STDIN_FILENO, &saved) < 0)
		return;
	t = saved;
	cfmakeraw(&t);
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &t) == 0)
		raw_set = true;
}

int pty_relay(uid_t owner, unsigned fds, struct uc_error *err)
{
	int master = -1, slave = -1;
	int r = open_pty(&master, &slave, err);
	if (r < 0)
		return r;
	fds &= 7;
	bool tty = (fds & 1) && isatty(STDIN_FILENO);
	int term = -1;
	for (int fd = 0; fd < 3 && term < 0; fd++)
		if ((fds & (1u << fd)) && isatty(fd))
			term = fd;
	copy_winsize(term, master);
	if (owner && fchown(slave, owner, (gid_t)-1) < 0) {
		close(master);
		close(slave);
		return uc_fail_errno(err, errno, "giving the pty to uid %u", (unsigned)owner);
	}
	fflush(NULL);
	pid_t child = fork();
	if (child < 0) {
		close(master);
		close(slave);
		return uc_fail_errno(err, errno, "fork");
	}
	if (child == 0)
		return child_side(master, slave, fds, err);
	close(slave);
	/* the signals come through a signalfd, read in the loop */
	static const int sigs[] = {SIGCHLD, SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGQUIT};
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < UC_ARRAY_SIZE(sigs); i++)
		sigaddset(&set, sigs[i]);
	struct relay rl = {.master = master,
			   .term = term,
			   .out_fd = (fds & 2)	 ? 1
				     : (fds & 4) ? 2
						 : 0,
			   .child = child,
			   .in_open = (fds & 1) != 0,
			   .tty = tty,
			   .status = 1};
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 ||
	    (rl.sig = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0 ||
	    fcntl(master, F_SETFL, O_NONBLOCK) < 0) {
		kill(child, SIGKILL);
		_exit(1);
	}
	if (tty)
		raw_mode();
	relay_loop(&rl);
}

int pty_take_ctty(int fd, struct uc_error *err)
{
	/* a session leader already (exec, no process in between) keeps its
	 * session; a process forked since starts one */
	if (getsid(0) != getpid() && setsid() < 0)
		return uc_fail_errno(err, errno, "setsid");
	if (ioctl(fd, TIOCSCTTY, 0) < 0)
		return uc_fail_errno(err, errno, "the pty as controlling terminal");
	return 0;
}
