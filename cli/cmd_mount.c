/* Cages: mount, umount, remount, remount-all, umount-all, list. */
#include "cli/cli.h"

#include "lib/audit.h"
#include "lib/json.h"
#include "mount/cage.h"
#include "mount/cagemp.h"
#include "mount/etc.h"
#include "mount/lifecycle.h"
#include "mount/nsfs.h"
#include "mount/policy.h"
#include "skel/conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MOUNT_HELP                                                                                 \
	"  --kill     remount, remount-all, umount, umount-all: stop the processes\n"              \
	"             still running in older slots (SIGTERM, then SIGKILL after 3 s)\n\n"          \
	"  mount: build the user's cage unless its newest slot is current;\n"                      \
	"  remount: always a new slot (processes in older slots keep running);\n"                  \
	"  umount: no new entries; idle slots released, busy ones kept until\n"                    \
	"  their processes exit; remount-all: every mounted cage (disabled users'\n"               \
	"  cages are unmounted); list: user, slot, generation, mode, processes."
const char mount_usage_user[] = "[--kill] USER...\n\n" MOUNT_HELP;
const char mount_usage_none[] = "[--kill]\n\n" MOUNT_HELP;
const char mount_usage_list[] = "\n\n" MOUNT_HELP;
const char mount_usage_mount[] = "USER...\n\n" MOUNT_HELP;

enum { OPT_KILL = 0x200 };
const struct option mount_longopts[] = {{"kill", no_argument, NULL, OPT_KILL}, {NULL, 0, NULL, 0}};

struct mount_ctx {
	struct cli *cli;
	const char *verb;
	bool kill;
	struct skel_conf conf;
	struct cage_mp mp;
	struct json j;
	bool loaded;
};

static int load_inputs(struct mount_ctx *m)
{
	if (m->loaded)
		return 0;
	/* conf.d leniently: a bad line there stops update, not the cages */
	int r = etc_conf_load(m->cli->cfg.config_dir, &m->conf, &m->cli->err);
	if (r == 0 && (r = cagemp_load(&m->mp, m->cli->cfg.config_dir, &m->cli->err)) < 0)
		skel_conf_release(&m->conf);
	m->loaded = r == 0;
	return r;
}

static void report(struct mount_ctx *m, const char *user, const char *what, const struct slot *s)
{
	if (!m->cli->json && !cli_says(m->cli))
		return;
	if (m->cli->json) {
		json_object_begin(&m->j);
		json_kv_string(&m->j, "user", user);
		json_kv_string(&m->j, "result", what);
		if (s) {
			json_kv_uint(&m->j, "slot", s->n);
			json_kv_string(&m->j, "generation", s->gen);
			json_kv_string(&m->j, "mode", uc_cage_mode_names[s->mode]);
		}
		json_object_end(&m->j);
	} else if (s) {
		printf("%s: %s (slot %u, %s, %s)\n", user, what, s->n, s->gen,
		       uc_cage_mode_names[s->mode]);
	} else {
		printf("%s: %s\n", user, what);
	}
}

static int do_mount(struct mount_ctx *m, const struct uc_user *u, bool new_slot)
{
	int r = load_inputs(m);
	if (r < 0)
		return r;
	struct cage_mount_opts o = {.new_slot = new_slot, .kill = m->kill};
	struct slot s;
	bool created;
	r = cage_mount(&m->cli->cfg, &m->conf, &m->mp, u, &o, &s, &created, &m->cli->err);
	if (r == 0)
		report(m, u->name, created ? "mounted" : "already mounted", &s);
	return r;
}

static int do_umount(struct mount_ctx *m, const char *user)
{
	unsigned busy = 0;
	int r = cage_umount(&m->cli->cfg, user, m->kill, &busy, &m->cli->err);
	if (r < 0)
		return r;
	char what[128];
	if (busy)
		snprintf(what, sizeof(what),
			 "unmounted (%u slot%s still running until its processes exit; --kill "
			 "stops them)",
			 busy, busy > 1 ? "s" : "");
	else
		snprintf(what, sizeof(what), "unmounted");
	report(m, user, what, NULL);
	return 0;
}

/* umount takes names, not accounts: a deleted user's cage is unmounted too.
 * A name with neither an account nor slots is exit 4, before anything. */
static int umount_names(struct mount_ctx *m, int argc, char **argv)
{
	int r = 0;
	for (int i = 0; r == 0 && i < argc; i++) {
		struct uc_user u;
		struct slotlist l = {0};
		if (!lifecycle_name_ok(argv[i]))
			return uc_fail(&m->cli->err, UC_BADREQUEST,
				       "umount: '%s' is not a user name", argv[i]);
		if (users_lookup(&m->cli->cfg, argv[i], &u, NULL) == 0) {
			user_release(&u);
			continue;
		}
		r = slots_list(&m->cli->cfg, argv[i], &l, &m->cli->err);
		if (r == 0 && l.n == 0)
			r = uc_fail(&m->cli->err, UC_NOTFOUND, "unknown user '%s' (and no cage)",
				    argv[i]);
		slotlist_release(&l);
	}
	for (int i = 0; r == 0 && i < argc; i++)
		r = do_umount(m, argv[i]);
	return r;
}

/* Users named on the command line: all looked up (unknown: exit 4) before
 * anything is done. */
static int per_user(struct mount_ctx *m, int argc, char **argv)
{
	if (!strcmp(m->verb, "umount"))
		return umount_names(m, argc, argv);
	struct uc_userlist users = {.v = calloc((size_t)argc + 1, sizeof(struct uc_user))};
	int r = users.v ? 0 : uc_fail(&m->cli->err, UC_INTERNAL, "out of memory");
	if (r == 0 &&
	    (r = users_lookup_many(&m->cli->cfg, argv, (size_t)argc, users.v, &m->cli->err)) == 0)
		users.n = (size_t)argc;
	for (size_t i = 0; r == 0 && i < users.n; i++) {
		if (!strcmp(m->verb, "umount"))
			r = do_umount(m, users.v[i].name);
		else
			r = do_mount(m, &users.v[i], !strcmp(m->verb, "remount"));
	}
	userlist_release(&users);
	return r;
}

/* remount-all, umount-all: the users that have slots now. */
static int all_users(struct mount_ctx *m)
{
	struct slotlist l;
	int r = slots_list(&m->cli->cfg, NULL, &l, &m->cli->err);
	for (size_t i = 0; r == 0 && i < l.n; i++) {
		if (i > 0 && !strcmp(l.v[i].user, l.v[i - 1].user))
			continue;
		struct uc_user u = {0};
		bool remount = !strcmp(m->verb, "remount-all");
		if (remount && users_lookup(&m->cli->cfg, l.v[i].user, &u, NULL) == 0 &&
		    policy_require_enabled(&m->cli->cfg, &u, NULL) == 0)
			r = do_mount(m, &u, true);
		else
			r = do_umount(m, l.v[i].user); /* gone or no longer caged */
		user_release(&u);
	}
	slotlist_release(&l);
	return r;
}

static int list(struct mount_ctx *m)
{
	struct slotlist l;
	int r = slots_list(&m->cli->cfg, NULL, &l, &m->cli->err);
	if (r < 0)
		return r;
	if (!m->cli->json && l.n)
		printf("%-16s %5s %-12s %-8s %9s %s\n", "USER", "SLOT", "GENERATION", "MODE",
		       "PROCESSES", "STATE");
	for (size_t i = 0; i < l.n; i++) {
		const struct slot *s = &l.v[i];
		const char *state = s->bound ? "mounted" : "unmounted, running";
		if (m->cli->json) {
			json_object_begin(&m->j);
			json_kv_string(&m->j, "user", s->user);
			json_kv_uint(&m->j, "slot", s->n);
			json_kv_string(&m->j, "generation", s->gen);
			json_kv_string(&m->j, "mode", uc_cage_mode_names[s->mode]);
			json_kv_uint(&m->j, "processes", s->procs);
			json_kv_bool(&m->j, "mounted", s->bound);
			json_object_end(&m->j);
		} else {
			printf("%-16s %5u %-12s %-8s %9u %s\n", s->user, s->n, s->gen,
			       uc_cage_mode_names[s->mode], s->procs, state);
		}
	}
	slotlist_release(&l);
	return 0;
}

int cmd_mount(struct cli *cli, int argc, char **argv)
{
	struct mount_ctx m = {.cli = cli, .verb = argv[0]};
	bool takes_users =
	    !strcmp(m.verb, "mount") || !strcmp(m.verb, "umount") || !strcmp(m.verb, "remount");
	int opt, r = 0;
	while ((opt = cli_getopt(cli, argc, argv)) != -1)
		m.kill = m.kill || opt == OPT_KILL;
	if (takes_users && optind >= argc)
		return cli_usage_error(cli, m.verb, "name at least one USER");
	if (!takes_users && optind < argc)
		return cli_usage_error(cli, m.verb, "takes no USER");
	if (m.kill)
		uc_audit(m.verb, takes_users ? argv + optind : NULL, argv, NULL);
	/* JSON is kept until the end: on an error only the error envelope
	 * is printed */
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = cli->json ? open_memstream(&buf, &len) : NULL;
	if (cli->json && !mem)
		return cli_usage_error(cli, m.verb, "out of memory");
	if (cli->json) {
		json_init(&m.j, mem);
		json_envelope_begin(&m.j);
		json_array_begin(&m.j);
	}
	if (takes_users)
		r = per_user(&m, argc - optind, argv + optind);
	else if (!strcmp(m.verb, "list"))
		r = list(&m);
	else if ((r = all_users(&m)) == 0 && !strcmp(m.verb, "umount-all"))
		nsfs_shutdown(&cli->cfg);
	if (cli->json) {
		json_array_end(&m.j);
		json_envelope_end(&m.j);
		fclose(mem);
		if (r == 0)
			fwrite(buf, 1, len, stdout);
		free(buf);
	}
	if (m.loaded) {
		skel_conf_release(&m.conf);
		cagemp_release(&m.mp);
	}
	return r;
}
