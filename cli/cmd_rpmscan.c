/* `unicage rpmscan`: print what rpmscan_run() finds, as a table, TSV or JSON. */
#include "cli/rpmscan_args.h"

#include "lib/json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

struct printer {
	enum rpmscan_output out;
	bool verify;
	struct json json;
	bool header_done;
	char last_nevra[512];
	uint64_t count[RS_C_SKIP + 1];
};

/* TSV fields never hold a raw tab or newline: \t \n \\ are escaped. */
static void tsv_field(const char *s, bool last)
{
	if (!strpbrk(s, "\t\n\\")) { /* the common case, written in one go */
		fputs_unlocked(s, stdout);
		putchar_unlocked(last ? '\n' : '\t');
		return;
	}
	for (; *s; s++) {
		switch (*s) {
		case '\t':
			fputs("\\t", stdout);
			break;
		case '\n':
			fputs("\\n", stdout);
			break;
		case '\\':
			fputs("\\\\", stdout);
			break;
		default:
			putchar(*s);
		}
	}
	putchar(last ? '\n' : '\t');
}

static const char tsv_header[] = "nevra\tpath\ttype\tmode\tuser\tgroup\tsize\tmtime\tdigest_algo\t"
				 "digest\tlink\tflags\tstate\tclass\tverify\n";

static void print_tsv(const struct rs_file *f, const char *flags, const char *verify)
{
	char num[64];
	tsv_field(f->nevra, false);
	tsv_field(f->path, false);
	tsv_field(rs_ftype_name(f->type), false);
	snprintf(num, sizeof(num), "%04o", (unsigned)(f->mode & 07777));
	tsv_field(num, false);
	tsv_field(f->user, false);
	tsv_field(f->group, false);
	printf("%" PRIu64 "\t%" PRIu32 "\t", f->size, f->mtime);
	tsv_field(*f->digest ? rs_digest_algo_name(f->digest_algo) : "", false);
	tsv_field(f->digest, false);
	tsv_field(f->link, false);
	tsv_field(flags, false);
	tsv_field(rs_state_name(f->state), false);
	tsv_field(rs_class_name(f->class), false);
	tsv_field(verify, true);
}

static void print_json(struct json *j, const struct rs_file *f, const char *verify)
{
	char mode[16];
	snprintf(mode, sizeof(mode), "%04o", (unsigned)(f->mode & 07777));
	json_object_begin(j);
	json_kv_string(j, "package", f->nevra);
	json_kv_string(j, "path", f->path);
	json_kv_string(j, "type", rs_ftype_name(f->type));
	json_kv_string(j, "mode", mode);
	json_kv_string(j, "user", f->user);
	json_kv_string(j, "group", f->group);
	json_kv_uint(j, "size", f->size);
	json_kv_uint(j, "mtime", f->mtime);
	json_key(j, "digest_algo");
	json_string(j, *f->digest ? rs_digest_algo_name(f->digest_algo) : NULL);
	json_key(j, "digest");
	json_string(j, *f->digest ? f->digest : NULL);
	json_key(j, "link");
	json_string(j, *f->link ? f->link : NULL);
	json_key(j, "flags");
	json_array_begin(j);
	for (unsigned bit = 1; bit <= RS_F_SPECFILE; bit <<= 1) {
		char name[32];
		if (!(f->flags & bit))
			continue;
		rs_flags_format(bit, name, sizeof(name));
		json_string(j, name);
	}
	json_array_end(j);
	json_kv_string(j, "state", rs_state_name(f->state));
	json_kv_string(j, "class", rs_class_name(f->class));
	json_key(j, "verify");
	json_string(j, f->verify.checked ? verify : NULL);
	json_object_end(j);
}

static void print_table_row(struct printer *p, const struct rs_file *f, const char *flags,
			    const char *verify)
{
	char owner[80];
	if (strcmp(p->last_nevra, f->nevra) != 0) {
		snprintf(p->last_nevra, sizeof(p->last_nevra), "%s", f->nevra);
		printf("%s%s\n", p->count[0] + p->count[1] + p->count[2] + p->count[3] ? "\n" : "",
		       f->nevra);
	}
	snprintf(owner, sizeof(owner), "%s:%s", f->user, f->group);
	printf("  %-6s %-7s %04o %-14s %9" PRIu64 " %-16s", rs_class_name(f->class),
	       rs_ftype_name(f->type), (unsigned)(f->mode & 07777), owner, f->size,
	       *flags ? flags : "-");
	if (p->verify)
		printf(" %-9s", f->verify.checked ? verify : "-");
	printf(" %s", f->path);
	if (*f->link)
		printf(" -> %s", f->link);
	if (f->state != RS_S_NORMAL)
		printf(" (%s)", rs_state_name(f->state));
	putchar('\n');
}

/* Output starts with the first record (or at the end of an empty scan), so
 * that an error found before it leaves nothing but the error on stdout. */
static void printer_start(struct printer *p)
{
	if (p->header_done)
		return;
	p->header_done = true;
	if (p->out == RPMSCAN_OUT_TSV)
		fputs(tsv_header, stdout);
	if (p->out == RPMSCAN_OUT_JSON) {
		json_envelope_begin(&p->json);
		json_array_begin(&p->json);
	}
}

static int print_file(const struct rs_file *f, void *arg)
{
	struct printer *p = arg;
	char flags[128], verify[16];
	rs_flags_format(f->flags, flags, sizeof(flags));
	rs_verify_format(&f->verify, verify, sizeof(verify));
	printer_start(p);
	switch (p->out) {
	case RPMSCAN_OUT_TSV:
		print_tsv(f, flags, verify);
		break;
	case RPMSCAN_OUT_JSON:
		print_json(&p->json, f, verify);
		break;
	case RPMSCAN_OUT_TABLE:
		print_table_row(p, f, flags, verify);
		break;
	}
	p->count[f->class]++;
	return ferror(stdout) ? -EIO : 0;
}

int cmd_rpmscan(struct cli *cli, int argc, char **argv)
{
	struct rpmscan_cmd cmd;
	int r = rpmscan_parse_args(cli, &cmd, argc, argv);
	if (r == 0 && cmd.help) {
		cli_print_verb_help(verb_find("rpmscan"));
		goto out;
	}
	if (r == 0)
		r = cli_load_config(cli);
	if (r < 0)
		goto out;
	cmd.scan.sysroot = cmd.sysroot ? cmd.sysroot : cli->cfg.sysroot;
	cmd.scan.dbpath = cmd.dbpath ? cmd.dbpath : cli->cfg.rpm_dbpath;
	cmd.scan.local_paths = &cli->cfg.local_paths;
	if (cmd.rpm_mode)
		cmd.scan.rpm_files = &cmd.args;
	else
		cmd.scan.packages = &cmd.args;

	struct printer p = {.out = cmd.out, .verify = cmd.scan.verify};
	/* Tens of thousands of records: a large buffer, flushed by main(). */
	static char outbuf[1 << 16];
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	json_init(&p.json, stdout);
	/* The database is opened and every package chosen (or every .rpm read)
	 * before the first record is printed, so a failure is reported in a
	 * clean error envelope; only a write error can stop a scan midway. */
	r = rpmscan_run(&cmd.scan, print_file, &p, &cli->err);
	if (r == 0)
		printer_start(&p);
	if (r == 0 && p.out == RPMSCAN_OUT_JSON) {
		json_array_end(&p.json);
		json_envelope_end(&p.json);
	} else if (r < 0 && p.out == RPMSCAN_OUT_JSON && p.header_done) {
		/* Failed midway (a database that breaks partway through): keep the
		 * JSON valid, with what was read and the error as the result. */
		json_array_end(&p.json);
		json_key(&p.json, "metadata");
		json_object_begin(&p.json);
		json_kv_string(&p.json, "result", uc_kind_name(cli->err.kind));
		json_kv_string(&p.json, "message", cli->err.msg);
		json_object_end(&p.json);
		json_object_end(&p.json);
		putchar('\n');
		cli->err_reported = true;
	}
	if (r == 0 && p.out == RPMSCAN_OUT_TABLE)
		printf("\n%" PRIu64 " files: %" PRIu64 " shared, %" PRIu64 " config, %" PRIu64
		       " ghost, %" PRIu64 " skip\n",
		       p.count[0] + p.count[1] + p.count[2] + p.count[3], p.count[RS_C_SHARED],
		       p.count[RS_C_CONFIG], p.count[RS_C_GHOST], p.count[RS_C_SKIP]);
out:
	rpmscan_cmd_release(&cmd);
	return r;
}
