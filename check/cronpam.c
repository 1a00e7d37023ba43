/* A proxied crontab and cron's PAM stack (check/cronpam.h). */
#include "check/cronpam.h"

#include "lib/cleanup.h"
#include "lib/path.h"
#include "lib/proxycmds.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MAX_INCLUDE_DEPTH 4

static bool proxies_crontab(const struct proxy_commands *cmds)
{
	for (size_t i = 0; i < cmds->n; i++) {
		const char *base = strrchr(cmds->v[i].path, '/');
		if (!strcmp(cmds->v[i].alias, "crontab") || (base && !strcmp(base + 1, "crontab")))
			return true;
	}
	return false;
}

static int scan_pam(int root, const char *service, unsigned depth);

/* One line of a PAM file: 1 if it is a session line of pam_unicage, or
 * includes a file that has one (`@include F`, `session include F`,
 * `session substack F`); 0 otherwise. */
static int pam_line(int root, char *line, unsigned depth)
{
	char *w[4] = {0};
	int n = 0;
	for (char *save = NULL, *t = strtok_r(line, " \t\n", &save); t && n < 4;
	     t = strtok_r(NULL, " \t\n", &save))
		w[n++] = t;
	if (n == 0 || w[0][0] == '#')
		return 0;
	if (!strcmp(w[0], "@include"))
		return n > 1 ? scan_pam(root, w[1], depth + 1) : 0;
	if (strcmp(w[0], "session") && strcmp(w[0], "-session"))
		return 0;
	if (n > 2 && (!strcmp(w[1], "include") || !strcmp(w[1], "substack")))
		return scan_pam(root, w[2], depth + 1);
	/* session CONTROL MODULE: a [value=action ...] control may hold
	 * blanks; the module is the first word naming pam_unicage */
	for (int i = 1; i < n; i++)
		if (strstr(w[i], "pam_unicage"))
			return 1;
	return 0;
}

/* 1: service's file in the sysroot's /etc/pam.d has the line; 0: it has
 * not; -ENOENT: no such file. */
static int scan_pam(int root, const char *service, unsigned depth)
{
	char path[PATH_MAX];
	if (depth > MAX_INCLUDE_DEPTH || strchr(service, '/') ||
	    snprintf(path, sizeof(path), "/etc/pam.d/%s", service) >= (int)sizeof(path))
		return 0;
	int fd = path_open_in_root(root, path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return depth ? 0 : fd;
	_cleanup_fclose_ FILE *f = fdopen(fd, "re");
	if (!f) {
		close(fd);
		return 0;
	}
	char line[1024];
	while (fgets(line, sizeof(line), f))
		if (pam_line(root, line, depth) == 1)
			return 1;
	return 0;
}

int check_cron_pam(const struct uc_config *cfg, char *detail, size_t size)
{
	struct proxy_commands cmds;
	struct uc_error err = {0};
	if (proxy_commands_load(cfg, &cmds, &err) < 0) {
		snprintf(detail, size, "%s", err.msg);
		return CHECK_FAILED;
	}
	bool crontab = proxies_crontab(&cmds);
	proxy_commands_release(&cmds);
	if (!crontab)
		return -1;
	_cleanup_close_ int root = open(cfg->sysroot, O_PATH | O_DIRECTORY | O_CLOEXEC);
	static const char *const services[] = {"crond", "cron"}; /* EL, Debian */
	bool any = false;
	for (size_t i = 0; root >= 0 && i < UC_ARRAY_SIZE(services); i++) {
		int r = scan_pam(root, services[i], 0);
		if (r == 1) {
			snprintf(detail, size,
				 "crontab is proxied and /etc/pam.d/%s puts cron jobs into cages "
				 "(pam_unicage)",
				 services[i]);
			return CHECK_OK;
		}
		any = any || r == 0;
	}
	snprintf(detail, size,
		 "crontab is proxied (proxy.commands) but %s: a job a caged user installs "
		 "runs on the host, outside her cage; add \"session required pam_unicage.so\" "
		 "(doc/pam.md) or remove the crontab alias",
		 any ? "cron's PAM stack (/etc/pam.d/crond, /etc/pam.d/cron) has no pam_unicage "
		       "session line"
		     : "there is no /etc/pam.d/crond nor /etc/pam.d/cron");
	return CHECK_WARN;
}
