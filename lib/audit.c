#include "lib/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

/* The length a syslog line is cut at: rsyslog's default message size is
 * 8 KiB, many relays keep 1 KiB; the command comes last so a cut keeps who
 * and which cage. */
#define AUDIT_LINE_MAX 2048

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->len + 1 >= o->size)
		return;
	size_t room = o->size - 1 - o->len;
	if (n > room)
		n = room;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void put_str(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static bool plain(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789_./=:,+@%-",
			    *s))
			return false;
	return true;
}

/* A word as is when it holds only plain characters, else in single quotes
 * with ', \ and every byte outside printable ASCII as \xNN: one line, one
 * field, whatever the word holds. */
static void put_word(struct out *o, const char *s)
{
	if (plain(s)) {
		put_str(o, s);
		return;
	}
	put(o, "'", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char esc[5];
		if (*p >= 0x20 && *p < 0x7f && *p != '\'' && *p != '\\') {
			put(o, (const char *)p, 1);
			continue;
		}
		snprintf(esc, sizeof(esc), "\\x%02x", *p);
		put_str(o, esc);
	}
	put(o, "'", 1);
}

static void put_words(struct out *o, char *const w[], const char *sep)
{
	for (size_t i = 0; w[i]; i++) {
		if (i)
			put_str(o, sep);
		put_word(o, w[i]);
	}
}

/* The login uid (audit's auid, kept across su and sudo), or -1 when the
 * kernel has none for this process. */
static long login_uid(void)
{
	char b[16] = "";
	int fd = open("/proc/self/loginuid", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, b, sizeof(b) - 1);
	close(fd);
	char *end;
	long v = n > 0 ? strtol(b, &end, 10) : -1;
	return n > 0 && (*end == '\0' || *end == '\n') && v >= 0 && v != 4294967295L ? v : -1;
}

size_t uc_audit_format(char *buf, size_t size, const char *verb, char *const cages[],
		       char *const cmd[], const char *result)
{
	struct out o = {.buf = buf, .size = size};
	char num[64];
	if (size)
		buf[0] = '\0';
	put_str(&o, verb);
	put_str(&o, " cage=");
	if (cages && cages[0])
		put_words(&o, cages, ",");
	else
		put_str(&o, "*");
	snprintf(num, sizeof(num), " uid=%u", (unsigned)getuid());
	put_str(&o, num);
	long auid = login_uid();
	if (auid >= 0) {
		snprintf(num, sizeof(num), " auid=%ld", auid);
		put_str(&o, num);
	}
	const char *sudo = getenv("SUDO_USER");
	if (sudo) {
		put_str(&o, " sudo_user=");
		put_word(&o, sudo);
	}
	if (result) {
		put_str(&o, " result=");
		put_word(&o, result);
	}
	put_str(&o, " cmd=");
	if (cmd && cmd[0])
		put_words(&o, cmd, " ");
	else
		put_str(&o, "(shell)");
	return o.len;
}

void uc_audit(const char *verb, char *const cages[], char *const cmd[], const char *result)
{
	char line[AUDIT_LINE_MAX], msg[AUDIT_LINE_MAX + 64];
	uc_audit_format(line, sizeof(line), verb, cages, cmd, result);
	/* What syslog(3) with LOG_PID sends, without its timestamp: the
	 * logger stamps what it receives (journald, rsyslog and syslog-ng
	 * take a message without one), and glibc's stamp costs a read and
	 * parse of /etc/localtime on every exec, beside a retried connect
	 * when there is no logger. One datagram, sent before anything of a
	 * cage is joined: it reaches the host's /dev/log, never a cage's. */
	int n = snprintf(msg, sizeof(msg), "<%d>unicage[%d]: %s", LOG_AUTHPRIV | LOG_NOTICE,
			 (int)getpid(), line);
	struct sockaddr_un to = {.sun_family = AF_UNIX, .sun_path = "/dev/log"};
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || n < 0)
		goto out;
	size_t len = (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1;
	if (sendto(fd, msg, len, MSG_NOSIGNAL, (struct sockaddr *)&to, sizeof(to)) >= 0 ||
	    errno != EPROTOTYPE)
		goto out;
	/* a logger on a stream socket (an old syslogd): the message and
	 * its NUL, as syslog(3) sends it there */
	close(fd);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&to, sizeof(to)) == 0)
		(void)!send(fd, msg, len + 1, MSG_NOSIGNAL);
out:
	if (fd >= 0)
		close(fd);
}
