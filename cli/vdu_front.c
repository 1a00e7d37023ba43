/* vdu's options, walk and output, without cli/cli.c (its verb table would
 * pull every verb, librpm and the rest into the static front): used by
 * `unicage vdu` (cli/cmd_vdu.c) and by the front itself (vdu_front). */
#include "cli/vdu_front.h"

#include "lib/json.h"
#include "lib/log.h"
#include "unify/vdu.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void size_str(uint64_t v, bool human, char *buf, size_t n)
{
	static const char units[] = "BKMGTP";
	if (!human) {
		snprintf(buf, n, "%" PRIu64, v);
		return;
	}
	double d = (double)v;
	int u = 0;
	while (d >= 1024 && u < 5) {
		d /= 1024;
		u++;
	}
	snprintf(buf, n, u ? "%.1f%c" : "%.0f%c", d, units[u]);
}

static void print_line(const char *path, const struct vdu_result *r, bool human, bool inodes)
{
	char a[32], b[32], p[32], s[32];
	size_str(r->apparent, human, a, sizeof(a));
	size_str(r->allocated, human, b, sizeof(b));
	size_str(r->private_bytes, human, p, sizeof(p));
	size_str(r->shared_bytes, human, s, sizeof(s));
	printf("%12s %12s %12s %12s", a, b, p, s);
	if (inodes)
		printf(" %9" PRIu64 " %9" PRIu64 " %9" PRIu64, r->inodes, r->private_inodes,
		       r->shared_inodes);
	printf("  %s\n", path);
}

static void json_result(struct json *j, const char *path, const struct vdu_result *r)
{
	json_object_begin(j);
	json_kv_string(j, "path", path);
	json_kv_uint(j, "apparent_bytes", r->apparent);
	json_kv_uint(j, "allocated_bytes", r->allocated);
	json_kv_uint(j, "private_bytes", r->private_bytes);
	json_kv_uint(j, "shared_bytes", r->shared_bytes);
	json_kv_uint(j, "inodes", r->inodes);
	json_kv_uint(j, "private_inodes", r->private_inodes);
	json_kv_uint(j, "shared_inodes", r->shared_inodes);
	json_object_end(j);
}

/* Options of vdu. The common ones are handled here, not by
 * cli_common_option: the front (vdu_front) must not pull in cli/cli.c and
 * its verb table (every verb, librpm...). 0, or -1 for an unknown option. */
int vdu_parse(struct cli *cli, int argc, char **argv, struct vdu_opts *o)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"verbose", no_argument, NULL, 'v'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, OPT_HUMAN + 1},
	    {"human", no_argument, NULL, 'h'},
	    {"inodes", no_argument, NULL, OPT_INODES},
	    {"cross-mounts", no_argument, NULL, OPT_CROSS},
	    {NULL, 0, NULL, 0},
	};
	int opt;
	opterr = 0;
	optind = 0;
	/* -h is --human here, as in du; --help is help */
	while ((opt = getopt_long(argc, argv, ":c:vqhsx", longopts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			o->human = true;
			break;
		case OPT_HUMAN + 1:
			o->help = true;
			break;
		case 'c':
			cli->config_path = optarg;
			break;
		case OPT_JSON:
			cli->json = true;
			break;
		case 'v':
			cli->verbosity++;
			break;
		case 'q':
			cli->verbosity--;
			break;
		case 's':
			o->total = true;
			break;
		case 'x':
			o->cross = false;
			break;
		case OPT_CROSS:
			o->cross = true;
			break;
		case OPT_INODES:
			o->inodes = true;
			break;
		default:
			return -1;
		}
	}
	return 0;
}

static void print_results(struct cli *cli, char **paths, size_t npaths,
			  const struct vdu_result *res, const struct vdu_opts *o)
{
	if (cli->json) {
		struct json j;
		json_init(&j, stdout);
		json_envelope_begin(&j);
		json_object_begin(&j);
		json_key(&j, "paths");
		json_array_begin(&j);
		for (size_t i = 0; i < npaths; i++)
			json_result(&j, paths[i], &res[i]);
		json_array_end(&j);
		if (o->total) {
			json_key(&j, "total");
			json_result(&j, "total", &res[npaths]);
		}
		json_object_end(&j);
		json_envelope_end(&j);
		return;
	}
	printf("%12s %12s %12s %12s%s  %s\n", "apparent", "allocated", "private", "shared",
	       o->inodes ? "    inodes   private    shared" : "", "path");
	for (size_t i = 0; i < npaths; i++)
		print_line(paths[i], &res[i], o->human, o->inodes);
	if (o->total)
		print_line("total", &res[npaths], o->human, o->inodes);
}

/* Every walk first, then the output: an error leaves only the error. */
int vdu_run(struct cli *cli, char **paths, size_t npaths, const struct vdu_opts *o)
{
	uc_log_init(cli->verbosity); /* as cli_load_config, which the front lacks */
	int r = uc_config_load(&cli->cfg, cli->config_path, &cli->err);
	if (r < 0)
		return r;
	struct vdu all = {.cross_mounts = o->cross};
	struct vdu_result *res = calloc(npaths + 1, sizeof(*res));
	if (!res)
		return uc_fail(&cli->err, UC_INTERNAL, "out of memory");
	for (size_t i = 0; r == 0 && i < npaths; i++) {
		struct vdu one = {.cross_mounts = o->cross};
		r = vdu_walk(&one, paths[i], &cli->err);
		if (r == 0 && o->total && vdu_merge(&all, &one) < 0)
			r = uc_fail(&cli->err, UC_INTERNAL, "out of memory");
		vdu_sum(&one, &res[i]);
		vdu_release(&one);
	}
	if (o->total)
		vdu_sum(&all, &res[npaths]);
	if (r == 0)
		print_results(cli, paths, npaths, res, o);
	free(res);
	vdu_release(&all);
	return r;
}

int vdu_front(int argc, char **argv)
{
	struct cli cli = {.prog = "unicage"};
	struct vdu_opts o = {0};
	if (vdu_parse(&cli, argc, argv, &o) < 0 || o.help || optind >= argc)
		return -1; /* help and usage errors: unicage-core says them */
	if (uc_config_init(&cli.cfg) < 0)
		return -1;
	int r = vdu_run(&cli, argv + optind, (size_t)(argc - optind), &o);
	uc_config_release(&cli.cfg);
	if (r < 0 || cli.err.kind != UC_OK)
		return -1; /* nothing printed: unicage-core does it again and reports */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		uc_log(UC_LOG_ERROR, "write error on standard output");
		return UC_INTERNAL;
	}
	return 0;
}
