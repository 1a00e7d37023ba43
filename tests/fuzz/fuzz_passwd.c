/* passwd and group readers: lib/pwfile.c (every reader's splitter), the
 * sysroot's accounts (lib/ugdb.c), passwd_file (lib/users.c) and the
 * supplementary groups of a user from a group file (pwfile_member_gids:
 * passwd_file's group_file and the cage's /etc/group in enter/join.c).
 * Properties: a line taken splits into exactly its ':' fields (empty ones
 * kept); ids taken are numbers below 2^32-1 written in the line; a gid is
 * given once, never the primary one, and only from a line naming the user. */
#include "tests/fuzz/fuzz.h"

#include "lib/config.h"
#include "lib/pwfile.h"
#include "lib/ugdb.h"
#include "lib/users.h"

static void split_back(const uint8_t *data, size_t size, unsigned nfields)
{
	FILE *f = fuzz_file(data, size);
	struct pwfile p;
	struct uc_error e = {0};
	int r;
	pwfile_init(&p, f, "passwd", nfields);
	while ((r = pwfile_next(&p, &e)) != 0) {
		if (r < 0 && r != -EINVAL)
			break;
		FUZZ_ASSERT(r > 0 || strncmp(e.msg, "passwd:", 7) == 0);
		if (r < 0)
			continue;
		FUZZ_ASSERT(p.field[0][0] != '\0' && !strchr(p.field[0], ':'));
		for (unsigned i = 0; i < nfields; i++)
			FUZZ_ASSERT(!strchr(p.field[i], ':') && !strchr(p.field[i], '\n'));
	}
	pwfile_release(&p);
	fclose(f);
}

static void sysroot_db(const uint8_t *data, size_t size, unsigned nfields)
{
	struct ug_ent *tab = NULL;
	size_t n = 0;
	FILE *f = fuzz_file(data, size);
	int r = ugdb_parse(&tab, &n, f, "etc/passwd", nfields);
	fclose(f);
	FUZZ_ASSERT(r >= 0);
	for (size_t i = 0; i < n; i++) {
		FUZZ_ASSERT(tab[i].name[0] && tab[i].id < 0xffffffffU);
		free(tab[i].name);
	}
	free(tab);
}

/* Whether some ":DIGITS:" of the input is id (leading zeros allowed, as
 * glibc reads them). */
static bool has_id_field(const uint8_t *d, size_t n, unsigned id)
{
	for (size_t i = 0; i + 2 < n; i++) {
		if (d[i] != ':')
			continue;
		size_t j = i + 1;
		unsigned long long v = 0;
		while (j < n && d[j] >= '0' && d[j] <= '9' && v <= 0xffffffffULL)
			v = v * 10 + (d[j++] - '0');
		if (j > i + 1 && j < n && d[j] == ':' && v == id)
			return true;
	}
	return false;
}

static void groups_of(const uint8_t *data, size_t size)
{
	gid_t gids[64];
	int n = 0;
	FILE *f = fuzz_file(data, size);
	FUZZ_ASSERT(pwfile_member_gids(f, "group", "alice", 100, gids, &n, 64) == 0);
	fclose(f);
	for (int i = 0; i < n; i++) {
		FUZZ_ASSERT(gids[i] != 100 && gids[i] != (gid_t)-1);
		for (int j = 0; j < i; j++)
			FUZZ_ASSERT(gids[i] != gids[j]);
		/* the gid is written in the input as a field of digits */
		FUZZ_ASSERT(has_id_field(data, size, gids[i]));
	}
}

static void passwd_file(const uint8_t *data, size_t size)
{
	struct uc_config cfg;
	if (uc_config_init(&cfg) < 0)
		abort();
	FILE *f = fuzz_file(data, size);
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fileno(f));
	cfg.passwd_file = path;
	struct uc_userlist l;
	struct uc_error err = {0};
	if (users_all(&cfg, &l, &err) == 0) {
		for (size_t i = 0; i < l.n; i++)
			FUZZ_ASSERT(l.v[i].name[0] && l.v[i].uid != (uid_t)-1 &&
				    l.v[i].gid != (gid_t)-1);
		userlist_release(&l);
	}
	cfg.passwd_file = NULL;
	uc_config_release(&cfg);
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	split_back(data, size, PWFILE_PASSWD);
	split_back(data, size, PWFILE_GROUP);
	split_back(data, size, PWFILE_SHADOW);
	sysroot_db(data, size, PWFILE_PASSWD);
	sysroot_db(data, size, PWFILE_GROUP);
	groups_of(data, size);
	passwd_file(data, size);
	return 0;
}
