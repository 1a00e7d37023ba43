/* `unicage init` and `unicage update`: build a skeleton generation. */
#include "cli/cli.h"
#include "cli/progress.h"
#include "cli/update_front.h"

#include "mount/treeswap.h"

#include "mount/cage.h"
#include "mount/mode.h"

#include "lib/json.h"
#include "lib/path.h"
#include "skel/gens.h"
#include "skel/skel.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char init_usage[] = "[--wait-lock]\n\n  build the first generation of the skeleton";
const char update_usage[] =
    "[--dont-clean] [--dry-run] [--wait-lock]\n\n"
    "  build a new generation when the wanted files changed; \"nothing to do\"\n"
    "  otherwise (no new generation)\n"
    "  --dont-clean   keep files that are no longer wanted\n"
    "  -n, --dry-run  say whether there is something to do, change nothing";
const char updatelist_usage[] =
    "[--dry-run] [--wait-lock] < PATHS\n\n"
    "  a new generation where only the paths read from stdin (one per line,\n"
    "  absolute; a directory with all below it) are taken again from sysroot";

enum { OPT_DONT_CLEAN = 0x600 };
const struct option update_longopts[] = {{"dry-run", no_argument, NULL, 'n'},
					 {"dont-clean", no_argument, NULL, OPT_DONT_CLEAN},
					 {NULL, 0, NULL, 0}};
const struct option updatelist_longopts[] = {{"dry-run", no_argument, NULL, 'n'},
					     {NULL, 0, NULL, 0}};

/* update-list: the paths on stdin. A bad line is exit 3 naming stdin:N. */
static int read_paths(struct cli *cli, struct strv *paths)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned lineno = 0;
	int r = 0;
	while (r == 0 && (n = getline(&line, &cap, stdin)) >= 0) {
		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == ' ' || line[n - 1] == '\t'))
			line[--n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		if (strlen(line) != (size_t)n || !path_is_clean_absolute(line))
			r = uc_fail(&cli->err, UC_BADREQUEST,
				    "stdin:%u: '%s' is not a clean absolute path", lineno, line);
		else
			strv_push(paths, line);
	}
	free(line);
	if (r == 0 && paths->n == 0)
		r = uc_fail(&cli->err, UC_BADREQUEST, "update-list: no paths on stdin");
	return r;
}

static void print_stats(struct cli *cli, const struct skel_stats *s, bool dry_run,
			const struct strv *diffs)
{
	skel_print_stats(cli->json, cli->verbosity, s, dry_run, diffs);
}

static int run(struct cli *cli, const char *verb, bool first, int argc, char **argv)
{
	bool dry = false, dont_clean = false;
	bool list = strcmp(verb, "update-list") == 0;
	struct strv only = STRV_INIT;
	int opt, r = 0;
	while ((opt = cli_getopt(cli, argc, argv)) != -1) {
		dry = dry || opt == 'n';
		dont_clean = dont_clean || opt == OPT_DONT_CLEAN;
	}
	if (optind < argc)
		return cli_usage_error(cli, verb, "takes no arguments");
	if (list && (r = read_paths(cli, &only)) < 0) {
		strv_clear(&only);
		return r;
	}
	struct skel_conf conf;
	r = skel_conf_load(&conf, cli->cfg.config_dir, &cli->err);
	struct skel_stats st;
	struct strv diffs = STRV_INIT;
	struct skel_opts o = {.cfg = &cli->cfg,
			      .conf = &conf,
			      .first = first,
			      .dry_run = dry,
			      .wait_lock = cli->wait_lock,
			      .progress = cli_progress(cli),
			      .dont_clean = dont_clean,
			      .only = list ? &only : NULL,
			      .diffs = dry && cli->verbosity > 0 ? &diffs : NULL};
	if (r == 0)
		r = skel_build(&o, &st, &cli->err);
	if (r == 0)
		print_stats(cli, &st, dry, &diffs);
	strv_clear(&diffs);
	skel_conf_release(&conf);
	strv_clear(&only);
	return r;
}

int cmd_updatelist(struct cli *cli, int argc, char **argv)
{
	return run(cli, "update-list", false, argc, argv);
}

int cmd_init(struct cli *cli, int argc, char **argv)
{
	return run(cli, "init", true, argc, argv);
}

int cmd_update(struct cli *cli, int argc, char **argv)
{
	return run(cli, "update", false, argc, argv);
}

const char status_usage[] =
    "[--json]\n\n"
    "  the current generation, its age, files by class, bytes, objects, dedup\n"
    "  ratio (apparent / allocated), immutable coverage, generations and pins";
const char rollback_usage[] = "[--wait-lock]\n\n  make the previous generation current";
const char gc_usage[] =
    "[--wait-lock]\n\n"
    "  finish imports a crash stopped (or remove what they left), release idle\n"
    "  slots, remove generations neither current nor pinned, and objects\n"
    "  nothing uses";

/* Verbs that take no argument (their options are run_verb's). */
static int no_args(struct cli *cli, const char *verb, int argc, char **argv)
{
	while (cli_getopt(cli, argc, argv) != -1)
		;
	return optind < argc ? cli_usage_error(cli, verb, "takes no arguments") : 0;
}

static void print_status(struct cli *cli, const struct skel_status *s, const char *mode,
			 const char *why, size_t cages)
{
	double ratio = s->allocated ? (double)s->bytes / (double)s->allocated : 0;
	double coverage = s->objects ? (double)s->objects_immutable / (double)s->objects : 1;
	if (cli->json) {
		struct json j;
		json_init(&j, stdout);
		json_envelope_begin(&j);
		json_object_begin(&j);
		json_kv_string(&j, "current", s->current);
		json_kv_int(&j, "age_seconds", s->age_seconds);
		json_key(&j, "files");
		json_object_begin(&j);
		json_kv_uint(&j, "shared", s->shared);
		json_kv_uint(&j, "config", s->config);
		json_kv_uint(&j, "dirs", s->dirs);
		json_kv_uint(&j, "links", s->links);
		json_kv_uint(&j, "devices", s->devices);
		json_object_end(&j);
		json_kv_uint(&j, "bytes", s->bytes);
		json_kv_uint(&j, "allocated_bytes", s->allocated);
		json_kv_uint(&j, "objects", s->objects);
		json_kv_uint(&j, "objects_immutable", s->objects_immutable);
		fprintf(stdout, ",\"dedup_ratio\":%.3f,\"immutable_coverage\":%.3f", ratio,
			coverage);
		json_key(&j, "generations");
		json_array_begin(&j);
		for (size_t i = 0; i < s->generations.n; i++)
			json_string(&j, s->generations.v[i]);
		json_array_end(&j);
		json_key(&j, "pinned");
		json_array_begin(&j);
		for (size_t i = 0; i < s->pinned.n; i++)
			json_string(&j, s->pinned.v[i]);
		json_array_end(&j);
		json_key(&j, "cfg_missing");
		json_array_begin(&j);
		for (size_t i = 0; i < s->cfg_missing.n; i++)
			json_string(&j, s->cfg_missing.v[i]);
		json_array_end(&j);
		json_kv_string(&j, "cage_mode", mode);
		json_kv_string(&j, "cage_mode_reason", why);
		json_kv_uint(&j, "cage_slots", cages);
		json_object_end(&j);
		json_envelope_end(&j);
		return;
	}
	printf("current generation  %s (%lld s old)\n", s->current, (long long)s->age_seconds);
	printf("files               %" PRIu64 " shared, %" PRIu64 " config; %" PRIu64
	       " dirs, %" PRIu64 " symlinks, %" PRIu64 " devices\n",
	       s->shared, s->config, s->dirs, s->links, s->devices);
	printf("bytes               %" PRIu64 " apparent, %" PRIu64
	       " allocated (dedup ratio %.2f)\n",
	       s->bytes, s->allocated, ratio);
	printf("objects             %" PRIu64 " (%.1f%% immutable)\n", s->objects, coverage * 100);
	printf("generations        ");
	for (size_t i = 0; i < s->generations.n; i++)
		printf(" %s", s->generations.v[i]);
	printf("\npinned             ");
	for (size_t i = 0; i < s->pinned.n; i++)
		printf(" %s", s->pinned.v[i]);
	printf("%s\n", s->pinned.n ? "" : " (none)");
	printf("conf.d paths absent %zu", s->cfg_missing.n);
	for (size_t i = 0; i < s->cfg_missing.n && i < 20; i++)
		printf("%s%s", i ? ", " : " (", s->cfg_missing.v[i]);
	printf("%s\n", s->cfg_missing.n > 20 ? ", ...)" : s->cfg_missing.n ? ")" : "");
	printf("cage mode           %s (%s)\n", mode, why);
	printf("cage slots          %zu (unicage list)\n", cages);
}

int cmd_status(struct cli *cli, int argc, char **argv)
{
	int r = no_args(cli, "status", argc, argv);
	if (r < 0)
		return r;
	struct skel_status st;
	r = skel_status(&cli->cfg, &st, &cli->err);
	enum uc_cage_mode mode = UC_CAGE_BIND;
	char why[512] = "";
	struct slotlist slots = {0};
	struct uc_error merr = {0};
	if (r == 0 && mode_get(&cli->cfg, &mode, why, sizeof(why), &merr) < 0)
		snprintf(why, sizeof(why), "not known: %.400s", merr.msg);
	if (r == 0)
		r = slots_list(&cli->cfg, NULL, &slots, &cli->err);
	if (r == 0)
		print_status(cli, &st, uc_cage_mode_names[mode], why, slots.n);
	slotlist_release(&slots);
	skel_status_release(&st);
	return r;
}

int cmd_rollback(struct cli *cli, int argc, char **argv)
{
	char now[64];
	int r = no_args(cli, "rollback", argc, argv);
	if (r == 0)
		r = skel_rollback(&cli->cfg, now, sizeof(now), &cli->err);
	if (r == 0 && cli_says(cli)) {
		if (cli->json) {
			struct json j;
			json_init(&j, stdout);
			json_envelope_begin(&j);
			json_object_begin(&j);
			json_kv_string(&j, "current", now);
			json_object_end(&j);
			json_envelope_end(&j);
		} else {
			printf("current generation is now %s\n", now);
		}
	}
	return r;
}

int cmd_gc(struct cli *cli, int argc, char **argv)
{
	uint64_t gens = 0, objs = 0;
	int r = no_args(cli, "gc", argc, argv);
	/* imports a crash stopped: finished (or their temporary dirs removed) */
	int imports = 0;
	if (r == 0 && (r = imports = import_recover_all(&cli->cfg, &cli->err)) > 0)
		r = 0;
	if (r == 0)
		r = cage_sweep_all(&cli->cfg, &cli->err); /* idle slots unpin first */
	if (r == 0)
		r = skel_gc(&cli->cfg, true, &gens, &objs, &cli->err);
	if (r == 0 && cli_says(cli)) {
		if (cli->json) {
			struct json j;
			json_init(&j, stdout);
			json_envelope_begin(&j);
			json_object_begin(&j);
			json_kv_uint(&j, "generations_removed", gens);
			json_kv_uint(&j, "objects_removed", objs);
			json_kv_uint(&j, "imports_finished", (uint64_t)imports);
			json_object_end(&j);
			json_envelope_end(&j);
		} else {
			if (imports)
				printf("finished %d import(s) a crash had stopped\n", imports);
			printf("removed %" PRIu64 " generation(s) and %" PRIu64 " object(s)\n",
			       gens, objs);
		}
	}
	return r;
}

const char printsuids_usage[] =
    "[--json]\n\n"
    "  setuid/setgid files among the wanted paths of sysroot, and whether the\n"
    "  skeleton keeps their bits (only suid_allow does, unless strip_suid = no)";

int cmd_printsuids(struct cli *cli, int argc, char **argv)
{
	int r = no_args(cli, "print-suids", argc, argv);
	if (r < 0)
		return r;
	struct skel_conf conf;
	struct suid_file *v = NULL;
	size_t n = 0;
	r = skel_conf_load(&conf, cli->cfg.config_dir, &cli->err);
	struct skel_opts o = {.cfg = &cli->cfg, .conf = &conf};
	if (r == 0)
		r = skel_suids(&o, &v, &n, &cli->err);
	if (r == 0 && cli->json) {
		struct json j;
		json_init(&j, stdout);
		json_envelope_begin(&j);
		json_array_begin(&j);
		for (size_t i = 0; i < n; i++) {
			char mode[8];
			snprintf(mode, sizeof(mode), "%04o", v[i].host_mode);
			json_object_begin(&j);
			json_kv_string(&j, "path", v[i].path);
			json_kv_string(&j, "mode", mode);
			json_kv_bool(&j, "kept", v[i].kept);
			json_object_end(&j);
		}
		json_array_end(&j);
		json_envelope_end(&j);
	} else if (r == 0) {
		for (size_t i = 0; i < n; i++)
			printf("%04o %-8s %s\n", v[i].host_mode, v[i].kept ? "kept" : "stripped",
			       v[i].path);
	}
	for (size_t i = 0; i < n; i++)
		free(v[i].path);
	free(v);
	skel_conf_release(&conf);
	return r;
}
