#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../common/objstore.h"
#include "unit.h"

START_TEST(put_get_and_tamper)
{
	char dir[] = "/tmp/solr-objXXXXXX", name[SOLR_SHA256_HEX],
	    again[SOLR_SHA256_HEX], path[4096], cmd[4200];
	struct solr_objstore os;
	struct solr_buf b = { 0 };
	struct solr_err e;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(objstore_open(&os, dir, &e), 0);
	ck_assert_int_eq(objstore_put(&os, "abc", 3, name, &e), 0);
	ck_assert_str_eq(name, "ba7816bf8f01cfea414140de5dae2223b00361a396177a"
	    "9cb410ff61f20015ad");
	ck_assert_int_eq(objstore_put(&os, "abc", 3, again, &e), 0);
	ck_assert_str_eq(name, again);
	ck_assert_int_eq(objstore_get(&os, name, 100, &b, &e), 0);
	ck_assert_uint_eq(b.len, 3);
	ck_assert_mem_eq(b.p, "abc", 3);
	/* a changed object is caught when read */
	objstore_path(&os, name, path, sizeof(path));
	f = fopen(path, "w");
	fputs("abd", f);
	fclose(f);
	ck_assert_int_eq(objstore_get(&os, name, 100, &b, &e),
	    SOLR_ERR_VERIFY);
	ck_assert_ptr_nonnull(strstr(e.msg, "not to its name"));
	ck_assert_int_eq(objstore_get(&os, "../../etc/passwd", 100, &b, &e),
	    SOLR_ERR_FORMAT);
	ck_assert_int_eq(objstore_get(&os, "00000000000000000000000000000000"
	    "00000000000000000000000000000000", 100, &b, &e), SOLR_ERR_IO);
	solr_buf_free(&b);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST


Suite *
objstore_suite(void)
{
	Suite *s = suite_create("objstore");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, put_get_and_tamper);
	suite_add_tcase(s, tc);
	return s;
}
