/* export, import: a cage to an archive and back (export/export.h). */
#include "cli/cli.h"
#include "cli/progress.h"

#include "export/export.h"
#include "lib/audit.h"
#include "lib/json.h"
#include "lib/path.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char export_usage[] =
    "USER [-o FILE|-] [--with-home]\n\n"
    "  one zstd-compressed pax tar of the cage's own state (upper/, custom.etc/,\n"
    "  the enabled state; with --with-home the home); never the skeleton. To\n"
    "  standard output by default (not a terminal); -o FILE is written whole\n"
    "  or not at all, with progress on a terminal.";

const char import_usage[] =
    "FILE|- [--user NAME] [--uid N] [--force]\n\n"
    "  check the whole archive, then put the cage in place; nothing changes\n"
    "  on a bad archive (exit 3 naming the entry). --user / --uid: the account\n"
    "  on this host (ownership rewritten from the archive's uid); --force\n"
    "  replaces an existing cage (kept until the new one is in place).";

enum { OPT_WITH_HOME = 0x500, OPT_USER, OPT_UID, OPT_FORCE };
const struct option export_longopts[] = {{"with-home", no_argument, NULL, OPT_WITH_HOME},
					 {"output", required_argument, NULL, 'o'},
					 {NULL, 0, NULL, 0}};
const struct option import_longopts[] = {{"user", required_argument, NULL, OPT_USER},
					 {"uid", required_argument, NULL, OPT_UID},
					 {"force", no_argument, NULL, OPT_FORCE},
					 {NULL, 0, NULL, 0}};

static int export_to(struct cli *cli, struct export_opts *o, const char *out)
{
	struct export_stats st;
	char tmp[PATH_MAX] = "";
	int fd = 1, r;
	if (!out || !strcmp(out, "-")) {
		if (isatty(1))
			return uc_fail(
			    &cli->err, UC_BADREQUEST,
			    "export: not writing an archive to a terminal (-o FILE, or a pipe)");
	} else {
		if ((r = path_fmt(tmp, sizeof(tmp), "%s.tmp-%d", out, (int)getpid())) < 0)
			return path_fail(&cli->err, r, out);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0)
			return uc_fail_errno(&cli->err, errno, "%s", tmp);
		o->progress = cli_progress(cli);
	}
	o->out_fd = fd;
	r = export_cage(&cli->cfg, o, &st, &cli->err);
	if (fd != 1) {
		/* whole or absent: made durable, then renamed */
		if (r == 0 && (fsync(fd) < 0 || rename(tmp, out) < 0))
			r = uc_fail_errno(&cli->err, errno, "%s", out);
		close(fd);
		if (r < 0)
			unlink(tmp);
	}
	if (r == 0 && fd != 1) {
		if (cli->json) {
			struct json j;
			json_init(&j, stdout);
			json_envelope_begin(&j);
			json_object_begin(&j);
			json_kv_string(&j, "file", out);
			json_kv_uint(&j, "entries", st.entries);
			json_kv_uint(&j, "files", st.files);
			json_kv_uint(&j, "bytes", st.bytes);
			json_object_end(&j);
			json_envelope_end(&j);
		} else if (cli_says(cli)) {
			printf("%s: %" PRIu64 " entries, %" PRIu64 " files, %" PRIu64 " bytes\n",
			       out, st.entries, st.files, st.bytes);
		}
	}
	return r;
}

int cmd_export(struct cli *cli, int argc, char **argv)
{
	struct export_opts o = {0};
	const char *out = NULL;
	int opt;
	while ((opt = cli_getopt(cli, argc, argv)) != -1) {
		if (opt == OPT_WITH_HOME)
			o.with_home = true;
		else if (opt == 'o')
			out = optarg;
	}
	/* `unicage export alice -` as well as `-o -` */
	if (optind + 2 == argc && !strcmp(argv[optind + 1], "-") && !out)
		out = "-";
	else if (optind + 1 != argc)
		return cli_usage_error(cli, "export",
				       "name one USER (then -o FILE, or - for standard output)");
	o.user = argv[optind];
	return export_to(cli, &o, out);
}

static void print_import(struct cli *cli, const struct import_report *rep)
{
	if (cli->json) {
		struct json j;
		json_init(&j, stdout);
		json_envelope_begin(&j);
		json_object_begin(&j);
		json_kv_string(&j, "user", rep->user);
		json_kv_uint(&j, "entries", rep->entries);
		json_kv_uint(&j, "files", rep->files);
		json_kv_uint(&j, "bytes", rep->bytes);
		json_kv_string(&j, "archive_generation", rep->source_gen);
		json_kv_string(&j, "current_generation", rep->current_gen);
		json_kv_bool(&j, "generation_differs", rep->gen_differs);
		json_kv_uint(&j, "identical_to_skeleton", rep->same_as_skeleton);
		json_object_end(&j);
		json_envelope_end(&j);
		return;
	}
	if (!cli_says(cli))
		return;
	printf("%s: imported (%" PRIu64 " entries, %" PRIu64 " files, %" PRIu64 " bytes)\n",
	       rep->user, rep->entries, rep->files, rep->bytes);
	if (rep->gen_differs)
		printf("note: the archive was made against generation %s, this host's current "
		       "generation is %s\n",
		       rep->source_gen, rep->current_gen);
	if (rep->same_as_skeleton) {
		printf("note: %" PRIu64 " file(s) in the upper are identical to this host's "
		       "skeleton:",
		       rep->same_as_skeleton);
		for (uint64_t i = 0; i < rep->same_as_skeleton && i < 8; i++)
			printf(" %s", rep->same_first[i]);
		printf("%s\n", rep->same_as_skeleton > 8 ? " ..." : "");
	}
}

int cmd_import(struct cli *cli, int argc, char **argv)
{
	struct import_opts o = {.uid = -1};
	int opt;
	while ((opt = cli_getopt(cli, argc, argv)) != -1) {
		char *end;
		if (opt == OPT_USER) {
			o.user = optarg;
		} else if (opt == OPT_UID) {
			o.uid = strtol(optarg, &end, 10);
			if (*end || o.uid < 0 || end == optarg)
				return cli_usage_error(cli, "import", "--uid takes a number");
		} else if (opt == OPT_FORCE) {
			o.force = true;
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error(cli, "import", "name one FILE (or - for standard input)");
	int r;
	const char *in = argv[optind];
	if (!strcmp(in, "-") && isatty(0))
		return uc_fail(&cli->err, UC_BADREQUEST,
			       "import: not reading an archive from a terminal (FILE, or a pipe)");
	o.in_fd = strcmp(in, "-") ? open(in, O_RDONLY | O_CLOEXEC) : 0;
	if (o.in_fd < 0)
		return uc_fail_errno(&cli->err, errno, "%s", in);
	struct import_report rep;
	r = import_cage(&cli->cfg, &o, &rep, &cli->err);
	char *cage[] = {(char *)(r == 0 ? rep.user : o.user ? o.user : "-"), NULL};
	uc_audit("import", cage, argv, r == 0 ? "ok" : "failed");
	if (o.in_fd > 0)
		close(o.in_fd);
	if (r == 0)
		print_import(cli, &rep);
	return r;
}
