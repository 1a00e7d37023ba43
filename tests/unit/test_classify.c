/* Classification and the path policy (rpmscan/classify.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/strv.h"
#include "rpmscan/rpmscan.h"

static struct strv policy(void)
{
	struct strv sv = STRV_INIT;
	strv_split(&sv, "/etc /var /root /home /tmp /run /srv", " ");
	return sv;
}

static struct rs_file file(const char *path, uint32_t flags, enum rs_state state)
{
	struct rs_file f;
	memset(&f, 0, sizeof(f));
	f.path = path;
	f.flags = flags;
	f.state = state;
	f.mode = S_IFREG | 0644;
	return f;
}

static void test_flags_and_states(void **st)
{
	struct strv p = policy();
	struct rs_file f = file("/usr/bin/x", 0, RS_S_NORMAL);
	assert_int_equal(rs_classify(&f, &p), RS_C_SHARED);
	f = file("/usr/lib/os-release", RS_F_CONFIG, RS_S_NORMAL);
	assert_int_equal(rs_classify(&f, &p), RS_C_CONFIG);
	f = file("/var/log/x.log", RS_F_GHOST, RS_S_NORMAL);
	assert_int_equal(rs_classify(&f, &p), RS_C_GHOST);
	f = file("/var/log/x.log", RS_F_GHOST | RS_F_CONFIG, RS_S_NORMAL);
	assert_int_equal(rs_classify(&f, &p), RS_C_GHOST);
	for (enum rs_state s = RS_S_REPLACED; s <= RS_S_UNKNOWN; s++) {
		f = file("/usr/bin/x", 0, s);
		assert_int_equal(rs_classify(&f, &p), RS_C_SKIP);
	}
	strv_clear(&p);
}

static void test_path_policy(void **st)
{
	struct strv p = policy();
	struct rs_file f = file("/etc/centos-release", 0, RS_S_NORMAL);
	assert_int_equal(rs_classify(&f, &p), RS_C_CONFIG);
	f = file("/etc", 0, RS_S_NORMAL);
	assert_int_equal(rs_classify(&f, &p), RS_C_CONFIG);
	f = file("/etcetera/x", 0, RS_S_NORMAL); /* component-wise, not a string prefix */
	assert_int_equal(rs_classify(&f, &p), RS_C_SHARED);
	f = file("/usr/etc/x", 0, RS_S_NORMAL);
	assert_int_equal(rs_classify(&f, &p), RS_C_SHARED);
	assert_true(rs_path_is_local("/srv/www", &p));
	assert_false(rs_path_is_local("/", &p));
	assert_false(rs_path_is_local("/usr", NULL));
	struct strv all = STRV_INIT;
	strv_push(&all, "/");
	assert_true(rs_path_is_local("/usr/bin/x", &all));
	strv_clear(&all);
	strv_clear(&p);
}

static void test_verify_changes_class(void **st)
{
	struct strv p = policy();
	struct rs_file f = file("/usr/bin/x", 0, RS_S_NORMAL);
	f.verify.checked = true;
	f.verify.bits = RS_V_MTIME;
	assert_int_equal(rs_classify(&f, &p), RS_C_SHARED);
	f.verify.bits = RS_V_DIGEST | RS_V_MTIME;
	assert_int_equal(rs_classify(&f, &p), RS_C_CONFIG);
	f.verify.bits = RS_V_USER;
	assert_int_equal(rs_classify(&f, &p), RS_C_CONFIG);
	f.verify.bits = RS_V_MISSING;
	assert_int_equal(rs_classify(&f, &p), RS_C_SKIP);
	f.verify.checked = false; /* bits of an unchecked file mean nothing */
	assert_int_equal(rs_classify(&f, &p), RS_C_SHARED);
	strv_clear(&p);
}

static void test_formats(void **st)
{
	char buf[128];
	rs_flags_format(RS_F_CONFIG | RS_F_NOREPLACE, buf, sizeof(buf));
	assert_string_equal(buf, "config,noreplace");
	rs_flags_format(0, buf, sizeof(buf));
	assert_string_equal(buf, "");
	rs_flags_format(RS_F_DOC | RS_F_ARTIFACT | RS_F_LICENSE | RS_F_MISSINGOK | RS_F_GHOST, buf,
			sizeof(buf));
	assert_string_equal(buf, "missingok,ghost,doc,license,artifact");
	struct rs_verify v = {.checked = true, .bits = RS_V_SIZE | RS_V_DIGEST | RS_V_MTIME};
	rs_verify_format(&v, buf, sizeof(buf));
	assert_string_equal(buf, "S.5....T.");
	v.bits = RS_V_DIGEST | RS_V_READFAIL | RS_V_LINK | RS_V_READLINKFAIL | RS_V_CAPS;
	rs_verify_format(&v, buf, sizeof(buf));
	assert_string_equal(buf, "..?.?...P");
	v.bits = RS_V_MISSING;
	rs_verify_format(&v, buf, sizeof(buf));
	assert_string_equal(buf, "missing");
	v.checked = false;
	rs_verify_format(&v, buf, sizeof(buf));
	assert_string_equal(buf, "");
	assert_string_equal(rs_ftype_name(rs_ftype_from_mode(S_IFLNK | 0777)), "symlink");
	assert_string_equal(rs_ftype_name(rs_ftype_from_mode(S_IFCHR)), "char");
	assert_string_equal(rs_state_name(rs_state_from_rpm(2)), "notinstalled");
	assert_string_equal(rs_state_name(rs_state_from_rpm(3)), "netshared");
	assert_string_equal(rs_digest_algo_name(8), "sha256");
	assert_string_equal(rs_class_name(RS_C_GHOST), "ghost");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_flags_and_states),
	    cmocka_unit_test(test_path_policy),
	    cmocka_unit_test(test_verify_changes_class),
	    cmocka_unit_test(test_formats),
	};
	return cmocka_run_group_tests_name("classify", tests, NULL, NULL);
}
