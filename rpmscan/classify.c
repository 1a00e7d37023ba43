/* The class rule (documented in doc/rpmscan.md):
 *   ghost   %ghost files: rpm never installed their content;
 *   skip    state other than normal (replaced, not installed, net shared,
 *           wrong color), and with --verify a file missing on disk;
 *   config  %config files, files below a local path of the path policy
 *           (real packages put plain files in /etc and %config files under
 *           /usr, so neither flag nor path alone is enough), and with
 *           --verify files that no longer match their header (a locally
 *           changed binary must never be shared into every cage);
 *   shared  everything else. */
#include "rpmscan/rpmscan.h"

#include "lib/cleanup.h"
#include "lib/path.h"

#include <rpm/rpmfiles.h>
#include <rpm/rpmpgp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

bool rs_path_is_local(const char *path, const struct strv *local_paths)
{
	for (size_t i = 0; local_paths && i < local_paths->n; i++)
		if (path_has_prefix(path, local_paths->v[i]))
			return true;
	return false;
}

enum rs_class rs_classify(const struct rs_file *f, const struct strv *local_paths)
{
	if (f->flags & RS_F_GHOST)
		return RS_C_GHOST;
	if (f->state != RS_S_NORMAL)
		return RS_C_SKIP;
	if (f->verify.checked && (f->verify.bits & RS_V_MISSING))
		return RS_C_SKIP;
	if (f->flags & RS_F_CONFIG)
		return RS_C_CONFIG;
	if (rs_path_is_local(f->path, local_paths))
		return RS_C_CONFIG;
	/* An mtime that differs alone says nothing about the content. */
	if (f->verify.checked && (f->verify.bits & ~RS_V_MTIME))
		return RS_C_CONFIG;
	return RS_C_SHARED;
}

const char *rs_ftype_name(enum rs_ftype t)
{
	static const char *const names[] = {"file",  "dir",  "symlink", "char",
					    "block", "fifo", "socket",	"unknown"};
	return t <= RS_T_UNKNOWN ? names[t] : "unknown";
}

const char *rs_state_name(enum rs_state s)
{
	static const char *const names[] = {"normal",	 "replaced",   "notinstalled",
					    "netshared", "wrongcolor", "unknown"};
	return s <= RS_S_UNKNOWN ? names[s] : "unknown";
}

const char *rs_class_name(enum rs_class c)
{
	static const char *const names[] = {"shared", "config", "ghost", "skip"};
	return c <= RS_C_SKIP ? names[c] : "skip";
}

const char *rs_digest_algo_name(int algo)
{
	switch (algo) {
	case PGPHASHALGO_MD5:
		return "md5";
	case PGPHASHALGO_SHA1:
		return "sha1";
	case PGPHASHALGO_SHA224:
		return "sha224";
	case PGPHASHALGO_SHA256:
		return "sha256";
	case PGPHASHALGO_SHA384:
		return "sha384";
	case PGPHASHALGO_SHA512:
		return "sha512";
	default:
		return "unknown";
	}
}

enum rs_ftype rs_ftype_from_mode(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return RS_T_FILE;
	case S_IFDIR:
		return RS_T_DIR;
	case S_IFLNK:
		return RS_T_SYMLINK;
	case S_IFCHR:
		return RS_T_CHAR;
	case S_IFBLK:
		return RS_T_BLOCK;
	case S_IFIFO:
		return RS_T_FIFO;
	case S_IFSOCK:
		return RS_T_SOCKET;
	default:
		return RS_T_UNKNOWN;
	}
}

enum rs_state rs_state_from_rpm(int rpmstate)
{
	switch (rpmstate) {
	case RPMFILE_STATE_NORMAL:
		return RS_S_NORMAL;
	case RPMFILE_STATE_REPLACED:
		return RS_S_REPLACED;
	case RPMFILE_STATE_NOTINSTALLED:
		return RS_S_NOTINSTALLED;
	case RPMFILE_STATE_NETSHARED:
		return RS_S_NETSHARED;
	case RPMFILE_STATE_WRONGCOLOR:
		return RS_S_WRONGCOLOR;
	default:
		return RS_S_UNKNOWN;
	}
}

static const struct {
	uint32_t rpm, ours;
	const char *name;
} flag_map[] = {
    {RPMFILE_CONFIG, RS_F_CONFIG, "config"},
    {RPMFILE_NOREPLACE, RS_F_NOREPLACE, "noreplace"},
    {RPMFILE_MISSINGOK, RS_F_MISSINGOK, "missingok"},
    {RPMFILE_GHOST, RS_F_GHOST, "ghost"},
    {RPMFILE_DOC, RS_F_DOC, "doc"},
    {RPMFILE_LICENSE, RS_F_LICENSE, "license"},
    {RPMFILE_ARTIFACT, RS_F_ARTIFACT, "artifact"},
    {RPMFILE_README, RS_F_README, "readme"},
    {RPMFILE_SPECFILE, RS_F_SPECFILE, "specfile"},
};

uint32_t rs_flags_from_rpm(uint32_t rpmflags)
{
	uint32_t f = 0;
	for (size_t i = 0; i < UC_ARRAY_SIZE(flag_map); i++)
		if (rpmflags & flag_map[i].rpm)
			f |= flag_map[i].ours;
	return f;
}

void rs_flags_format(uint32_t flags, char *buf, size_t size)
{
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < UC_ARRAY_SIZE(flag_map); i++) {
		if (!(flags & flag_map[i].ours))
			continue;
		int n = snprintf(buf + len, size - len, "%s%s", len ? "," : "", flag_map[i].name);
		if (n < 0 || (size_t)n >= size - len)
			return;
		len += (size_t)n;
	}
}

void rs_verify_format(const struct rs_verify *v, char *buf, size_t size)
{
	static const struct {
		unsigned bit;
		char c;
	} order[] = {{RS_V_SIZE, 'S'},	{RS_V_MODE, 'M'},  {RS_V_DIGEST, '5'},
		     {RS_V_RDEV, 'D'},	{RS_V_LINK, 'L'},  {RS_V_USER, 'U'},
		     {RS_V_GROUP, 'G'}, {RS_V_MTIME, 'T'}, {RS_V_CAPS, 'P'}};
	if (!v->checked) {
		snprintf(buf, size, "%s", "");
		return;
	}
	if (v->bits & RS_V_MISSING) {
		snprintf(buf, size, "missing");
		return;
	}
	char s[10];
	for (size_t i = 0; i < 9; i++) {
		s[i] = (v->bits & order[i].bit) ? order[i].c : '.';
		if (order[i].bit == RS_V_DIGEST && (v->bits & RS_V_READFAIL))
			s[i] = '?';
		if (order[i].bit == RS_V_LINK && (v->bits & RS_V_READLINKFAIL))
			s[i] = '?';
	}
	s[9] = '\0';
	snprintf(buf, size, "%s", s);
}
