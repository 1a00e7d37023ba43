/* `unicage addrpm`, `delrpm`, `list-rpm`: edit and show rpm.list, the packages
 * whose files go into the skeleton (CageFS's cagefsctl --addrpm and friends).
 * Changes apply at the next `unicage update`. */
#include "cli/cli.h"

#include "lib/json.h"
#include "lib/lock.h"
#include "lib/path.h"
#include "rpmscan/rpmscan.h"
#include "skel/conf.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char addrpm_usage[] =
    "PKG... [--requires] [--wait-lock]\n\n"
    "  PKG          an installed package under sysroot, as dnf takes one: a name,\n"
    "               N-V-R[.A], a virtual provide (coreutils) or a file (/usr/bin/bash);\n"
    "               the package chosen is named. One PKG unknown: nothing is added\n"
    "  --requires   add every installed package it requires, too\n"
    "  --wait-lock  wait for another unicage changing the skeleton";
const char delrpm_usage[] = "PKG... [--wait-lock]";
const char listrpm_usage[] = "";

enum { OPT_REQUIRES = 0x500 };
const struct option addrpm_longopts[] = {{"requires", no_argument, NULL, OPT_REQUIRES},
					 {NULL, 0, NULL, 0}};

struct rpmlist_args {
	struct strv pkgs;
	bool requires;
};

static int parse(struct cli *cli, const char *verb, struct rpmlist_args *a, int argc, char **argv,
		 bool takes_pkgs)
{
	int opt;
	while ((opt = cli_getopt(cli, argc, argv)) != -1)
	a->requires = a->requires || opt == OPT_REQUIRES;
	for (int i = optind; i < argc; i++)
		strv_push(&a->pkgs, argv[i]);
	if (takes_pkgs && a->pkgs.n == 0)
		return cli_usage_error(cli, verb, "name at least one package");
	if (!takes_pkgs && a->pkgs.n)
		return cli_usage_error(cli, verb, "takes no arguments");
	return 0;
}

/* The skeleton's lock: state_dir/skel.lock. */
int cli_skel_lock(struct cli *cli, bool wait)
{
	if (mkdir(cli->cfg.state_dir, 0755) < 0 && errno != EEXIST)
		return uc_fail_errno(&cli->err, errno, "state directory %s", cli->cfg.state_dir);
	int dfd = open(cli->cfg.state_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return uc_fail_errno(&cli->err, errno, "state directory %s", cli->cfg.state_dir);
	int fd = uc_lock_take(dfd, "skel.lock", "the skeleton", wait ? UC_LOCK_WAIT : 0, &cli->err);
	close(dfd);
	return fd;
}

/* " (provides coreutils)" when name was taken for what it provides. */
static void via_note(const struct strv *via, const char *name, char *buf, size_t size)
{
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; via && i < via->n; i++) {
		const char *tab = strchr(via->v[i], '\t');
		if (!tab || strcmp(tab + 1, name) != 0 || len + 8 >= size)
			continue;
		snprintf(buf + len, size - len, "%s%.*s", len ? ", " : " (provides ",
			 (int)(tab - via->v[i]), via->v[i]);
		len = strlen(buf);
	}
	if (len && len + 1 < size)
		snprintf(buf + len, size - len, ")");
}

static void print_via_json(struct json *j, const struct strv *via)
{
	json_key(j, "resolved");
	json_array_begin(j);
	for (size_t i = 0; i < via->n; i++) {
		const char *tab = strchr(via->v[i], '\t');
		char spec[PATH_MAX];
		snprintf(spec, sizeof(spec), "%.*s", (int)(tab - via->v[i]), via->v[i]);
		json_object_begin(j);
		json_kv_string(j, "spec", spec);
		json_kv_string(j, "package", tab + 1);
		json_object_end(j);
	}
	json_array_end(j);
}

static void print_names(struct cli *cli, const char *key, const struct strv *a, const char *key2,
			const struct strv *b, const struct strv *via)
{
	if (cli->json) {
		struct json j;
		json_init(&j, stdout);
		json_envelope_begin(&j);
		json_object_begin(&j);
		json_key(&j, key);
		json_array_begin(&j);
		for (size_t i = 0; i < a->n; i++)
			json_string(&j, a->v[i]);
		json_array_end(&j);
		if (key2) {
			json_key(&j, key2);
			json_array_begin(&j);
			for (size_t i = 0; i < b->n; i++)
				json_string(&j, b->v[i]);
			json_array_end(&j);
		}
		if (via)
			print_via_json(&j, via);
		json_object_end(&j);
		json_envelope_end(&j);
		return;
	}
	char note[512];
	for (size_t i = 0; i < a->n; i++) {
		via_note(via, a->v[i], note, sizeof(note));
		printf(key2 ? "%s: %s%s\n" : "%s%s%s\n", key2 ? key : "", a->v[i], note);
	}
	for (size_t i = 0; key2 && i < b->n; i++) {
		via_note(via, b->v[i], note, sizeof(note));
		printf("%s: %s%s\n", key2, b->v[i], note);
	}
}

/* Common start: options, then the config_dir read whole (a bad line
 * anywhere stops here, before anything changes); the configuration and the
 * skeleton's lock are run_verb's. */
static int begin(struct cli *cli, const char *verb, struct rpmlist_args *a, int argc, char **argv,
		 bool mutating, struct skel_conf *conf, int *lockfd)
{
	*lockfd = -1;
	int r = parse(cli, verb, a, argc, argv, mutating);
	if (r < 0)
		return r;
	return skel_conf_load(conf, cli->cfg.config_dir, &cli->err);
}

int cmd_addrpm(struct cli *cli, int argc, char **argv)
{
	struct rpmlist_args a = {0};
	struct skel_conf conf = {0};
	struct strv names = STRV_INIT, added = STRV_INIT, listed = STRV_INIT, via = STRV_INIT;
	int lockfd;
	int r = begin(cli, "addrpm", &a, argc, argv, true, &conf, &lockfd);
	if (r == 0) {
		struct rpmscan_opts o = {.sysroot = cli->cfg.sysroot,
					 .dbpath = cli->cfg.rpm_dbpath,
					 .packages = &a.pkgs,
					 .requires = a.requires};
		r = rpmscan_resolve(&o, &names, &via, &cli->err);
	}
	for (size_t i = 0; r == 0 && i < names.n; i++) {
		struct strv *to = strv_contains(&conf.rpms, names.v[i]) ? &listed : &added;
		strv_push(to, names.v[i]);
		if (to == &added)
			strv_push(&conf.rpms, names.v[i]);
	}
	if (r == 0 && added.n)
		r = skel_rpmlist_write(cli->cfg.config_dir, &conf.rpms, &cli->err);
	if (r == 0 && cli_says(cli))
		print_names(cli, "added", &added, "already listed", &listed, &via);
	if (lockfd >= 0)
		close(lockfd);
	strv_clear(&names);
	strv_clear(&added);
	strv_clear(&listed);
	strv_clear(&via);
	strv_clear(&a.pkgs);
	skel_conf_release(&conf);
	return r;
}

int cmd_delrpm(struct cli *cli, int argc, char **argv)
{
	struct rpmlist_args a = {0};
	struct skel_conf conf = {0};
	struct strv keep = STRV_INIT;
	int lockfd;
	int r = begin(cli, "delrpm", &a, argc, argv, true, &conf, &lockfd);
	for (size_t i = 0; r == 0 && i < a.pkgs.n; i++)
		if (!strv_contains(&conf.rpms, a.pkgs.v[i]))
			r = uc_fail(&cli->err, UC_NOTFOUND, "delrpm: %s is not in %s/rpm.list",
				    a.pkgs.v[i], cli->cfg.config_dir);
	for (size_t i = 0; r == 0 && i < conf.rpms.n; i++)
		if (!strv_contains(&a.pkgs, conf.rpms.v[i]))
			strv_push(&keep, conf.rpms.v[i]);
	if (r == 0)
		r = skel_rpmlist_write(cli->cfg.config_dir, &keep, &cli->err);
	if (r == 0 && cli_says(cli))
		print_names(cli, "removed", &a.pkgs, NULL, NULL, NULL);
	if (lockfd >= 0)
		close(lockfd);
	strv_clear(&keep);
	strv_clear(&a.pkgs);
	skel_conf_release(&conf);
	return r;
}

int cmd_listrpm(struct cli *cli, int argc, char **argv)
{
	struct rpmlist_args a = {0};
	struct skel_conf conf = {0};
	int lockfd;
	int r = begin(cli, "list-rpm", &a, argc, argv, false, &conf, &lockfd);
	if (r == 0)
		print_names(cli, "packages", &conf.rpms, NULL, NULL, NULL);
	strv_clear(&a.pkgs);
	skel_conf_release(&conf);
	return r;
}
