/* `unicage vdu` (vdu): private and shared bytes of trees. */
#include "cli/cli.h"

#include "lib/json.h"
#include "unify/vdu.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char vdu_usage[] =
    "[-s] [-h] [--inodes] [--cross-mounts] [--json] PATH...\n\n"
    "  per PATH: apparent bytes, allocated bytes, private (allocated bytes of inodes\n"
    "  all of whose links are inside PATH) and shared (the others, each once)\n"
    "  -s              add a total over all PATHs (an inode linked only from within\n"
    "                  them is private to the set)\n"
    "  -h, --human     sizes in K, M, G (1024)\n"
    "  --inodes        inode counts too\n"
    "  -x              do not cross mount points (the default)\n"
    "  --cross-mounts  do cross them";

enum { OPT_INODES = 0x400, OPT_CROSS, OPT_HUMAN };

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

int cmd_vdu(struct cli *cli, int argc, char **argv)
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
	bool help = false, human = false, inodes = false, total = false, cross = false;
	int opt;
	opterr = 0;
	/* -h is --human here, as in du; --help is help */
	while ((opt = getopt_long(argc, argv, ":c:vqhsx", longopts, NULL)) != -1) {
		if (opt == 'h') {
			human = true;
			continue;
		}
		if (opt == OPT_HUMAN + 1) {
			help = true;
			continue;
		}
		if (cli_common_option(cli, opt, optarg, &help))
			continue;
		switch (opt) {
		case 's':
			total = true;
			break;
		case 'x':
			cross = false;
			break;
		case OPT_CROSS:
			cross = true;
			break;
		case OPT_INODES:
			inodes = true;
			break;
		default:
			return cli_usage_error(cli, "vdu", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (help) {
		cli_print_verb_help(verb_find("vdu"));
		return 0;
	}
	if (optind >= argc)
		return cli_usage_error(cli, "vdu", "name at least one PATH");
	int r = cli_load_config(cli);
	if (r < 0)
		return r;
	/* Every walk first, then the output: an error leaves only the error. */
	struct vdu all = {.cross_mounts = cross};
	size_t npaths = (size_t)(argc - optind);
	struct vdu_result *res = calloc(npaths + 1, sizeof(*res));
	if (!res)
		return uc_fail(&cli->err, UC_INTERNAL, "out of memory");
	for (size_t i = 0; r == 0 && i < npaths; i++) {
		struct vdu one = {.cross_mounts = cross};
		r = vdu_walk(&one, argv[optind + (int)i], &cli->err);
		if (r == 0 && total && vdu_merge(&all, &one) < 0)
			r = uc_fail(&cli->err, UC_INTERNAL, "out of memory");
		vdu_sum(&one, &res[i]);
		vdu_release(&one);
	}
	if (total)
		vdu_sum(&all, &res[npaths]);
	if (r == 0 && cli->json) {
		struct json j;
		json_init(&j, stdout);
		json_envelope_begin(&j);
		json_object_begin(&j);
		json_key(&j, "paths");
		json_array_begin(&j);
		for (size_t i = 0; i < npaths; i++)
			json_result(&j, argv[optind + (int)i], &res[i]);
		json_array_end(&j);
		if (total) {
			json_key(&j, "total");
			json_result(&j, "total", &res[npaths]);
		}
		json_object_end(&j);
		json_envelope_end(&j);
	} else if (r == 0) {
		printf("%12s %12s %12s %12s%s  %s\n", "apparent", "allocated", "private", "shared",
		       inodes ? "    inodes   private    shared" : "", "path");
		for (size_t i = 0; i < npaths; i++)
			print_line(argv[optind + (int)i], &res[i], human, inodes);
		if (total)
			print_line("total", &res[npaths], human, inodes);
	}
	free(res);
	vdu_release(&all);
	return r;
}
