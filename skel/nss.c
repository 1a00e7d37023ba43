/* NSS modules named by a tree's nsswitch.conf (skel/nss.h). */
#include "skel/nss.h"

#include "lib/cleanup.h"
#include "skel/elfdeps.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NSS_MAX_MODULES 64 /* a file naming more is not one glibc reads */

static bool plain_word(const char *s, size_t n)
{
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

static int add_module(struct strv *sonames, const char *name, size_t n)
{
	char so[128];
	if (!plain_word(name, n) || sonames->n >= NSS_MAX_MODULES)
		return 0;
	snprintf(so, sizeof(so), "libnss_%.*s.so.2", (int)n, name);
	return strv_contains(sonames, so) ? 0 : strv_push(sonames, so);
}

/* "passwd: sss files [NOTFOUND=return] compat": the services after the
 * colon; an action in brackets (which may hold blanks) is no service. */
static int parse_line(char *line, struct strv *sonames)
{
	line[strcspn(line, "#")] = '\0';
	char *s = strchr(line, ':');
	if (!s)
		return 0;
	int r = 0;
	for (s++; r == 0 && *s;) {
		if (isspace((unsigned char)*s)) {
			s++;
		} else if (*s == '[') {
			char *end = strchr(s, ']');
			s = end ? end + 1 : s + strlen(s);
		} else {
			size_t n = strcspn(s, " \t\r\n[");
			r = add_module(sonames, s, n);
			s += n;
		}
	}
	return r;
}

int nss_modules_parse(FILE *f, struct strv *sonames)
{
	int r = add_module(sonames, "files", 5);
	char *line = NULL;
	size_t cap = 0;
	while (r == 0 && f && getline(&line, &cap, f) > 0)
		r = parse_line(line, sonames);
	free(line);
	return r;
}

int nss_modules(int rootfd, struct strv *sonames)
{
	char real[PATH_MAX];
	_cleanup_fclose_ FILE *f = NULL;
	if (tree_resolve(rootfd, "/etc/nsswitch.conf", real, sizeof(real), NULL) == 0) {
		int fd = tree_open_file(rootfd, real);
		if (fd >= 0 && !(f = fdopen(fd, "r")))
			close(fd);
	}
	return nss_modules_parse(f, sonames);
}
