/* `unicage unify` (vunify): options, progress, statistics. */
#include "cli/cli.h"

#include "lib/cleanup.h"
#include "cli/progress.h"
#include "cli/counters.h"

#include "lib/json.h"
#include "lib/log.h"
#include "lib/path.h"
#include "lib/statepath.h"
#include "unify/unify.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char unify_usage[] =
    "[options] TREE...\n"
    "       unicage unify --split PATH...\n\n"
    "  --store DIR          the store (same filesystem as the trees); default: the\n"
    "                       configured one when it is on that filesystem, else\n"
    "                       .unicage-store at the filesystem's root\n"
    "  --ignore-mtime       files differing only in mtime may become one object\n"
    "  --system-owners      files of any owner below min_uid are candidates too\n"
    "  --exclude PATTERN    vunify syntax: +PATTERN includes, -PATTERN or PATTERN excludes\n"
    "  --exclude-from FILE  one PATTERN per line (# comments)\n"
    "  --rpmdb              exclude each tree's RPM %config files (its own rpmdb)\n"
    "  -n, --dry-run        change nothing; print what would be linked\n"
    "  --wait-lock          wait for the store's lock instead of failing\n"
    "  --split              turn unified PATHs back into private, writable copies\n"
    "  -v                   print each decision with its reason";

enum {
	OPT_STORE = 0x300,
	OPT_IGNORE_MTIME,
	OPT_SYSTEM_OWNERS,
	OPT_EXCLUDE,
	OPT_EXCLUDE_FROM,
	OPT_RPMDB,
	OPT_WAIT_LOCK,
	OPT_SPLIT,
	OPT_THREADS
};

/* the store's lock is taken by unify_run itself (--store may name another) */
const struct option unify_longopts[] = {
    {"store", required_argument, NULL, OPT_STORE},
    {"ignore-mtime", no_argument, NULL, OPT_IGNORE_MTIME},
    {"system-owners", no_argument, NULL, OPT_SYSTEM_OWNERS},
    {"exclude", required_argument, NULL, OPT_EXCLUDE},
    {"exclude-from", required_argument, NULL, OPT_EXCLUDE_FROM},
    {"rpmdb", no_argument, NULL, OPT_RPMDB},
    {"dry-run", no_argument, NULL, 'n'},
    {"wait-lock", no_argument, NULL, OPT_WAIT_LOCK},
    {"split", no_argument, NULL, OPT_SPLIT},
    {"threads", required_argument, NULL, OPT_THREADS},
    {NULL, 0, NULL, 0},
};

struct unify_cmd {
	struct unify_opts o;
	struct strv args;
	struct excludes ex;
	bool split;
	char *store_buf;
};

static void report(void *arg, const char *path, const char *what)
{
	FILE *f = arg;
	flockfile(f);
	fprintf(f, "%s: %s\n", path, what);
	funlockfile(f);
}

static int parse(struct cli *cli, struct unify_cmd *c, int argc, char **argv)
{
	int opt, r;
	while ((opt = cli_getopt(cli, argc, argv)) != -1) {
		switch (opt) {
		case OPT_STORE:
			c->o.store = optarg;
			break;
		case OPT_IGNORE_MTIME:
			c->o.ignore_mtime = true;
			break;
		case OPT_SYSTEM_OWNERS:
			c->o.system_owners = true;
			break;
		case OPT_EXCLUDE:
			if ((r = excludes_add(&c->ex, optarg, "--exclude", &cli->err)) < 0)
				return r;
			break;
		case OPT_EXCLUDE_FROM:
			if ((r = excludes_load(&c->ex, optarg, &cli->err)) < 0)
				return r;
			break;
		case OPT_RPMDB:
			c->o.use_rpmdb = true;
			break;
		case 'n':
			c->o.dry_run = true;
			break;
		case OPT_WAIT_LOCK:
			c->o.wait_lock = true;
			break;
		case OPT_SPLIT:
			c->split = true;
			break;
		case OPT_THREADS:
			c->o.threads = (unsigned)strtoul(optarg, NULL, 10);
			break;
		}
	}
	for (int i = optind; i < argc; i++)
		strv_push(&c->args, argv[i]);
	if (c->args.n == 0)
		return cli_usage_error(
		    cli, "unify", c->split ? "--split needs a PATH" : "name at least one TREE");
	return 0;
}

static void print_stats(struct cli *cli, const struct unify_stats *s, bool dry_run)
{
#define F(n) CLI_COUNTER(struct unify_stats, n)
	static const struct cli_counter f[] = {
	    F(trees),
	    F(files_seen),
	    F(candidates),
	    F(bytes_hashed),
	    F(bytes_compared),
	    F(names_relinked),
	    F(inodes_freed),
	    F(bytes_freed),
	    F(objects_created),
	    F(objects_reused),
	    F(already_unified),
	    F(immutable_set),
	    F(immutable_unsupported),
	    F(skipped_changed),
	    F(leftovers_removed),
	    F(errors),
	};
#undef F
	const struct cli_counters c = {f, UC_ARRAY_SIZE(f), true};
	if (cli->json) {
		struct json j;
		json_init(&j, stdout);
		json_envelope_begin(&j);
		json_object_begin(&j);
		json_kv_bool(&j, "dry_run", dry_run);
		cli_counters_json(&c, s, &j);
		json_object_end(&j);
		json_envelope_end(&j);
		return;
	}
	if (!cli_says(cli))
		return;
	printf("%s", dry_run ? "dry run, nothing changed:\n" : "");
	cli_counters_print(&c, s, stdout);
	if (atomic_load(&s->immutable_unsupported))
		printf("  note: this filesystem or caller cannot set the immutable flag; objects "
		       "are not +i\n");
}

static int run_split(struct cli *cli, struct unify_cmd *c)
{
	for (size_t i = 0; i < c->args.n; i++) {
		int r = unify_split(&c->o, c->args.v[i], &cli->err);
		if (r < 0)
			return r;
		if (!cli->json && cli_says(cli))
			printf("%s: private copy\n", c->args.v[i]);
	}
	if (cli->json) {
		struct json j;
		json_init(&j, stdout);
		json_envelope_begin(&j);
		json_object_begin(&j);
		json_kv_uint(&j, "split", c->args.n);
		json_object_end(&j);
		json_envelope_end(&j);
	}
	return 0;
}

int cmd_unify(struct cli *cli, int argc, char **argv)
{
	struct unify_cmd c = {0};
	char store[PATH_MAX];
	int r = parse(cli, &c, argc, argv);
	if (r < 0)
		goto out;
	if ((r = statepath_store(&cli->cfg, store, sizeof(store))) < 0) {
		r = path_fail(&cli->err, r, cli->cfg.state_dir);
		goto out;
	}
	c.o.config_store = store;
	if (c.split) {
		r = run_split(cli, &c);
		goto out;
	}
	excludes_add_defaults(&c.ex);
	c.o.trees = &c.args;
	c.o.min_uid = cli->cfg.min_uid;
	c.o.excludes = &c.ex;
	c.o.verbose = cli->verbosity > 0;
	if (c.o.verbose || c.o.dry_run) {
		c.o.report = report;
		c.o.report_arg = cli->json ? stderr : stdout;
	}
	c.o.progress = cli_progress(cli);
	struct unify_stats st = {0};
	r = unify_run(&c.o, &st, &cli->err);
	if (r == 0)
		print_stats(cli, &st, c.o.dry_run);
	if (r == 0 && atomic_load(&st.errors))
		r = uc_fail(&cli->err, UC_INTERNAL, "%llu file(s) could not be unified (see above)",
			    (unsigned long long)atomic_load(&st.errors));
	if (r < 0 && cli->json && atomic_load(&st.errors) && cli->err.kind == UC_INTERNAL)
		cli->err_reported = true; /* the statistics envelope went out already */
out:
	strv_clear(&c.args);
	excludes_release(&c.ex);
	return r;
}
