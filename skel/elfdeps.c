/* ELF dependencies inside one tree (skel/elfdeps.h): libelf for the headers,
 * a chroot-style resolver for paths, ld.so's search order for libraries. */
#include "skel/elfdeps.h"
#include "skel/noop.h"

#include "lib/cleanup.h"
#include "lib/path.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_LINKS 40

/* ---- reading an ELF object ------------------------------------------------ */

static void elf_end_p(Elf **e)
{
	if (*e)
		elf_end(*e);
}

struct loads {
	GElf_Phdr v[64];
	size_t n;
};

/* The file offset of a virtual address, through the PT_LOAD segments. */
static bool vaddr_to_off(const struct loads *l, uint64_t vaddr, uint64_t *off)
{
	for (size_t i = 0; i < l->n; i++)
		if (vaddr >= l->v[i].p_vaddr && vaddr < l->v[i].p_vaddr + l->v[i].p_filesz) {
			*off = vaddr - l->v[i].p_vaddr + l->v[i].p_offset;
			return true;
		}
	return false;
}

/* A string of the dynamic string table, or NULL if out of bounds. */
static const char *dynstr(Elf_Data *strtab, uint64_t off)
{
	if (!strtab || off >= strtab->d_size)
		return NULL;
	const char *s = (const char *)strtab->d_buf + off;
	return memchr(s, '\0', strtab->d_size - off) ? s : NULL;
}

static int push_split(struct strv *sv, const char *s)
{
	return strv_split(sv, s, ":");
}

/* DT_NEEDED, DT_RPATH, DT_RUNPATH of the PT_DYNAMIC segment. */
static int read_dynamic(Elf *e, const GElf_Phdr *dynph, const struct loads *l,
			struct elf_info *info)
{
	Elf_Data *d = elf_getdata_rawchunk(e, (int64_t)dynph->p_offset, dynph->p_filesz, ELF_T_DYN);
	size_t esz = gelf_fsize(e, ELF_T_DYN, 1, EV_CURRENT);
	if (!d || !esz)
		return -EINVAL;
	size_t n = d->d_size / esz;
	uint64_t strtab = 0, strsz = 0;
	bool have_strtab = false;
	GElf_Dyn dyn;
	for (size_t i = 0; i < n && gelf_getdyn(d, (int)i, &dyn) && dyn.d_tag != DT_NULL; i++) {
		if (dyn.d_tag == DT_STRTAB)
			strtab = dyn.d_un.d_ptr, have_strtab = true;
		else if (dyn.d_tag == DT_STRSZ)
			strsz = dyn.d_un.d_val;
	}
	uint64_t off;
	if (!have_strtab || !vaddr_to_off(l, strtab, &off))
		return 0; /* no strings: nothing it could need */
	Elf_Data *st = elf_getdata_rawchunk(e, (int64_t)off, strsz, ELF_T_BYTE);
	int r = 0;
	for (size_t i = 0; r == 0 && i < n && gelf_getdyn(d, (int)i, &dyn) && dyn.d_tag != DT_NULL;
	     i++) {
		if (dyn.d_tag != DT_NEEDED && dyn.d_tag != DT_RPATH && dyn.d_tag != DT_RUNPATH)
			continue;
		const char *s = dynstr(st, dyn.d_un.d_val);
		if (!s)
			return -EINVAL;
		if (dyn.d_tag == DT_NEEDED)
			r = strv_push(&info->needed, s);
		else
			r = push_split(dyn.d_tag == DT_RPATH ? &info->rpath : &info->runpath, s);
	}
	return r;
}

static int read_interp(Elf *e, const GElf_Phdr *ph, struct elf_info *info)
{
	Elf_Data *d = elf_getdata_rawchunk(e, (int64_t)ph->p_offset, ph->p_filesz, ELF_T_BYTE);
	if (!d || d->d_size == 0)
		return -EINVAL;
	info->interp = strndup(d->d_buf, d->d_size);
	return info->interp ? 0 : -ENOMEM;
}

/* The dynamic part of the ELF object e (elf_info_read's result). */
static int info_from(Elf *e, const GElf_Ehdr *eh, struct elf_info *info)
{
	size_t phnum;
	if (elf_getphdrnum(e, &phnum) || (eh->e_type != ET_EXEC && eh->e_type != ET_DYN))
		return 1;
	info->elfclass = gelf_getclass(e);
	info->machine = eh->e_machine;
	struct loads l = {.n = 0};
	GElf_Phdr ph, dyn = {0}, interp = {0};
	for (size_t i = 0; i < phnum; i++) {
		if (!gelf_getphdr(e, (int)i, &ph))
			return -EINVAL;
		if (ph.p_type == PT_LOAD && l.n < UC_ARRAY_SIZE(l.v))
			l.v[l.n++] = ph;
		else if (ph.p_type == PT_DYNAMIC)
			dyn = ph;
		else if (ph.p_type == PT_INTERP)
			interp = ph;
	}
	if (dyn.p_type != PT_DYNAMIC && interp.p_type != PT_INTERP)
		return 1; /* static: needs nothing */
	int r = interp.p_type == PT_INTERP ? read_interp(e, &interp, info) : 0;
	if (r == 0 && dyn.p_type == PT_DYNAMIC)
		r = read_dynamic(e, &dyn, &l, info);
	return r;
}

/* fd's ELF handle and header, after a look at its magic: NULL if it is no
 * ELF file. */
static Elf *elf_open(int fd, GElf_Ehdr *eh)
{
	unsigned char magic[4];
	if (pread(fd, magic, sizeof(magic), 0) != (ssize_t)sizeof(magic) ||
	    memcmp(magic, ELFMAG, SELFMAG) != 0)
		return NULL;
	elf_version(EV_CURRENT);
	/* read, not mapped: libelf then preads the header, the program
	 * headers and the dynamic segment it is asked for; a mapping of the
	 * whole file cost an mmap, its page faults and a munmap per file, and
	 * in init's threads each munmap a TLB shootdown of the other CPU (~10
	 * ms of a RHEL init on XFS) */
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	if (e && (elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, eh))) {
		elf_end(e);
		e = NULL;
	}
	return e;
}

/* What compatible() asks of an ELF header: its class and machine, for a
 * shared object only. */
static size_t compat_of(Elf *e, const GElf_Ehdr *eh)
{
	return eh->e_type == ET_DYN ? ((size_t)gelf_getclass(e) << 16 | eh->e_machine) + 1 : 0;
}

/* elf_info_read, and compat_of into *compat when asked. */
static int read_elf(int fd, struct elf_info *info, size_t *compat)
{
	memset(info, 0, sizeof(*info));
	GElf_Ehdr eh;
	_cleanup_(elf_end_p) Elf *e = elf_open(fd, &eh);
	int r = e ? info_from(e, &eh, info) : 1;
	if (r != 0)
		elf_info_release(info);
	if (compat)
		*compat = e ? compat_of(e, &eh) : 0;
	return r;
}

int elf_info_read(int fd, struct elf_info *info)
{
	return read_elf(fd, info, NULL);
}

int elf_file_read(int fd, struct elf_file *f)
{
	f->r = read_elf(fd, &f->info, &f->compat);
	return f->r == -ENOMEM ? -ENOMEM : 0;
}

void elf_file_release(struct elf_file *f)
{
	elf_info_release(&f->info);
}

void elf_info_release(struct elf_info *info)
{
	free(info->interp);
	strv_clear(&info->needed);
	strv_clear(&info->rpath);
	strv_clear(&info->runpath);
	memset(info, 0, sizeof(*info));
}

/* ---- paths inside a tree ---------------------------------------------------- */

static int lstat_in(int rootfd, const char *abs, struct stat *st)
{
	if (strcmp(abs, "/") == 0 || abs[0] == '\0')
		return fstat(rootfd, st) < 0 ? -errno : 0;
	_cleanup_close_ int fd = path_open_beneath(rootfd, abs + 1, O_PATH | O_NOFOLLOW, 0);
	if (fd < 0)
		return fd;
	return fstat(fd, st) < 0 ? -errno : 0;
}

static int readlink_in(int rootfd, const char *abs, char *buf, size_t size)
{
	_cleanup_close_ int fd = path_open_beneath(rootfd, abs + 1, O_PATH | O_NOFOLLOW, 0);
	if (fd < 0)
		return fd;
	ssize_t n = readlinkat(fd, "", buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/* cur (a real absolute path, "" for the root) one component further. */
static void cur_up(char *cur)
{
	char *s = strrchr(cur, '/');
	if (s)
		*s = '\0';
}

int tree_resolve(int rootfd, const char *path, char *real, size_t size, struct strv *links)
{
	char cur[PATH_MAX] = "", rest[PATH_MAX], cand[PATH_MAX], target[PATH_MAX];
	if (snprintf(rest, sizeof(rest), "%s", path) >= (int)sizeof(rest))
		return -ENAMETOOLONG;
	int hops = 0;
	char *p = rest;
	while (*p) {
		while (*p == '/')
			p++;
		size_t len = strcspn(p, "/");
		if (len == 0)
			break;
		bool last = p[len] == '\0' || p[len + strspn(p + len, "/")] == '\0';
		if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.')) {
			if (len == 2)
				cur_up(cur);
			p += len;
			continue;
		}
		if (snprintf(cand, sizeof(cand), "%s/%.*s", cur, (int)len, p) >= (int)sizeof(cand))
			return -ENAMETOOLONG;
		p += len;
		struct stat st;
		int r = lstat_in(rootfd, cand, &st);
		if (r < 0)
			return r;
		if (S_ISLNK(st.st_mode)) {
			if (++hops > MAX_LINKS)
				return -ELOOP;
			if ((r = readlink_in(rootfd, cand, target, sizeof(target))) < 0)
				return r;
			if (links && !strv_contains(links, cand) && strv_push(links, cand) < 0)
				return -ENOMEM;
			char next[PATH_MAX];
			if (snprintf(next, sizeof(next), "%s/%s", target, p) >= (int)sizeof(next))
				return -ENAMETOOLONG;
			memcpy(rest, next, sizeof(rest));
			p = rest;
			if (target[0] == '/')
				cur[0] = '\0';
			continue;
		}
		if (!last && !S_ISDIR(st.st_mode))
			return -ENOTDIR;
		memcpy(cur, cand, sizeof(cur));
	}
	if (snprintf(real, size, "%s", cur[0] ? cur : "/") >= (int)size)
		return -ENAMETOOLONG;
	return 0;
}

int tree_open_file(int rootfd, const char *real)
{
	if (real[0] != '/' || !real[1])
		return -EINVAL;
	struct stat st, st2;
	_cleanup_close_ int p = path_open_beneath(rootfd, real + 1, O_PATH | O_NOFOLLOW, 0);
	if (p < 0)
		return p;
	if (fstat(p, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	_cleanup_close_ int fd =
	    path_open_beneath(rootfd, real + 1, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, 0);
	if (fd >= 0 && (fstat(fd, &st2) < 0 || st2.st_ino != st.st_ino || st2.st_dev != st.st_dev))
		return -ESTALE; /* replaced in between */
	return steal_fd(&fd);
}

/* ---- the tree's ld.so.conf and cache ------------------------------------------ */

/* A whole regular file of the tree (at most max bytes) into a new buffer. */
static int read_tree_file(int rootfd, const char *path, size_t max, char **out, size_t *len)
{
	char real[PATH_MAX];
	*out = NULL;
	int r = tree_resolve(rootfd, path, real, sizeof(real), NULL);
	if (r < 0)
		return r;
	_cleanup_close_ int fd = tree_open_file(rootfd, real);
	struct stat st;
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0 || (size_t)st.st_size > max)
		return -EINVAL;
	char *buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	ssize_t n = pread(fd, buf, (size_t)st.st_size, 0);
	if (n < 0) {
		free(buf);
		return -errno;
	}
	buf[n] = '\0';
	*out = buf;
	*len = (size_t)n;
	return 0;
}

static int parse_conf(struct elf_tree *t, const char *path, int depth);

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "include PATTERN": a glob in the last component only (what ld.so.conf.d
 * uses), relative to the including file's directory. */
static int include_glob(struct elf_tree *t, const char *from, const char *pattern, int depth)
{
	char pat[PATH_MAX], dir[PATH_MAX], real[PATH_MAX];
	if (pattern[0] == '/')
		snprintf(pat, sizeof(pat), "%s", pattern);
	else
		snprintf(pat, sizeof(pat), "%.*s/%s", (int)(strrchr(from, '/') - from), from,
			 pattern);
	char *slash = strrchr(pat, '/');
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - pat), pat);
	if (strpbrk(dir, "*?[") ||
	    tree_resolve(t->rootfd, dir[0] ? dir : "/", real, sizeof(real), NULL) < 0)
		return 0;
	_cleanup_close_ int dfd =
	    strcmp(real, "/") == 0
		? dup(t->rootfd)
		: path_open_beneath(t->rootfd, real + 1, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	struct strv names = STRV_INIT;
	if (dfd < 0 || path_dir_names(dfd, &names) < 0)
		return 0;
	if (names.n)
		qsort(names.v, names.n, sizeof(*names.v), cmp_str);
	int r = 0;
	for (size_t i = 0; r == 0 && i < names.n; i++) {
		char file[PATH_MAX];
		if (fnmatch(slash + 1, names.v[i], FNM_PERIOD) != 0)
			continue;
		if (snprintf(file, sizeof(file), "%s/%s", dir, names.v[i]) < (int)sizeof(file))
			r = parse_conf(t, file, depth + 1);
	}
	strv_clear(&names);
	return r;
}

static int conf_line(struct elf_tree *t, const char *from, char *line, int depth)
{
	char *hash = strchr(line, '#');
	if (hash)
		*hash = '\0';
	line = str_trim(line);
	if (!*line || strncmp(line, "hwcap", 5) == 0)
		return 0;
	if (strncmp(line, "include", 7) == 0 && (line[7] == ' ' || line[7] == '\t')) {
		struct strv pats = STRV_INIT;
		int r = strv_split(&pats, line + 8, " \t");
		for (size_t i = 0; r == 0 && i < pats.n; i++)
			r = include_glob(t, from, pats.v[i], depth);
		strv_clear(&pats);
		return r;
	}
	size_t n = strlen(line);
	while (n > 1 && line[n - 1] == '/')
		line[--n] = '\0';
	if (line[0] != '/' || strv_contains(&t->conf_dirs, line))
		return 0;
	return strv_push(&t->conf_dirs, line);
}

static int parse_conf(struct elf_tree *t, const char *path, int depth)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	if (depth > 8 || read_tree_file(t->rootfd, path, 1 << 20, &buf, &len) < 0)
		return 0; /* absent or unreadable: as ld.so, nothing from it */
	int r = 0;
	for (char *save = NULL, *l = strtok_r(buf, "\n", &save); r == 0 && l;
	     l = strtok_r(NULL, "\n", &save))
		r = conf_line(t, path, l, depth);
	return r;
}

/* Lookups by soname: a chain per name, in the cache's order (ld.so's). */
static int index_cache(struct elf_tree *t)
{
	size_t n = t->cache_names.n;
	t->cache_next = calloc(n + 1, sizeof(*t->cache_next));
	if (!t->cache_next)
		return -ENOMEM;
	for (size_t i = n; i-- > 0;) {
		size_t first;
		if (strset_get(&t->cache_first, t->cache_names.v[i], &first))
			t->cache_next[i] = first;
		if (strset_put(&t->cache_first, t->cache_names.v[i], i + 1) < 0)
			return -ENOMEM;
	}
	return 0;
}

int elf_tree_load(struct elf_tree *t, int rootfd)
{
	memset(t, 0, sizeof(*t));
	t->rootfd = rootfd;
	int r = parse_conf(t, "/etc/ld.so.conf", 0);
	_cleanup_free_ char *cache = NULL;
	size_t len;
	if (r == 0 && read_tree_file(rootfd, "/etc/ld.so.cache", 64 << 20, &cache, &len) == 0 &&
	    ldcache_parse(cache, len, &t->cache_names, &t->cache_paths) == -ENOMEM)
		r = -ENOMEM;
	return r == 0 ? index_cache(t) : r;
}

void elf_tree_release(struct elf_tree *t)
{
	strv_clear(&t->conf_dirs);
	strv_clear(&t->cache_names);
	strv_clear(&t->cache_paths);
	strset_release(&t->cache_first);
	free(t->cache_next);
	strv_clear(&t->found);
	strset_release(&t->memo);
	strset_release(&t->compat);
}

/* ---- finding a library ----------------------------------------------------------- */

static const char *platform_of(unsigned machine)
{
	switch (machine) {
	case EM_X86_64:
		return "x86_64";
	case EM_386:
		return "i686";
	case EM_AARCH64:
		return "aarch64";
	case EM_PPC64:
		return "ppc64le";
	case EM_S390:
		return "s390x";
	default:
		return "";
	}
}

/* $ORIGIN, $LIB, $PLATFORM (also as ${...}) expanded; false if too long. */
static bool expand(const char *in, const char *origin, const struct elf_info *obj, char *out,
		   size_t size)
{
	static const char *const toks[] = {"ORIGIN", "LIB", "PLATFORM"};
	const char *vals[] = {origin, obj->elfclass == ELFCLASS64 ? "lib64" : "lib",
			      platform_of(obj->machine)};
	size_t o = 0;
	while (*in) {
		bool done = false;
		for (size_t k = 0; *in == '$' && !done && k < UC_ARRAY_SIZE(toks); k++) {
			size_t tl = strlen(toks[k]);
			bool br = in[1] == '{';
			if (strncmp(in + 1 + br, toks[k], tl) != 0 || (br && in[2 + tl] != '}'))
				continue;
			size_t vl = strlen(vals[k]);
			if (o + vl >= size)
				return false;
			memcpy(out + o, vals[k], vl);
			o += vl;
			in += 1 + tl + 2 * br;
			done = true;
		}
		if (done)
			continue;
		if (o + 1 >= size)
			return false;
		out[o++] = *in++;
	}
	out[o] = '\0';
	return true;
}

/* Is real an ELF shared object ld.so would take for obj (class, machine)?
 * What the tree's builder read already (t->known) is not read again. */
static bool compatible(struct elf_tree *t, const char *real, const struct elf_info *obj)
{
	size_t v;
	const struct elf_file *f = t->known ? t->known(t->known_ctx, real) : NULL;
	if (f) {
		v = f->compat;
	} else if (!strset_get(&t->compat, real, &v)) {
		v = 0;
		_cleanup_close_ int fd = tree_open_file(t->rootfd, real);
		GElf_Ehdr eh;
		_cleanup_(elf_end_p) Elf *e = fd >= 0 ? elf_open(fd, &eh) : NULL;
		if (e)
			v = compat_of(e, &eh);
		strset_put(&t->compat, real, v);
	}
	return v == (((size_t)obj->elfclass << 16 | obj->machine) + 1);
}

/* path (absolute, in the tree) as a candidate for obj: memoized. */
static int try_path(struct elf_tree *t, const char *path, const struct elf_info *obj, char *real,
		    size_t size, struct strv *links)
{
	char key[PATH_MAX + 32];
	size_t v;
	snprintf(key, sizeof(key), "%d:%u:%s", obj->elfclass, obj->machine, path);
	if (!strset_get(&t->memo, key, &v)) {
		struct strv l = STRV_INIT;
		char rp[PATH_MAX], enc[PATH_MAX * 4];
		v = 0;
		if (t->probes && noop_res_line(t->rootfd, path, t->probes) < 0)
			return -ENOMEM;
		if (tree_resolve(t->rootfd, path, rp, sizeof(rp), &l) == 0 && !strchr(rp, '\n') &&
		    compatible(t, rp, obj)) {
			size_t o = (size_t)snprintf(enc, sizeof(enc), "%s", rp);
			for (size_t i = 0; i < l.n && o < sizeof(enc); i++)
				o += (size_t)snprintf(enc + o, sizeof(enc) - o, "\n%s", l.v[i]);
			if (o < sizeof(enc) && strv_push(&t->found, enc) == 0)
				v = t->found.n;
		}
		strv_clear(&l);
		if (strset_put(&t->memo, key, v) < 0)
			return -ENOMEM;
	}
	if (v == 0)
		return -ENOENT;
	const char *enc = t->found.v[v - 1];
	size_t n = strcspn(enc, "\n");
	snprintf(real, size, "%.*s", (int)n, enc);
	for (const char *p = enc + n; links && *p == '\n'; p += 1 + strcspn(p + 1, "\n")) {
		char one[PATH_MAX];
		snprintf(one, sizeof(one), "%.*s", (int)strcspn(p + 1, "\n"), p + 1);
		if (!strv_contains(links, one) && strv_push(links, one) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int try_dirs(struct elf_tree *t, const struct strv *dirs, const char *origin,
		    const struct elf_info *obj, const char *name, char *real, size_t size,
		    struct strv *links)
{
	for (size_t i = 0; i < dirs->n; i++) {
		char dir[PATH_MAX], path[PATH_MAX];
		if (!expand(dirs->v[i], origin, obj, dir, sizeof(dir)) || dir[0] != '/')
			continue; /* a relative entry: relative to the cwd, unknowable */
		if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
			continue;
		int r = try_path(t, path, obj, real, size, links);
		if (r != -ENOENT)
			return r;
	}
	return -ENOENT;
}

/* ld.so's built-in directories: /lib64 /usr/lib64 (64-bit) or /lib
 * /usr/lib (32-bit), as Fedora and RHEL build it; Debian's adds its
 * multiarch directories and /lib /usr/lib for every class. Both sets are
 * searched (a candidate of another class is skipped anyway). */
static int try_defaults(struct elf_tree *t, const char *origin, const struct elf_info *obj,
			const char *name, char *real, size_t size, struct strv *links)
{
	static const struct {
		unsigned machine;
		const char *triplet;
	} mt[] = {{EM_X86_64, "x86_64-linux-gnu"},   {EM_386, "i386-linux-gnu"},
		  {EM_AARCH64, "aarch64-linux-gnu"}, {EM_PPC64, "powerpc64le-linux-gnu"},
		  {EM_S390, "s390x-linux-gnu"},	     {EM_ARM, "arm-linux-gnueabihf"}};
	const char *triplet = "";
	for (size_t i = 0; i < UC_ARRAY_SIZE(mt); i++)
		if (mt[i].machine == obj->machine)
			triplet = mt[i].triplet;
	char m1[64], m2[64];
	snprintf(m1, sizeof(m1), "/lib/%s", triplet);
	snprintf(m2, sizeof(m2), "/usr/lib/%s", triplet);
	char *d64[] = {"/lib64", "/usr/lib64", "/lib", "/usr/lib", m1, m2, NULL};
	char *d32[] = {"/lib", "/usr/lib", m1, m2, NULL};
	bool is64 = obj->elfclass == ELFCLASS64;
	struct strv defs = {is64 ? d64 : d32, (size_t)(is64 ? 6 : 4) - (*triplet ? 0 : 2), 0};
	return try_dirs(t, &defs, origin, obj, name, real, size, links);
}

int elf_find_lib(struct elf_tree *t, const char *objpath, const struct elf_info *obj,
		 const char *name, char *real, size_t size, struct strv *links)
{
	if (strchr(name, '/'))
		return try_path(t, name[0] == '/' ? name : "/", obj, real, size, links);
	char origin[PATH_MAX];
	snprintf(origin, sizeof(origin), "%.*s", (int)(strrchr(objpath, '/') - objpath), objpath);
	int r = -ENOENT;
	if (!obj->runpath.n)
		r = try_dirs(t, &obj->rpath, origin, obj, name, real, size, links);
	if (r == -ENOENT)
		r = try_dirs(t, &obj->runpath, origin, obj, name, real, size, links);
	size_t at = 0;
	if (r == -ENOENT)
		strset_get(&t->cache_first, name, &at);
	for (; r == -ENOENT && at; at = t->cache_next[at - 1])
		r = try_path(t, t->cache_paths.v[at - 1], obj, real, size, links);
	if (r == -ENOENT)
		r = try_dirs(t, &t->conf_dirs, origin, obj, name, real, size, links);
	if (r == -ENOENT)
		r = try_defaults(t, origin, obj, name, real, size, links);
	return r;
}

int elf_find_interp(struct elf_tree *t, const struct elf_info *obj, char *real, size_t size,
		    struct strv *links)
{
	if (!obj->interp || obj->interp[0] != '/')
		return -ENOENT;
	return try_path(t, obj->interp, obj, real, size, links);
}

void elf_soname_provide(const struct elf_info *obj, const char *soname, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s", soname, obj->elfclass == ELFCLASS64 ? "()(64bit)" : "");
}
