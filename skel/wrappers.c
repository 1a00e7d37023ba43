/* The proxy's wrapper in the skeleton (skel/wrappers.h). */
#include "skel/wrappers.h"

#include "lib/cleanup.h"
#include "lib/log.h"
#include "lib/path.h"
#include "lib/proxycmds.h"
#include "skel/noop.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

int skel_wrapper_exe(char *buf, size_t size)
{
	return path_libexec(buf, size, SKEL_WRAPPER_NAME);
}

/* The binary's identity as the skeleton takes it: its content and
 * times, but root's and 0755 whoever built it (a wrapper owned by a user
 * would be hers to chmod in every cage). */
static int wrapper_stat(int fd, struct stat *st)
{
	if (fstat(fd, st) < 0)
		return -errno;
	if (!S_ISREG(st->st_mode))
		return -EINVAL;
	st->st_uid = 0;
	st->st_gid = 0;
	st->st_mode = S_IFREG | 0755;
	return 0;
}

int skel_wrapper_open(const struct skel_wrappers *w)
{
	int fd = open(w->exe, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return -errno;
	if (wrapper_stat(fd, &st) < 0 || st.st_dev != w->st.st_dev || st.st_ino != w->st.st_ino ||
	    st.st_size != w->st.st_size) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

static void find_exe(struct skel_wrappers *w)
{
	int r = skel_wrapper_exe(w->exe, sizeof(w->exe));
	_cleanup_close_ int fd = r < 0 ? -1 : open(w->exe, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || (r = wrapper_stat(fd, &w->st)) < 0) {
		uc_log(UC_LOG_WARN, "the proxy wrapper %s: %s: no proxied command gets it", w->exe,
		       strerror(fd < 0 ? errno : -r));
		w->exe[0] = '\0';
	}
}

int skel_wrappers_plan(struct skel_wrappers *w, const struct uc_config *cfg, struct uc_error *err)
{
	struct proxy_commands cmds = {0};
	memset(w, 0, sizeof(*w));
	int r = proxy_commands_load(cfg, &cmds, err);
	if (r < 0)
		return r;
	if (cmds.n)
		find_exe(w);
	for (size_t i = 0; r == 0 && w->exe[0] && i < cmds.n; i++) {
		/* the program runs on the host: no program there, no wrapper
		 * (no MTA, no sendmail) */
		if (access(cmds.v[i].path, X_OK) == 0 &&
		    !strv_contains(&w->paths, cmds.v[i].wrapper))
			r = strv_push(&w->paths, cmds.v[i].wrapper);
	}
	proxy_commands_release(&cmds);
	return r < 0 ? uc_fail(err, UC_INTERNAL, "out of memory") : 0;
}

void skel_wrappers_release(struct skel_wrappers *w)
{
	strv_clear(&w->paths);
}

/* Every file of config_dir the proxy's commands are read from. */
static void put_commands_ids(FILE *f, const struct uc_config *cfg)
{
	_cleanup_closedir_ DIR *d = path_opendir_at(AT_FDCWD, cfg->config_dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		char p[PATH_MAX];
		if (proxy_commands_file(de->d_name) &&
		    path_join(p, sizeof(p), cfg->config_dir, de->d_name) == 0)
			noop_put_id(f, p);
	}
}

int skel_wrappers_put_noop(FILE *f, const struct uc_config *cfg, int rootfd)
{
	struct proxy_commands cmds = {0};
	struct uc_error err = {0};
	char exe[PATH_MAX];
	if (proxy_commands_load(cfg, &cmds, &err) < 0)
		return -1;
	put_commands_ids(f, cfg); /* config_dir's own id is there already */
	int r = 0;
	if (cmds.n && skel_wrapper_exe(exe, sizeof(exe)) == 0 && noop_clean_word(exe)) {
		/* which file (the front finds it the same way) and what it is */
		fprintf(f, "wrapexe\t%s\n", exe);
		noop_put_id(f, exe);
	} else if (cmds.n) {
		r = -1;
	}
	for (size_t i = 0; r == 0 && i < cmds.n; i++) {
		if (!noop_clean_word(cmds.v[i].path) || !noop_clean_word(cmds.v[i].wrapper)) {
			r = -1;
			break;
		}
		noop_put_id(f, cmds.v[i].path);
		noop_put_res(f, rootfd, cmds.v[i].wrapper, false);
	}
	proxy_commands_release(&cmds);
	return r;
}
