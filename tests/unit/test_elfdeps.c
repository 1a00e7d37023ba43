/* ELF dependencies inside a tree (skel/elfdeps.c): headers read with libelf,
 * paths resolved as in a chroot, libraries found in ld.so's order. The ELF
 * files are made at test time with the compiler; no root needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "skel/elfdeps.h"

static char root[PATH_MAX / 4];
static int rootfd = -1;

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("command failed: %s", cmd);
}

/* A tree with merged /usr, a program with a $ORIGIN RUNPATH, a library with
 * a soname link, one found through ld.so.conf.d, a non-ELF impostor. */
static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/uc-elfdeps.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	sh("cd %s && mkdir -p usr/lib64 usr/bin opt/app/bin opt/app/lib opt/other etc/ld.so.conf.d "
	   "src && ln -s usr/lib64 lib64 && ln -s /../../../usr/lib64 escape && ln -s loop2 loop1 "
	   "&& ln -s loop1 loop2",
	   root);
	sh("cd %s/src && echo 'int foo(void){return 1;}' > foo.c && echo 'int bar(void){return "
	   "2;}' "
	   "> bar.c && echo 'int baz(void){return 3;}' > baz.c && "
	   "echo 'int foo(void); int bar(void); int baz(void); int main(void){return "
	   "foo()+bar()+baz();}' > main.c && "
	   "cc -shared -fPIC -Wl,-soname,libfoo.so.1 -o ../usr/lib64/libfoo.so.1.0 foo.c && "
	   "ln -s libfoo.so.1.0 ../usr/lib64/libfoo.so.1 && "
	   "cc -shared -fPIC -Wl,-soname,libbar.so.2 -o ../opt/app/lib/libbar.so.2 bar.c && "
	   "cc -shared -fPIC -Wl,-soname,libbaz.so.3 -o ../opt/other/libbaz.so.3 baz.c && "
	   "cc -o ../opt/app/bin/prog main.c ../usr/lib64/libfoo.so.1.0 ../opt/app/lib/libbar.so.2 "
	   "../opt/other/libbaz.so.3 -Wl,--enable-new-dtags,-rpath,'$ORIGIN/../lib' && "
	   "echo 'not elf' > ../usr/lib64/libzzz.so.1 && mkdir -p ../opt/lib64/x86_64 && "
	   "cc -shared -fPIC -Wl,-soname,libqux.so.1 -o ../opt/lib64/x86_64/libqux.so.1 baz.c && "
	   "echo 'int baz(void); int main(void){return baz();}' > old.c && "
	   "cc -o ../opt/app/bin/old old.c ../opt/lib64/x86_64/libqux.so.1 "
	   "-Wl,--disable-new-dtags,-rpath,'/opt/$LIB/${PLATFORM}:/nowhere' && "
	   "cp -L /lib64/ld-linux-x86-64.so.2 ../usr/lib64/ && cp -L $(cc "
	   "-print-file-name=libc.so.6) "
	   "../usr/lib64/",
	   root);
	sh("cd %s && printf 'include ld.so.conf.d/*.conf\\n# c\\n' > etc/ld.so.conf && "
	   "echo /opt/other/ > etc/ld.so.conf.d/other.conf",
	   root);
	rootfd = open(root, O_PATH | O_DIRECTORY);
	return rootfd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	close(rootfd);
	sh("rm -rf %s", root);
	return 0;
}

static void read_info(const char *rel, struct elf_info *info, int want)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	int fd = open(p, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(elf_info_read(fd, info), want);
	close(fd);
}

static void test_read(void **state)
{
	(void)state;
	struct elf_info info;
	read_info("opt/app/bin/prog", &info, 0);
	assert_int_equal(info.elfclass, ELFCLASS64);
	assert_string_equal(info.interp, "/lib64/ld-linux-x86-64.so.2");
	assert_true(strv_contains(&info.needed, "libfoo.so.1"));
	assert_true(strv_contains(&info.needed, "libbar.so.2"));
	assert_true(strv_contains(&info.needed, "libc.so.6"));
	assert_true(strv_contains(&info.runpath, "$ORIGIN/../lib"));
	assert_int_equal(info.rpath.n, 0);
	elf_info_release(&info);
	read_info("usr/lib64/libfoo.so.1.0", &info, 0);
	assert_null(info.interp);
	elf_info_release(&info);
	read_info("usr/lib64/libzzz.so.1", &info, 1); /* not ELF */
	read_info("etc/ld.so.conf", &info, 1);
}

static void test_resolve(void **state)
{
	(void)state;
	char real[PATH_MAX];
	struct strv links = STRV_INIT;
	assert_int_equal(tree_resolve(rootfd, "/lib64/libfoo.so.1", real, sizeof(real), &links), 0);
	assert_string_equal(real, "/usr/lib64/libfoo.so.1.0");
	assert_int_equal(links.n, 2);
	assert_string_equal(links.v[0], "/lib64");
	assert_string_equal(links.v[1], "/usr/lib64/libfoo.so.1");
	strv_clear(&links);
	/* an absolute link climbing out stays in the tree */
	assert_int_equal(tree_resolve(rootfd, "/escape/libfoo.so.1.0", real, sizeof(real), NULL),
			 0);
	assert_string_equal(real, "/usr/lib64/libfoo.so.1.0");
	assert_int_equal(tree_resolve(rootfd, "/../../usr/./lib64", real, sizeof(real), NULL), 0);
	assert_string_equal(real, "/usr/lib64");
	assert_int_equal(tree_resolve(rootfd, "/loop1", real, sizeof(real), NULL), -ELOOP);
	assert_int_equal(tree_resolve(rootfd, "/nope/x", real, sizeof(real), NULL), -ENOENT);
	assert_int_equal(tree_resolve(rootfd, "/etc/ld.so.conf/x", real, sizeof(real), NULL),
			 -ENOTDIR);
}

/* DT_RPATH (old dtags) with $LIB and ${PLATFORM} */
static void test_rpath(void **state)
{
	(void)state;
	struct elf_tree t;
	struct elf_info info;
	char real[PATH_MAX];
	assert_int_equal(elf_tree_load(&t, rootfd), 0);
	read_info("opt/app/bin/old", &info, 0);
	assert_int_equal(info.runpath.n, 0);
	assert_true(strv_contains(&info.rpath, "/opt/$LIB/${PLATFORM}"));
	assert_true(strv_contains(&info.rpath, "/nowhere"));
	assert_int_equal(
	    elf_find_lib(&t, "/opt/app/bin/old", &info, "libqux.so.1", real, sizeof(real), NULL),
	    0);
	assert_string_equal(real, "/opt/lib64/x86_64/libqux.so.1");
	elf_info_release(&info);
	elf_tree_release(&t);
}

static void test_find(void **state)
{
	(void)state;
	struct elf_tree t;
	struct elf_info info;
	char real[PATH_MAX];
	struct strv links = STRV_INIT;
	assert_int_equal(elf_tree_load(&t, rootfd), 0);
	assert_true(strv_contains(&t.conf_dirs, "/opt/other")); /* include glob, slash trimmed */
	read_info("opt/app/bin/prog", &info, 0);
	const char *prog = "/opt/app/bin/prog";
	assert_int_equal(elf_find_lib(&t, prog, &info, "libbar.so.2", real, sizeof(real), NULL), 0);
	assert_string_equal(real, "/opt/app/lib/libbar.so.2"); /* $ORIGIN */
	assert_int_equal(elf_find_lib(&t, prog, &info, "libfoo.so.1", real, sizeof(real), &links),
			 0);
	assert_string_equal(real, "/usr/lib64/libfoo.so.1.0"); /* default dir, via /lib64 */
	assert_true(strv_contains(&links, "/lib64"));
	assert_true(strv_contains(&links, "/usr/lib64/libfoo.so.1"));
	assert_int_equal(elf_find_lib(&t, prog, &info, "libbaz.so.3", real, sizeof(real), NULL), 0);
	assert_string_equal(real, "/opt/other/libbaz.so.3"); /* ld.so.conf.d */
	assert_int_equal(elf_find_lib(&t, prog, &info, "libzzz.so.1", real, sizeof(real), NULL),
			 -ENOENT); /* not ELF: ld.so skips it */
	assert_int_equal(elf_find_lib(&t, prog, &info, "libnone.so.9", real, sizeof(real), NULL),
			 -ENOENT);
	/* the same program elsewhere: $ORIGIN/../lib is not there */
	assert_int_equal(
	    elf_find_lib(&t, "/usr/bin/prog", &info, "libbar.so.2", real, sizeof(real), NULL),
	    -ENOENT);
	strv_clear(&links);
	assert_int_equal(elf_find_interp(&t, &info, real, sizeof(real), &links), 0);
	assert_string_equal(real, "/usr/lib64/ld-linux-x86-64.so.2");
	char cap[128];
	elf_soname_provide(&info, "libtinfo.so.6", cap, sizeof(cap));
	assert_string_equal(cap, "libtinfo.so.6()(64bit)");
	info.elfclass = ELFCLASS32;
	elf_soname_provide(&info, "libtinfo.so.6", cap, sizeof(cap));
	assert_string_equal(cap, "libtinfo.so.6");
	strv_clear(&links);
	elf_info_release(&info);
	elf_tree_release(&t);
}

static void read_file_info(const char *rel, struct elf_file *f)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	int fd = open(p, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(elf_file_read(fd, f), 0);
	close(fd);
}

/* elf_file_read: elf_info_read's answer and what makes a library a
 * candidate, in one read. */
static void test_file_read(void **state)
{
	(void)state;
	struct elf_file f;
	size_t lib64 = ((size_t)ELFCLASS64 << 16 | EM_X86_64) + 1;
	read_file_info("usr/lib64/libfoo.so.1.0", &f);
	assert_int_equal(f.r, 0);
	assert_int_equal(f.compat, lib64);
	assert_int_equal(f.info.elfclass, ELFCLASS64);
	elf_file_release(&f);
	read_file_info("opt/app/bin/prog", &f);
	assert_int_equal(f.r, 0);
	assert_true(strv_contains(&f.info.needed, "libfoo.so.1"));
	elf_file_release(&f);
	read_file_info("usr/lib64/libzzz.so.1", &f); /* not ELF */
	assert_int_equal(f.r, 1);
	assert_int_equal(f.compat, 0);
	elf_file_release(&f);
}

/* What the known hook says of a file is taken instead of the file: here it
 * says libbaz is no ELF object, so it is not found although it is there;
 * for the files it does not know (NULL) the tree is read. */
static const struct elf_file *known_no_baz(void *ctx, const char *path)
{
	static const struct elf_file not_elf = {.r = 1, .compat = 0};
	(*(int *)ctx)++;
	return strcmp(path, "/opt/other/libbaz.so.3") == 0 ? &not_elf : NULL;
}

static void test_known(void **state)
{
	(void)state;
	struct elf_tree t;
	struct elf_info info;
	char real[PATH_MAX];
	int asked = 0;
	assert_int_equal(elf_tree_load(&t, rootfd), 0);
	t.known = known_no_baz;
	t.known_ctx = &asked;
	read_info("opt/app/bin/prog", &info, 0);
	const char *prog = "/opt/app/bin/prog";
	assert_int_equal(elf_find_lib(&t, prog, &info, "libbaz.so.3", real, sizeof(real), NULL),
			 -ENOENT);
	assert_int_equal(elf_find_lib(&t, prog, &info, "libbar.so.2", real, sizeof(real), NULL), 0);
	assert_string_equal(real, "/opt/app/lib/libbar.so.2");
	assert_true(asked >= 2);
	elf_info_release(&info);
	elf_tree_release(&t);
}

/* A new-format cache image as ldconfig writes it: names and paths back. */
static void test_cache(void **state)
{
	(void)state;
	unsigned char img[256] = {0};
	memcpy(img, "glibc-ld.so.cache1.1", 20);
	uint32_t nlibs = 1, lens = 40;
	memcpy(img + 20, &nlibs, 4);
	memcpy(img + 24, &lens, 4);
	uint32_t key = 48 + 24, value = key + 10;
	int32_t flags = 0x0303;
	memcpy(img + 48, &flags, 4);
	memcpy(img + 52, &key, 4);
	memcpy(img + 56, &value, 4);
	memcpy(img + key, "libc.so.6", 10);
	memcpy(img + value, "/lib64/libc.so.6", 17);
	struct strv n = STRV_INIT, p = STRV_INIT;
	assert_int_equal(ldcache_parse(img, sizeof(img), &n, &p), 0);
	assert_int_equal(n.n, 1);
	assert_string_equal(n.v[0], "libc.so.6");
	assert_string_equal(p.v[0], "/lib64/libc.so.6");
	strv_clear(&n);
	strv_clear(&p);
	/* an offset out of the image, a count too big, garbage: refused */
	value = 1000;
	memcpy(img + 56, &value, 4);
	assert_int_equal(ldcache_parse(img, sizeof(img), &n, &p), -EINVAL);
	nlibs = 1000;
	memcpy(img + 20, &nlibs, 4);
	assert_int_equal(ldcache_parse(img, sizeof(img), &n, &p), -EINVAL);
	assert_int_equal(ldcache_parse("hello world, not a cache", 24, &n, &p), -EINVAL);
	strv_clear(&n);
	strv_clear(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_read),  cmocka_unit_test(test_resolve),
	    cmocka_unit_test(test_find),  cmocka_unit_test(test_rpath),
	    cmocka_unit_test(test_cache), cmocka_unit_test(test_file_read),
	    cmocka_unit_test(test_known),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
