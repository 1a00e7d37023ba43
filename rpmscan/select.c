/* Choosing packages: by name or label, and the transitive closure of what they
 * require, resolved through the rpmdb's own provides and file lists. */
#include "rpmscan/internal.h"

#include "lib/cleanup.h"
#include "lib/array.h"
#include "lib/log.h"
#include "lib/path.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include <errno.h>
#include <rpm/rpmdb.h>
#include <rpm/rpmds.h>
#include <rpm/rpmfiles.h>
#include <rpm/rpmlib.h>
#include <stdlib.h>
#include <string.h>

int rs_pkgset_add(struct rs_pkgset *set, Header h)
{
	unsigned inst = headerGetInstance(h);
	for (size_t i = 0; inst && i < set->n; i++)
		if (headerGetInstance(set->h[i]) == inst)
			return 0;
	if (UC_GROW(&set->h, &set->cap, set->n + 1) < 0)
		return -ENOMEM;
	set->h[set->n++] = headerLink(h);
	return 1;
}

void rs_pkgset_release(struct rs_pkgset *set)
{
	for (size_t i = 0; i < set->n; i++)
		headerFree(set->h[i]);
	free(set->h);
	memset(set, 0, sizeof(*set));
}

/* Does spec name this header? Same forms as RPMDBI_LABEL: N, N-V, N-V-R,
 * N-V-R.A, N-E:V-R, N-E:V-R.A. Used where the database has no indexes. */
static bool label_matches(Header h, const char *spec)
{
	static const rpmTagVal forms[] = {RPMTAG_NAME, RPMTAG_NVR, RPMTAG_NVRA, RPMTAG_NEVR,
					  RPMTAG_NEVRA};
	for (size_t i = 0; i < UC_ARRAY_SIZE(forms); i++) {
		_cleanup_free_ char *s = headerGetAsString(h, forms[i]);
		if (s && strcmp(s, spec) == 0)
			return true;
	}
	_cleanup_free_ char *n = headerGetAsString(h, RPMTAG_NAME);
	_cleanup_free_ char *v = headerGetAsString(h, RPMTAG_VERSION);
	if (!n || !v)
		return false;
	size_t ln = strlen(n), lv = strlen(v);
	return strncmp(spec, n, ln) == 0 && spec[ln] == '-' && strcmp(spec + ln + 1, v) == 0 &&
	       lv > 0;
}

static int add_iter(struct rs_pkgset *set, rpmdbMatchIterator mi, size_t *found)
{
	Header h;
	int r = 0;
	while (r >= 0 && (h = rpmdbNextIterator(mi))) {
		r = rs_pkgset_add(set, h);
		(*found)++;
	}
	rpmdbFreeIterator(mi);
	return r < 0 ? r : 0;
}

static int select_label(struct rs_db *db, const char *spec, struct rs_pkgset *out, size_t *found)
{
	if (db->indexed) {
		rpmdbMatchIterator mi = rpmtsInitIterator(db->ts, RPMDBI_LABEL, spec, 0);
		return mi ? add_iter(out, mi, found) : 0;
	}
	rpmdbMatchIterator mi = rpmtsInitIterator(db->ts, RPMDBI_PACKAGES, NULL, 0);
	Header h;
	int r = 0;
	while (r >= 0 && mi && (h = rpmdbNextIterator(mi))) {
		if (!label_matches(h, spec))
			continue;
		r = rs_pkgset_add(out, h);
		(*found)++;
	}
	rpmdbFreeIterator(mi);
	return r < 0 ? r : 0;
}

static int add_providers(struct rs_db *db, rpmds dep, struct rs_pkgset *set, size_t *found);

/* A path below a symlinked directory of the sysroot (/bin/bash on merged
 * /usr) by its real path inside the sysroot, as `rpm -qf` canonicalises the
 * directory; the file itself is not followed. 0, or -errno. */
static int real_path_in_root(const struct rs_db *db, const char *path, char *out, size_t size)
{
	if (db->rootfd < 0 || path[0] != '/')
		return -EINVAL;
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX], proc[64], real[PATH_MAX];
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	_cleanup_close_ int fd =
	    path_open_in_root(db->rootfd, dir[0] ? dir : "/", O_PATH | O_DIRECTORY, 0);
	if (fd < 0)
		return fd;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(proc, real, sizeof(real) - 1);
	if (n < 0)
		return -errno;
	real[n] = '\0';
	size_t skip = strcmp(db->sysroot, "/") == 0 ? 0 : strlen(db->sysroot);
	if (strncmp(real, db->sysroot, skip) != 0)
		return -EXDEV;
	const char *in = real + skip;
	snprintf(out, size, "%s%s", strcmp(in, "/") == 0 ? "" : in, slash);
	return strcmp(out, path) == 0 ? -ENOENT : 0;
}

/* As dnf takes an installed package: by name or label; else by what
 * provides it (a virtual provide: coreutils -> coreutils-single; a file
 * path: /usr/bin/bash -> bash, also through symlinked directories). */
static int select_one(struct rs_db *db, const char *spec, struct rs_pkgset *out, size_t *found,
		      bool *by_provide)
{
	*found = 0;
	*by_provide = false;
	int r = select_label(db, spec, out, found);
	if (r < 0 || *found)
		return r;
	*by_provide = true;
	rpmds ds = rpmdsSingle(RPMTAG_REQUIRENAME, spec, NULL, 0);
	r = ds ? add_providers(db, ds, out, found) : -ENOMEM;
	rpmdsFree(ds);
	char real[PATH_MAX];
	if (r == 0 && *found == 0 && real_path_in_root(db, spec, real, sizeof(real)) == 0) {
		ds = rpmdsSingle(RPMTAG_REQUIRENAME, real, NULL, 0);
		r = ds ? add_providers(db, ds, out, found) : -ENOMEM;
		rpmdsFree(ds);
	}
	return r;
}

/* "SPEC\tNAME" into via for each package a spec took by what it provides. */
static int note_via(struct strv *via, const char *spec, const struct rs_pkgset *set, size_t from)
{
	for (size_t i = from; via && i < set->n; i++) {
		_cleanup_free_ char *name = headerGetAsString(set->h[i], RPMTAG_NAME);
		char line[PATH_MAX + 256];
		snprintf(line, sizeof(line), "%s\t%s", spec, name ? name : "?");
		if (strv_push(via, line) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* What one spec takes, merged into out; via noted for what it provides. */
static int select_into(struct rs_db *db, const char *spec, struct rs_pkgset *out, struct strv *via,
		       size_t *found)
{
	struct rs_pkgset one = {0};
	bool by_provide;
	int r = select_one(db, spec, &one, found, &by_provide);
	if (r == 0 && by_provide)
		r = note_via(via, spec, &one, 0);
	for (size_t i = 0; r == 0 && i < one.n; i++)
		r = rs_pkgset_add(out, one.h[i]) < 0 ? -ENOMEM : 0;
	rs_pkgset_release(&one);
	return r;
}

int rs_select(struct rs_db *db, const struct strv *specs, struct rs_pkgset *out, struct strv *via,
	      struct uc_error *err)
{
	for (size_t i = 0; i < specs->n; i++) {
		size_t found;
		rs_rpm_clear_error();
		int r = select_into(db, specs->v[i], out, via, &found);
		if (r < 0)
			return uc_fail_errno(err, r, "package %s", specs->v[i]);
		if ((r = rs_db_check(db, err)) < 0)
			return r;
		if (found == 0)
			return uc_fail(err, UC_NOTFOUND,
				       "package %s is not installed, and no installed package "
				       "provides it (rpmdb %s)",
				       specs->v[i], db->dir);
	}
	return 0;
}

/* Every installed package providing dep: by provide name and, for a path, by
 * installed file name. Without indexes, by looking at every header. */
static int add_providers(struct rs_db *db, rpmds dep, struct rs_pkgset *set, size_t *found)
{
	const char *name = rpmdsN(dep);
	int r = 0;
	if (!db->indexed) {
		rpmdbMatchIterator mi = rpmtsInitIterator(db->ts, RPMDBI_PACKAGES, NULL, 0);
		Header h;
		while (r >= 0 && mi && (h = rpmdbNextIterator(mi))) {
			bool match = rpmdsAnyMatchesDep(h, dep, 1);
			if (!match && name[0] == '/') {
				rpmfiles fs = rpmfilesNew(NULL, h, RPMTAG_BASENAMES, 0);
				match = fs && rpmfilesFindFN(fs, name) >= 0;
				rpmfilesFree(fs);
			}
			if (match) {
				(*found)++;
				r = rs_pkgset_add(set, h);
			}
		}
		rpmdbFreeIterator(mi);
		return r < 0 ? r : 0;
	}
	rpmdbMatchIterator mi = rpmtsInitIterator(db->ts, RPMDBI_PROVIDENAME, name, 0);
	Header h;
	while (r >= 0 && mi && (h = rpmdbNextIterator(mi))) {
		if (rpmdsAnyMatchesDep(h, dep, 1)) {
			(*found)++;
			r = rs_pkgset_add(set, h);
		}
	}
	rpmdbFreeIterator(mi);
	if (r >= 0 && name[0] == '/') {
		mi = rpmtsInitIterator(db->ts, RPMDBI_INSTFILENAMES, name, 0);
		if (mi)
			r = add_iter(set, mi, found);
	}
	return r < 0 ? r : 0;
}

/* A rich dependency ("(a or b)", "(c if d)") is taken atom by atom: every
 * installed provider of every package it names. That may take a package an
 * "if" would have left out; it never leaves out one the rich dep needs. */
struct rich_ctx {
	struct rs_db *db;
	struct rs_pkgset *set;
	int r;
	size_t found;
};

static rpmRC rich_atom(void *data, rpmrichParseType type, const char *n, int nl, const char *e,
		       int el, rpmsenseFlags sense, rpmrichOp op, char **emsg)
{
	struct rich_ctx *c = data;
	if (type != RPMRICH_PARSE_SIMPLE || c->r < 0)
		return RPMRC_OK;
	_cleanup_free_ char *name = strndup(n, (size_t)nl);
	if (!name || strncmp(name, "rpmlib(", 7) == 0)
		return RPMRC_OK;
	rpmds ds = rpmdsSingle(RPMTAG_REQUIRENAME, name, NULL, 0);
	c->r = add_providers(c->db, ds, c->set, &c->found);
	rpmdsFree(ds);
	return RPMRC_OK;
}

static int add_dep(struct rs_db *db, rpmds ds, struct rs_pkgset *set, const char *pkg)
{
	const char *name = rpmdsN(ds);
	size_t found = 0;
	int r;
	if ((rpmdsFlags(ds) & RPMSENSE_RPMLIB) || strncmp(name, "rpmlib(", 7) == 0)
		return 0;
	if (rpmdsIsRich(ds)) {
		struct rich_ctx c = {db, set, 0, 0};
		const char *s = name;
		_cleanup_free_ char *emsg = NULL;
		rpmrichParse(&s, &emsg, rich_atom, &c);
		r = c.r;
		found = c.found;
	} else {
		r = add_providers(db, ds, set, &found);
	}
	if (r == 0 && found == 0)
		uc_log(UC_LOG_INFO, "%s requires %s: nothing installed provides it", pkg,
		       rpmdsDNEVR(ds) + 2);
	return r;
}

int rs_add_requires(struct rs_db *db, struct rs_pkgset *set, struct uc_error *err)
{
	/* The set grows while it is walked: a breadth-first closure. */
	rs_rpm_clear_error();
	for (size_t i = 0; i < set->n; i++) {
		Header h = set->h[i];
		_cleanup_free_ char *nevra = headerGetAsString(h, RPMTAG_NEVRA);
		rpmds ds = rpmdsNew(h, RPMTAG_REQUIRENAME, 0);
		int r = 0;
		while (r == 0 && rpmdsNext(ds) >= 0)
			r = add_dep(db, ds, set, nevra ? nevra : "?");
		rpmdsFree(ds);
		if (r < 0)
			return uc_fail_errno(err, r, "requirements of %s", nevra ? nevra : "?");
	}
	return rs_db_check(db, err);
}

int rs_whatprovides(struct rs_db *db, const struct strv *caps, struct strv *out,
		    struct uc_error *err)
{
	rs_rpm_clear_error();
	for (size_t i = 0; i < caps->n; i++) {
		struct rs_pkgset set = {0};
		size_t found = 0;
		rpmds ds = rpmdsSingle(RPMTAG_REQUIRENAME, caps->v[i], NULL, 0);
		int r = ds ? add_providers(db, ds, &set, &found) : -ENOMEM;
		rpmdsFree(ds);
		char names[1024] = "";
		for (size_t k = 0; r == 0 && k < set.n; k++) {
			_cleanup_free_ char *n = headerGetAsString(set.h[k], RPMTAG_NAME);
			size_t len = strlen(names);
			snprintf(names + len, sizeof(names) - len, "%s%s", len ? " " : "",
				 n ? n : "?");
		}
		rs_pkgset_release(&set);
		if (r == 0 && strv_push(out, names) < 0)
			r = -ENOMEM;
		if (r < 0)
			return uc_fail_errno(err, r, "what provides %s", caps->v[i]);
	}
	return rs_db_check(db, err);
}
