/* ELF dependencies of the wanted set and of a generation (skel/elfscan.h). */
#include "skel/elfscan.h"

#include "lib/cleanup.h"
#include "lib/array.h"
#include "lib/hashset.h"
#include "lib/log.h"
#include "lib/path.h"
#include "lib/sys.h"
#include "lib/tsv.h"
#include "skel/elfdeps.h"
#include "skel/ldcache.h"
#include "skel/noop.h"
#include "skel/nss.h"
#include "skel/wanted.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ELFDEPS_FILE "elfdeps"
#define ELFDEPS_MAGIC "unicage-elfdeps 1"
/* the recheck entry of NSS modules nsswitch.conf names and the sysroot
 * lacked (never a path: those start with '/') */
#define NSS_MARK "nsswitch.conf:"

static int missing_add(struct elf_report *rep, const char *program, const char *lib, int cls)
{
	if (UC_GROW(&rep->v, &rep->cap, rep->n + 1) < 0)
		return -ENOMEM;
	struct elf_missing *m = &rep->v[rep->n];
	m->program = strdup(program);
	m->lib = strdup(lib);
	m->elfclass = cls;
	if (!m->program || !m->lib) {
		free(m->program);
		free(m->lib);
		return -ENOMEM;
	}
	rep->n++;
	return 0;
}

void elf_report_release(struct elf_report *rep)
{
	for (size_t i = 0; i < rep->n; i++) {
		free(rep->v[i].program);
		free(rep->v[i].lib);
	}
	free(rep->v);
	memset(rep, 0, sizeof(*rep));
}

/* One object of the tree: its interpreter and every DT_NEEDED found? */
static int check_one(struct elf_tree *t, const char *path, const struct elf_info *info,
		     struct elf_report *rep)
{
	char real[PATH_MAX];
	int r = 0;
	if (info->interp && elf_find_interp(t, info, real, sizeof(real), NULL) == -ENOENT)
		r = missing_add(rep, path, info->interp, info->elfclass);
	for (size_t i = 0; r == 0 && i < info->needed.n; i++)
		if (elf_find_lib(t, path, info, info->needed.v[i], real, sizeof(real), NULL) ==
		    -ENOENT)
			r = missing_add(rep, path, info->needed.v[i], info->elfclass);
	return r;
}

int elfscan_paths(int treefd, const struct strv *paths, elf_known_fn known, void *ctx,
		  struct elf_report *rep)
{
	struct elf_tree t;
	struct path_dircache dc;
	path_dircache_init(&dc);
	int r = elf_tree_load(&t, treefd);
	t.known = known;
	t.known_ctx = ctx;
	for (size_t i = 0; r == 0 && i < paths->n; i++) {
		const char *p = paths->v[i];
		if (p[0] != '/' || !p[1])
			continue;
		const struct elf_file *f = known ? known(ctx, p) : NULL;
		struct elf_file own = {.r = 1};
		if (!f) {
			/* a generation's own tree, which nothing else writes:
			 * opened in its directory (paths come sorted), no check
			 * for a file replaced in between */
			struct stat st;
			_cleanup_close_ int fd =
			    path_openat_in_root(&dc, treefd, p, O_RDONLY | O_NONBLOCK);
			if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
				continue;
			own.r = elf_info_read(fd, &own.info);
			f = &own;
		}
		rep->files++;
		if (f->r == 0) { /* else not dynamic ELF, or damaged: nothing ld.so would load */
			rep->elf_files++;
			r = check_one(&t, p, &f->info, rep);
		}
		elf_file_release(&own);
	}
	elf_tree_release(&t);
	path_dircache_release(&dc);
	return r;
}

/* ---- the elfdeps file ------------------------------------------------------------ */

int elfscan_write(int genfd, const struct elf_report *rep, const struct strv *added,
		  const struct strv *recheck)
{
	int fd = openat(genfd, ELFDEPS_FILE, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
			0644);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		int e = -errno;
		if (fd >= 0)
			close(fd);
		return e;
	}
	fprintf(f, "%s\nchecked %llu %llu\n", ELFDEPS_MAGIC, (unsigned long long)rep->files,
		(unsigned long long)rep->elf_files);
	for (size_t i = 0; added && i < added->n; i++) {
		fputs("added\t", f);
		tsv_put(f, added->v[i]);
		fputc('\n', f);
	}
	/* the closure's objects with a dependency not taken: what a no-op
	 * update looks at again ("closure" says the list is complete) */
	fputs("closure\n", f);
	for (size_t i = 0; recheck && i < recheck->n; i++) {
		fputs("recheck\t", f);
		tsv_put(f, recheck->v[i]);
		fputc('\n', f);
	}
	for (size_t i = 0; i < rep->n; i++) {
		fprintf(f, "missing\t%d\t", rep->v[i].elfclass == ELFCLASS64 ? 64 : 32);
		tsv_put(f, rep->v[i].program);
		fputc('\t', f);
		tsv_put(f, rep->v[i].lib);
		fputc('\n', f);
	}
	/* no fsync: the generation being built is made durable whole (one
	 * syncfs) before it is published */
	int r = fflush(f) != 0 ? -errno : 0;
	return fclose(f) != 0 && r == 0 ? -errno : r;
}

struct elfdeps_lists {
	struct strv *added, *recheck;
	bool closure; /* a "closure" line: recheck is complete */
};

/* files of older unicage held control bytes raw (lib/tsv.h) */
#define ELFDEPS_TSV TSV_RAW_CTRL

static int read_line(struct elf_report *rep, struct elfdeps_lists *l, char *line)
{
	unsigned long long a, b;
	if (strcmp(line, "closure") == 0) {
		l->closure = true;
		return 0;
	}
	if (strncmp(line, "recheck\t", 8) == 0) {
		if (tsv_unescape(line + 8, ELFDEPS_TSV) < 0)
			return -EINVAL;
		return l->recheck ? strv_push(l->recheck, line + 8) : 0;
	}
	if (sscanf(line, "checked %llu %llu", &a, &b) == 2) {
		rep->files = a;
		rep->elf_files = b;
		return 0;
	}
	if (strncmp(line, "added\t", 6) == 0) {
		if (tsv_unescape(line + 6, ELFDEPS_TSV) < 0)
			return -EINVAL;
		return l->added ? strv_push(l->added, line + 6) : 0;
	}
	char *f1 = strchr(line, '\t'), *f2 = f1 ? strchr(f1 + 1, '\t') : NULL;
	char *f3 = f2 ? strchr(f2 + 1, '\t') : NULL;
	if (strncmp(line, "missing\t", 8) != 0 || !f3)
		return -EINVAL;
	*f2 = *f3 = '\0';
	if (tsv_unescape(f2 + 1, ELFDEPS_TSV) < 0 || tsv_unescape(f3 + 1, ELFDEPS_TSV) < 0)
		return -EINVAL;
	return missing_add(rep, f2 + 1, f3 + 1, atoi(f1 + 1) == 64 ? ELFCLASS64 : ELFCLASS32);
}

static int read_file(int genfd, struct elf_report *rep, struct elfdeps_lists *l)
{
	memset(rep, 0, sizeof(*rep));
	int fd = openat(genfd, ELFDEPS_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (!f) {
		int e = -errno;
		if (fd >= 0)
			close(fd);
		return e;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int r = 0, lineno = 0;
	while (r == 0 && (n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		if (lineno++ == 0)
			r = strcmp(line, ELFDEPS_MAGIC) == 0 ? 0 : -EINVAL;
		else
			r = read_line(rep, l, line);
	}
	if (r == 0 && lineno == 0)
		r = -EINVAL;
	free(line);
	fclose(f);
	if (r < 0)
		elf_report_release(rep);
	return r;
}

int elfscan_read(int genfd, struct elf_report *rep, struct strv *added)
{
	struct elfdeps_lists l = {.added = added};
	return read_file(genfd, rep, &l);
}

/* ---- a new generation ------------------------------------------------------------ */

/* One warning per missing library, naming who needs it. */
static void warn_missing(const struct elf_report *rep)
{
	struct strset seen = {0};
	for (size_t i = 0; i < rep->n; i++) {
		if (strset_add(&seen, rep->v[i].lib) != 1)
			continue;
		size_t users = 0;
		for (size_t k = i; k < rep->n; k++)
			users += strcmp(rep->v[k].lib, rep->v[i].lib) == 0;
		uc_log(UC_LOG_WARN,
		       "%s is needed by %s%s and not in the generation (unicage check names the "
		       "package)",
		       rep->v[i].lib, rep->v[i].program, users > 1 ? " and other files" : "");
	}
	strset_release(&seen);
}

int elfscan_generation(int treefd, int genfd, const struct skel_index *next,
		       const struct elfscan_known *k, const struct strv *added,
		       const struct strv *recheck, struct skel_stats *st, struct uc_error *err)
{
	struct strv paths = STRV_INIT;
	struct elf_report rep = {0};
	int r = 0;
	for (size_t i = 0; r == 0 && i < next->n; i++) {
		const struct idx_ent *e = &next->v[i];
		if ((e->cls == 's' || e->cls == 'c') && S_ISREG(e->mode))
			r = strv_push(&paths, e->path);
	}
	if (r == 0)
		r = elfscan_paths(treefd, &paths, k ? k->fn : NULL, k ? k->ctx : NULL, &rep);
	strv_clear(&paths);
	if (r == 0)
		r = elfscan_write(genfd, &rep, added, recheck);
	if (r == 0) {
		warn_missing(&rep);
		st->elf_checked = rep.elf_files;
		st->elf_missing = rep.n;
		st->elf_added = added ? added->n : 0;
	}
	elf_report_release(&rep);
	return r < 0 ? uc_fail_errno(err, r, "ELF dependencies of the new generation") : 0;
}

/* ---- the wanted set ------------------------------------------------------------- */

struct closure {
	int rootfd;
	const struct strv *black;
	elfscan_add_fn add;
	void *ctx;
	struct strv *added;
	struct strv *recheck; /* objects with a dependency not found or black-listed */
	bool again;	      /* elfscan_recheck: follow nothing further */
	struct elf_tree t;
	struct strset done; /* real paths whose dependencies were followed */
	struct strv queue;
	int elfclass;	  /* of the first program followed (0: none was ELF) */
	unsigned machine; /* its e_machine: NSS modules must match */
};

/* path (a library, the interpreter or a link to them) into the set;
 * *held: black.list kept it out. */
static int take(struct closure *c, const char *path, const char *who, bool *held)
{
	if (wanted_blacklisted(c->black, path)) {
		*held = true;
		return 0;
	}
	int r = c->add(c->ctx, path);
	if (r == 1) {
		uc_log(UC_LOG_INFO, "elfdeps: %s added (needed by %s)", path, who);
		r = strv_push(c->added, path);
	}
	return r < 0 ? r : 0;
}

/* What was found for who: its links and real path, taken; the real path
 * queued to have its own dependencies followed. */
static int found(struct closure *c, const char *real, const struct strv *links, const char *who,
		 bool *held)
{
	if (wanted_blacklisted(c->black, real)) {
		*held = true; /* left out: `update` and check report it missing */
		return 0;
	}
	int r = 0;
	for (size_t i = 0; r == 0 && i < links->n; i++)
		r = take(c, links->v[i], who, held);
	if (r == 0)
		r = take(c, real, who, held);
	if (r == 0 && !c->again && strset_add(&c->done, real) == 1)
		r = strv_push(&c->queue, real);
	return r;
}

static int follow(struct closure *c, const char *path)
{
	char real[PATH_MAX], dep[PATH_MAX];
	/* usually a real path already (opened through no link): no resolving */
	_cleanup_close_ int fd = tree_open_file(c->rootfd, path);
	snprintf(real, sizeof(real), "%s", path);
	if (fd < 0 && tree_resolve(c->rootfd, path, real, sizeof(real), NULL) == 0)
		fd = tree_open_file(c->rootfd, real);
	struct elf_info info;
	if (fd < 0 || elf_info_read(fd, &info) != 0)
		return 0;
	if (!c->elfclass) {
		c->elfclass = info.elfclass;
		c->machine = info.machine;
	}
	int r = 0;
	bool held = false; /* a dependency not found, or black-listed */
	struct strv links = STRV_INIT;
	if (info.interp) {
		if (elf_find_interp(&c->t, &info, dep, sizeof(dep), &links) == 0)
			r = found(c, dep, &links, path, &held);
		else
			held = true;
	}
	for (size_t i = 0; r == 0 && i < info.needed.n; i++) {
		strv_clear(&links);
		if (elf_find_lib(&c->t, real, &info, info.needed.v[i], dep, sizeof(dep), &links) ==
		    0)
			r = found(c, dep, &links, path, &held);
		else
			held = true;
	}
	strv_clear(&links);
	elf_info_release(&info);
	if (r == 0 && held && c->recheck)
		r = strv_push(c->recheck, path);
	return r;
}

/* The NSS modules of the sysroot's nsswitch.conf (skel/nss.h), found as
 * libc's dlopen finds them (no RPATH: cache, ld.so.conf, defaults), for the
 * class of the programs; one the sysroot lacks (sss on a minimal image) is
 * no error: glibc skips a module it cannot load. */
static int take_nss(struct closure *c)
{
	struct strv sonames = STRV_INIT, links = STRV_INIT;
	struct elf_info libc = {.elfclass = c->elfclass, .machine = c->machine};
	char dep[PATH_MAX];
	bool held = false;
	int r = c->elfclass ? nss_modules(c->rootfd, &sonames) : 0;
	for (size_t i = 0; r == 0 && i < sonames.n; i++) {
		strv_clear(&links);
		if (elf_find_lib(&c->t, "/etc/nsswitch.conf", &libc, sonames.v[i], dep, sizeof(dep),
				 &links) == 0) {
			r = found(c, dep, &links, "/etc/nsswitch.conf", &held);
		} else {
			held = true;
			if (!c->again)
				uc_log(UC_LOG_INFO,
				       "elfdeps: nsswitch.conf names %s, not in the sysroot",
				       sonames.v[i]);
		}
	}
	strv_clear(&links);
	strv_clear(&sonames);
	/* looked at again by a no-op update, for this class and machine */
	char mark[64];
	snprintf(mark, sizeof(mark), "%s%d:%u", NSS_MARK, c->elfclass, c->machine);
	if (r == 0 && held && c->recheck)
		r = strv_push(c->recheck, mark);
	return r;
}

/* A recheck entry: an object's path, or NSS_MARK with a class and machine. */
static int recheck_one(struct closure *c, const char *what)
{
	int cls;
	unsigned machine;
	if (strncmp(what, NSS_MARK, strlen(NSS_MARK)) != 0)
		return follow(c, what);
	if (sscanf(what + strlen(NSS_MARK), "%d:%u", &cls, &machine) != 2)
		return 0;
	c->elfclass = cls;
	c->machine = machine;
	return take_nss(c);
}

int elfscan_wanted(int rootfd, const struct strv *programs, const struct strv *black,
		   elfscan_add_fn add, void *ctx, struct strv *added, struct strv *recheck)
{
	struct closure c = {.rootfd = rootfd,
			    .black = black,
			    .add = add,
			    .ctx = ctx,
			    .added = added,
			    .recheck = recheck};
	int r = elf_tree_load(&c.t, rootfd);
	for (size_t i = 0; r == 0 && i < programs->n; i++)
		r = follow(&c, programs->v[i]);
	if (r == 0)
		r = take_nss(&c);
	for (size_t i = 0; r == 0 && i < c.queue.n; i++) /* grows while walked */
		r = follow(&c, c.queue.v[i]);
	elf_tree_release(&c.t);
	strset_release(&c.done);
	strv_clear(&c.queue);
	return r;
}

int elfscan_recheck(int rootfd, const struct strv *objects, const struct strv *black,
		    elfscan_add_fn add, void *ctx, struct strv *added, struct strv *probes)
{
	struct closure c = {.rootfd = rootfd,
			    .black = black,
			    .add = add,
			    .ctx = ctx,
			    .added = added,
			    .again = true};
	static const char *const read_first[] = {"/etc/ld.so.conf", "/etc/ld.so.cache",
						 "/etc/nsswitch.conf"};
	int r = 0;
	for (size_t i = 0; probes && objects->n && r == 0 && i < UC_ARRAY_SIZE(read_first); i++)
		r = noop_res_line(rootfd, read_first[i], probes);
	if (r == 0 && objects->n)
		r = elf_tree_load(&c.t, rootfd);
	c.t.probes = probes;
	for (size_t i = 0; r == 0 && i < objects->n; i++)
		r = recheck_one(&c, objects->v[i]);
	if (objects->n)
		elf_tree_release(&c.t);
	return r;
}

int elfscan_read_added(int genfd, struct strv *added, struct strv *recheck)
{
	struct elf_report rep;
	struct elfdeps_lists l = {.added = added, .recheck = recheck};
	if (read_file(genfd, &rep, &l) < 0) {
		strv_clear(added);
		strv_clear(recheck);
		return 0;
	}
	int r = rep.n > 0 && !l.closure;
	elf_report_release(&rep);
	return r;
}
