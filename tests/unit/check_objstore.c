#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../common/ledger.h"
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


/* lines in the ledger file of world dir */
static int
ledger_lines(const char *dir)
{
	char path[4096];
	FILE *f;
	int c, n = 0;

	snprintf(path, sizeof(path), "%s/state/countersign-ledger", dir);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/* a batch's entries are taken back after a failed sync: the ledger is as
 * it was; a different APDU for a kept key is refused */
START_TEST(ledger_takes_back_its_own_entries)
{
	char dir[] = "/tmp/solr-ledgerXXXXXX", cmd[4200];
	unsigned char a[32] = { 1 }, b[32] = { 2 };
	struct ledger l, m;
	struct solr_err e;
	int again;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(ledger_open(dir, &l, &e), 0);
	ck_assert_int_eq(ledger_record(&l, 1, 10, 2, a, &again, &e), 0);
	ck_assert_int_eq(ledger_sync(&l, &e), 0);
	ledger_commit(&l);
	ck_assert_int_eq(ledger_record(&l, 1, 11, 2, a, &again, &e), 0);
	ck_assert_int_eq(ledger_record(&l, 1, 12, 2, a, &again, &e), 0);
	ck_assert_int_eq(ledger_lines(dir), 3);
	ck_assert_int_eq(ledger_undo(&l), 0);
	ck_assert_int_eq(ledger_lines(dir), 1);
	ledger_close(&l);
	ck_assert_int_eq(ledger_open(dir, &m, &e), 0);
	ck_assert_int_eq(ledger_record(&m, 1, 10, 2, b, &again, &e),
	    SOLR_ERR_VERIFY);
	ck_assert_int_eq(ledger_record(&m, 1, 11, 2, b, &again, &e), 0);
	ck_assert_int_eq(again, 0);
	ledger_close(&m);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* an entry another process relied on is never taken back: the second
 * writes it again as its own, and the first's undo then keeps it */
START_TEST(ledger_keeps_what_another_relied_on)
{
	char dir[] = "/tmp/solr-ledgerXXXXXX", cmd[4200];
	unsigned char a[32] = { 1 }, b[32] = { 2 };
	struct ledger l, m, n;
	struct solr_err e;
	int again;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(ledger_open(dir, &l, &e), 0);
	ck_assert_int_eq(ledger_open(dir, &m, &e), 0);
	ck_assert_int_eq(ledger_record(&l, 1, 10, 2, a, &again, &e), 0);
	ck_assert_int_eq(again, 0);
	/* the other process: the same APDU again, from l's unsynced entry */
	ck_assert_int_eq(ledger_record(&m, 1, 10, 2, a, &again, &e), 0);
	ck_assert_int_eq(again, 1);
	ck_assert_int_eq(ledger_lines(dir), 2);
	/* only once per process */
	ck_assert_int_eq(ledger_record(&m, 1, 10, 2, a, &again, &e), 0);
	ck_assert_int_eq(ledger_lines(dir), 2);
	ck_assert_int_eq(ledger_sync(&m, &e), 0);
	ledger_commit(&m);
	/* l's sync fails: its undo must not cut what m relied on */
	ck_assert_int_eq(ledger_undo(&l), -1);
	ck_assert_int_eq(ledger_lines(dir), 2);
	ck_assert_int_eq(ledger_open(dir, &n, &e), 0);
	ck_assert_int_eq(ledger_record(&n, 1, 10, 2, b, &again, &e),
	    SOLR_ERR_VERIFY);
	ledger_close(&n);
	ledger_close(&m);
	ledger_close(&l);
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
	tcase_add_test(tc, ledger_takes_back_its_own_entries);
	tcase_add_test(tc, ledger_keeps_what_another_relied_on);
	suite_add_tcase(s, tc);
	return s;
}
