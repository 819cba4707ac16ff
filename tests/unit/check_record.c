#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/record.h"
#include "unit.h"

static FILE *
mem(const char *s)
{
	FILE *f = fmemopen((void *)s, strlen(s), "r");

	ck_assert_ptr_nonnull(f);
	return f;
}

START_TEST(reader_splits_and_recovers)
{
	const char *in =
	    "# a comment\n"
	    "---\nrecord: 1\nseq: 1\nsource: a\nverdict: pass\n"
	    "---\nrecord: 1\nseq: [unclosed\n"
	    "---\nrecord: 2\nseq: 3\n"
	    "--- {record: 1, seq: 4, source: a, verdict: pass}\n"
	    "---\njust a string\n";
	FILE *f = mem(in);
	struct rec_reader *rd = rec_reader_new(f, "in");
	struct ynode *r;
	struct solr_err e;
	int line;

	ck_assert_int_eq(rec_read(rd, &r, &line, &e), REC_OK);
	ck_assert_int_eq(line, 2);
	ck_assert_int_eq(rec_seq(r), 1);
	ck_assert(rec_is_pass(r));
	yn_free(r);
	ck_assert_int_eq(rec_read(rd, &r, &line, &e), REC_BAD);
	ck_assert_int_eq(line, 7);
	ck_assert_str_eq(e.file, "in");
	ck_assert_int_eq(rec_read(rd, &r, &line, &e), REC_BAD);
	ck_assert_ptr_nonnull(strstr(e.msg, "format '2'"));
	ck_assert_int_eq(rec_read(rd, &r, &line, &e), REC_OK);
	ck_assert_int_eq(rec_seq(r), 4);
	yn_free(r);
	ck_assert_int_eq(rec_read(rd, &r, &line, &e), REC_BAD);
	ck_assert_int_eq(rec_read(rd, &r, &line, &e), REC_EOF);
	rec_reader_free(rd);
	fclose(f);
}
END_TEST

START_TEST(reader_bounds_a_record)
{
	size_t big = SOLR_RECORD_MAX + 100, i;
	char *in = malloc(big + 64);
	FILE *f;
	struct rec_reader *rd;
	struct ynode *r;
	struct solr_err e;
	int line;

	strcpy(in, "---\nrecord: 1\nx: ");
	for (i = strlen(in); i < big; i++)
		in[i] = 'a';
	strcpy(in + big, "\n---\nrecord: 1\nseq: 2\nsource: a\nverdict: pass\n");
	f = mem(in);
	rd = rec_reader_new(f, "in");
	ck_assert_int_eq(rec_read(rd, &r, &line, &e), REC_BAD);
	ck_assert_int_eq(e.code, SOLR_ERR_LIMIT);
	ck_assert_int_eq(rec_read(rd, &r, &line, &e), REC_OK);
	ck_assert_int_eq(rec_seq(r), 2);
	yn_free(r);
	rec_reader_free(rd);
	fclose(f);
	free(in);
}
END_TEST

/* seq, source and a known verdict, or the record is malformed */
START_TEST(reader_checks_the_envelope)
{
	static const char *const bad[][2] = {
	    { "---\nrecord: 1\nsource: a\nverdict: pass\n", "seq:" },
	    { "---\nrecord: 1\nseq: 0\nsource: a\nverdict: pass\n", "seq:" },
	    { "---\nrecord: 1\nseq: -3\nsource: a\nverdict: pass\n", "seq:" },
	    { "---\nrecord: 1\nseq: [1]\nsource: a\nverdict: pass\n", "seq:" },
	    { "---\nrecord: 1\nseq: 1\nverdict: pass\n", "source:" },
	    { "---\nrecord: 1\nseq: 1\nsource: ~\nverdict: pass\n", "source:" },
	    { "---\nrecord: 1\nseq: 1\nsource: {a: b}\nverdict: pass\n",
	      "source:" },
	    { "---\nrecord: 1\nseq: 1\nsource: a\n", "verdict:" },
	    { "---\nrecord: 1\nseq: 1\nsource: a\nverdict: passed\n",
	      "verdict:" },
	    { "---\nrecord: 1\nseq: 1\nsource: a\nverdict: [pass]\n",
	      "verdict:" },
	};
	FILE *f = mem(bad[_i][0]);
	struct rec_reader *rd = rec_reader_new(f, "in");
	struct ynode *r = NULL;
	struct solr_err e;
	int line;

	ck_assert_int_eq(rec_read(rd, &r, &line, &e), REC_BAD);
	ck_assert_ptr_null(r);
	ck_assert_ptr_nonnull(strstr(e.msg, bad[_i][1]));
	ck_assert_int_eq(rec_read(rd, &r, &line, &e), REC_EOF);
	rec_reader_free(rd);
	fclose(f);
}
END_TEST

/* a "---" cut by the reader's 64 KiB buffer is still a record start */
START_TEST(reader_sees_line_starts_across_buffers)
{
	size_t at = 65530 + (size_t)_i, i, len;
	char *in = malloc(at + 64);
	FILE *f;
	struct rec_reader *rd;
	struct ynode *r;
	struct solr_err e;
	int line;

	strcpy(in, "---\nrecord: 1\nseq: 1\nsource: a\nverdict: pass\nx: ");
	for (i = strlen(in); i < at - 1; i++)
		in[i] = 'a';
	in[at - 1] = '\n';
	strcpy(in + at, "---\nrecord: 1\nseq: 2\nsource: a\nverdict: pass\n");
	len = strlen(in);
	f = fmemopen(in, len, "r");
	rd = rec_reader_new(f, "in");
	ck_assert_int_eq(rec_read(rd, &r, &line, &e), REC_OK);
	ck_assert_int_eq(rec_seq(r), 1);
	yn_free(r);
	ck_assert_int_eq(rec_read(rd, &r, &line, &e), REC_OK);
	ck_assert_int_eq(rec_seq(r), 2);
	ck_assert_int_eq(line, 7);
	yn_free(r);
	ck_assert_int_eq(rec_read(rd, &r, &line, &e), REC_EOF);
	rec_reader_free(rd);
	fclose(f);
	free(in);
}
END_TEST

START_TEST(writer_and_verdicts)
{
	char *p = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&p, &len);
	struct rec_writer *w = rec_writer_new(f);
	struct ynode *r = rec_new(7, "requests/7.xml", 1772446500), *back;
	struct solr_err e;

	ck_assert(rec_is_pass(r));
	ck_assert_int_eq(rec_reject(r, "verify-sig", "E65", "why"), 0);
	ck_assert(!rec_is_pass(r));
	ck_assert_int_eq(rec_write(w, r), 0);
	ck_assert_int_eq(rec_writer_finish(w, &e), 0);
	rec_writer_free(w);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(p, "---\nrecord: 1\nseq: 7\n"));
	ck_assert_ptr_nonnull(strstr(p, "received_at: 2026-03-02T10:15:00Z\n"));
	ck_assert_ptr_nonnull(strstr(p,
	    "verify-sig: {result: reject, code: E65}"));
	ck_assert_int_eq(yn_parse(p, len, "out", 1, &back, &e), 0);
	ck_assert_str_eq(rec_verdict(back), "reject");
	ck_assert_str_eq(yn_get_str(back, "reason"), "why");
	yn_free(back);
	yn_free(r);
	free(p);
}
END_TEST

START_TEST(writer_reports_full_disk)
{
	FILE *f = fopen("/dev/full", "w");
	struct rec_writer *w;
	struct ynode *r = rec_new(1, "x", 0);
	struct solr_err e;
	int i, rc = 0;

	if (f == NULL)
		return;		/* no /dev/full here */
	setvbuf(f, NULL, _IONBF, 0);
	w = rec_writer_new(f);
	for (i = 0; i < 10 && rc == 0; i++)
		rc = rec_write(w, r);
	ck_assert(rc != 0 || rec_writer_finish(w, &e) != 0);
	rec_writer_free(w);
	fclose(f);
	yn_free(r);
}
END_TEST

Suite *
record_suite(void)
{
	Suite *s = suite_create("record");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, reader_splits_and_recovers);
	tcase_add_test(tc, reader_bounds_a_record);
	tcase_add_loop_test(tc, reader_checks_the_envelope, 0, 10);
	tcase_add_loop_test(tc, reader_sees_line_starts_across_buffers, 0, 10);
	tcase_add_test(tc, writer_and_verdicts);
	tcase_add_test(tc, writer_reports_full_disk);
	suite_add_tcase(s, tc);
	return s;
}
