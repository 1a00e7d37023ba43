/* `unicage update` run by the static front when nothing changed: the lean
 * no-op of skel/noop.h (no librpm, no wanted set: unicage-core's start
 * alone was a quarter of a no-op update). Whatever it cannot prove, or an
 * option it does not know, goes to unicage-core, which updates in full. */
#include "cli/update_front.h"

#include "lib/cleanup.h"
#include "cli/counters.h"
#include "lib/config.h"
#include "lib/json.h"
#include "lib/lock.h"
#include "lib/log.h"
#include "skel/noop.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void skel_print_stats(bool json, int verbosity, const struct skel_stats *s, bool dry_run,
		      const struct strv *diffs)
{
#define F(n) CLI_COUNTER(struct skel_stats, n)
	static const struct cli_counter f[] = {
	    F(paths),
	    F(files),
	    F(dirs),
	    F(links),
	    F(devices),
	    F(shared),
	    F(config),
	    F(bytes),
	    F(objects_created),
	    F(objects_reused),
	    F(unchanged_unread),
	    F(bytes_read),
	    F(suid_stripped),
	    F(suid_kept),
	    F(devices_skipped),
	    F(missing),
	    F(blacklisted),
	    F(immutable_unsupported),
	    F(cfg_missing),
	    F(in_homes),
	    F(elf_checked),
	    F(elf_added),
	    F(elf_missing),
	};
#undef F
	const struct cli_counters c = {f, UC_ARRAY_SIZE(f), false};
	if (json) {
		struct json j;
		json_init(&j, stdout);
		json_envelope_begin(&j);
		json_object_begin(&j);
		json_kv_string(&j, "generation", s->generation);
		json_kv_bool(&j, "nothing_to_do", s->nothing_to_do);
		json_kv_bool(&j, "dry_run", dry_run);
		cli_counters_json(&c, s, &j);
		json_object_end(&j);
		json_envelope_end(&j);
		return;
	}
	if (verbosity < 0)
		return; /* -q: nothing when all went well */
	if (s->nothing_to_do) {
		printf("nothing to do: %s is up to date\n", s->generation);
		return;
	}
	if (dry_run) {
		printf("dry run: the wanted files changed; update would build a new generation\n");
		for (size_t i = 0; i < diffs->n; i++)
			printf("  %s\n", diffs->v[i]);
		return;
	}
	printf("generation %s is current\n", s->generation);
	cli_counters_print(&c, s, stdout);
}

struct upd_args {
	const char *config;
	int verbosity;
	bool json, dry, wait;
};

/* The options update takes as they are given (one per word); anything
 * else (-vn, --dont-clean, --help, an argument): -1. */
static int parse(int argc, char **argv, struct upd_args *a)
{
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		if ((!strcmp(s, "-c") || !strcmp(s, "--config")) && i + 1 < argc)
			a->config = argv[++i];
		else if (!strncmp(s, "--config=", 9))
			a->config = s + 9;
		else if (!strcmp(s, "-v") || !strcmp(s, "--verbose"))
			a->verbosity++;
		else if (!strcmp(s, "-q") || !strcmp(s, "--quiet"))
			a->verbosity--;
		else if (!strcmp(s, "--json"))
			a->json = true;
		else if (!strcmp(s, "-n") || !strcmp(s, "--dry-run"))
			a->dry = true;
		else if (!strcmp(s, "--wait-lock"))
			a->wait = true;
		else
			return -1;
	}
	return 0;
}

/* The skeleton's lock, as update takes it; held by another: -1 (the full
 * update waits for it or names the holder). */
static int take_lock(const struct uc_config *cfg)
{
	int dfd = open(cfg->state_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	struct uc_error err = {0};
	int fd = uc_lock_take(dfd, "skel.lock", "the skeleton", 0, &err);
	close(dfd);
	return fd;
}

static int lean(const struct upd_args *a)
{
	struct uc_config cfg;
	struct uc_error err = {0};
	struct skel_stats st;
	struct strv missing = STRV_INIT, homes = STRV_INIT;
	char why[PATH_MAX + 64] = "";
	int lockfd = -1, ok = 0;
	if (uc_config_init(&cfg) < 0)
		return -1;
	if (uc_config_load(&cfg, a->config, &err) == 0 && (lockfd = take_lock(&cfg)) >= 0)
		ok = noop_check(&cfg, &st, &missing, &homes, why, sizeof(why));
	uc_log_init(a->verbosity);
	/* which path ran, with UNICAGE_DEBUG only: -v -v must print what the
	 * full update prints */
	bool say = getenv("UNICAGE_DEBUG") != NULL;
	if (ok) {
		if (say)
			uc_debug(UC_AREA_GENERAL,
				 "update: lean no-op (skel/noop: nothing changed)");
		noop_say_paths(&missing, &homes);
		struct strv none = STRV_INIT;
		skel_print_stats(a->json, a->verbosity, &st, a->dry, &none);
	} else if (say) {
		uc_debug(UC_AREA_GENERAL, "update: full update (%s)",
			 why[0]	      ? why
			 : lockfd < 0 ? "skel.lock"
				      : "config");
	}
	if (lockfd >= 0)
		close(lockfd);
	strv_clear(&missing);
	strv_clear(&homes);
	uc_config_release(&cfg);
	if (!ok)
		return -1;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		uc_log(UC_LOG_ERROR, "write error on standard output");
		return UC_INTERNAL;
	}
	return 0;
}

int update_front(int argc, char **argv, const char *config, int verbosity)
{
	struct upd_args a = {.config = config, .verbosity = verbosity};
	if (parse(argc, argv, &a) < 0)
		return -1;
	return lean(&a);
}
