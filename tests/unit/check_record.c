#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "store/record.h"
#include "store/recview.h"
#include "unit.h"
#include "base/yread.h"

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

static int
count_lines_with(const char *s, const char *prefix)
{
	int n = 0;

	for (; s && *s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL)
		n += strncmp(s, prefix, strlen(prefix)) == 0;
	return n;
}

static const unsigned char seal_key[32] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
	0xcc, 0xdd, 0xee, 0xff, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
	0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
};
#define SEALED_TEXT "---\nrecord: 1\nseq: 1\nsource: a.xml\nverdict: pass\n"
/* printf -- '---\nrecord: 1\nseq: 1\nsource: a.xml\nverdict: pass\n' |
 *     openssl dgst -sha256 -mac HMAC -macopt hexkey:0011...eeff0011...eeff */
#define SEALED_MAC "ef7b0475dbb7de64ee41ccc5412349807319785781d7fa3eee8b0c446854d62e"

#define SEALED_JSON "{\"record\":1,\"seq\":1,\"source\":\"a.xml\"," \
    "\"verdict\":\"pass\""
/* printf '%s}' "$SEALED_JSON" | openssl dgst -sha256 -mac HMAC -macopt
 *     hexkey:0011...eeff0011...eeff */
#define SEALED_JSON_MAC \
    "031a146f8849ec351ea9cb61c01fc5aae969575809960bda8336751748d978cf"

/* what a reader with the key makes of a text */
static const struct {
	const char *text;
	int want;
	const char *why;
} sealed[] = {
	{ SEALED_TEXT "seal: " SEALED_MAC "\n", REC_OK, NULL },
	{ SEALED_TEXT "seal: " SEALED_MAC "\n...\n", REC_OK, NULL },
	{ SEALED_TEXT "seal: " SEALED_MAC "\n\n\n", REC_OK, NULL },
	{ "# a comment\n" SEALED_TEXT "seal: " SEALED_MAC "\n", REC_OK, NULL },
	{ SEALED_TEXT, REC_UNSEALED, "has no seal" },
	{ SEALED_TEXT "seal: " SEALED_MAC "0\n", REC_UNSEALED, "does not "
	    "verify" },
	{ SEALED_TEXT "seal: " "ff7b0475dbb7de64ee41ccc5412349807319785781d7fa3e"
	    "ee8b0c446854d62e\n", REC_UNSEALED, "does not verify" },
	{ "---\nrecord: 1\nseq: 2\nsource: a.xml\nverdict: pass\nseal: "
	    SEALED_MAC "\n", REC_UNSEALED, "does not verify" },
	{ SEALED_TEXT "code: E65\nseal: " SEALED_MAC "\n", REC_UNSEALED,
	    "does not verify" },
	{ "seal: " SEALED_MAC "\n" SEALED_TEXT, REC_BAD, "not a record" },
	{ "---\nrecord: [1\nseal: " SEALED_MAC "\n", REC_BAD, "YAML" },
	/* JSON Lines: the seal the object's last member */
	{ SEALED_JSON ",\"seal\":\"" SEALED_JSON_MAC "\"}\n", REC_OK, NULL },
	{ SEALED_JSON "}\n", REC_UNSEALED, "has no seal (its last member must "
	    "be \"seal\")" },
	{ SEALED_JSON ",\"seal\":\"" SEALED_MAC "\"}\n", REC_UNSEALED,
	    "does not verify" },
};

START_TEST(reader_checks_the_seal)
{
	struct solr_sealer *k = solr_sealer_new(seal_key, sizeof(seal_key));
	FILE *f = fmemopen((void *)sealed[_i].text, strlen(sealed[_i].text),
	    "r");
	struct rec_reader *rd = rec_reader_new(f, "in");
	struct ynode *rec;
	struct solr_err e;
	int line, r;

	ck_assert_ptr_nonnull(k);
	rec_reader_seal(rd, k);
	r = rec_read(rd, &rec, &line, &e);
	ck_assert_int_eq(r, sealed[_i].want);
	if (r == REC_OK) {
		ck_assert_ptr_null(yn_get(rec, "seal"));	/* not passed on */
		ck_assert_int_eq(rec_seq(rec), 1);
	} else
		ck_assert_msg(strstr(e.msg, sealed[_i].why) != NULL, "'%s'",
		    e.msg);
	if (r == REC_UNSEALED && rec != NULL)
		ck_assert_int_ge(rec_seq(rec), 1);	/* what it claims */
	yn_free(rec);
	rec_reader_free(rd);
	fclose(f);
	solr_sealer_free(k);
}
END_TEST

/* what one writer seals, a reader with the key accepts, and one with
 * another key does not */
START_TEST(writer_seals)
{
	unsigned char other[32] = { 1 };
	struct solr_sealer *k = solr_sealer_new(seal_key, 32),
	    *k2 = solr_sealer_new(other, 32);
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len), *in;
	struct rec_writer *w = rec_writer_new(out);
	struct rec_reader *rd;
	struct ynode *rec = rec_new(1, "a.xml", 0), *back;
	struct solr_err e;
	int line, i;

	rec_writer_seal(w, k);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(rec_write(w, rec), 0);
	ck_assert_int_eq(rec_writer_finish(w, &e), 0);
	rec_writer_free(w);
	fclose(out);
	ck_assert_int_eq(count_lines_with(buf, "seal: "), 3);
	for (i = 0; i < 2; i++) {
		in = fmemopen(buf, len, "r");
		rd = rec_reader_new(in, "in");
		rec_reader_seal(rd, i == 0 ? k : k2);
		ck_assert_int_eq(rec_read(rd, &back, &line, &e), i == 0 ?
		    REC_OK : REC_UNSEALED);
		yn_free(back);
		rec_reader_free(rd);
		fclose(in);
	}
	yn_free(rec);
	free(buf);
	solr_sealer_free(k);
	solr_sealer_free(k2);
}
END_TEST

/* One record read once: every field the stages use, typed. */
static struct ynode *
one_record(const char *text)
{
	FILE *f = mem(text);
	struct rec_reader *rd = rec_reader_new(f, "in");
	struct ynode *r = NULL;
	struct solr_err e;
	int line;

	ck_assert_int_eq(rec_read(rd, &r, &line, &e), REC_OK);
	rec_reader_free(rd);
	fclose(f);
	return r;
}

#define VIEW_HEAD "---\nrecord: 1\nseq: 9\nsource: in:1\n"
#define VIEW_REQ "request: {object: " \
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef, " \
    "at: 2026/03/02, size: 812, schema_version: '5.1', request_id: " \
    "'90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:1000', " \
    "originator: 90-B3-D5-1F-30-01-00-00, target: 00-DB-12-34-56-78-90-A0, " \
    "counter: 1000, srv: '2.1', cv: 1, body: update-prepay-configuration}\n"
#define VIEW_SND "sender: {id: 90-B3-D5-1F-30-00-00-02, cert: {issuer: CA, " \
    "serial: '0A'}}\n"
#define VIEW_TAIL "verdict: quarantine\ncode: AD1\nreason: why\n"

START_TEST(view_reads_every_field)
{
	struct ynode *t = one_record(VIEW_HEAD
	    "received_at: 2026-03-02T10:15:00Z\n" VIEW_REQ VIEW_SND VIEW_TAIL);
	struct solr_record r;
	char why[200];

	ck_assert_int_eq(rec_view(&r, t), 0);
	ck_assert_ptr_eq(r.tree, t);
	ck_assert_int_eq(r.received_at, 1772446500);
	ck_assert_uint_eq(r.has, RV_TIME | RV_SENDER | RV_IDS | RV_COMMAND |
	    RV_OBJECT | RV_BODY);
	ck_assert_str_eq(r.request.at, "2026/03/02");
	ck_assert_str_eq(r.request.schema_version, "5.1");
	ck_assert_uint_eq(r.request.originator.eui, 0x90B3D51F30010000ULL);
	ck_assert_str_eq(r.request.originator.text, "90-B3-D5-1F-30-01-00-00");
	ck_assert_uint_eq(r.request.target.eui, 0x00DB1234567890A0ULL);
	ck_assert_str_eq(r.request.counter, "1000");
	ck_assert_str_eq(r.request.srv, "2.1");
	ck_assert_int_eq(r.request.cv, 1);
	ck_assert_str_eq(r.request.body, "update-prepay-configuration");
	ck_assert_uint_eq(r.sender.eui, 0x90B3D51F30000002ULL);
	ck_assert_str_eq(r.sender_issuer, "CA");
	ck_assert_str_eq(r.sender_serial, "0A");
	ck_assert_int_eq(r.verdict, RV_QUARANTINE);
	ck_assert_str_eq(r.code, "AD1");
	ck_assert_uint_eq(rec_lacks(&r, ~0u, why, sizeof(why)), 0);
	/* the view owns its strings: a write to the tree leaves it whole */
	ck_assert_int_eq(yn_set_str(yn_get(t, "request"), "srv", "9.9"), 0);
	ck_assert_int_eq(yn_set_str(t, "code", "E2"), 0);
	ck_assert_str_eq(r.request.srv, "2.1");
	ck_assert_str_eq(r.code, "AD1");
	rec_view_free(&r);
	yn_free(t);
}
END_TEST

/* Each field spoilt in turn: the view says it is missing, and the one
 * reason names it. */
static const struct {
	const char *from, *to;
	unsigned bit;
	const char *why;
} spoilt[] = {
	{ "2026-03-02T10:15:00Z", "2026-02-30T10:15:00Z", RV_TIME,
	    "received_at is not an RFC 3339 time" },
	{ "object: 0123", "objekt: 0123", RV_OBJECT, "lacks request.object" },
	{ "body:", "bodie:", RV_BODY, "lacks request.body" },
	{ "id: 90-B3", "id: 9X-B3", RV_SENDER, "lacks sender.id" },
	{ "request_id:", "request_ld:", RV_IDS, "lacks request.request_id" },
	{ "originator: 90", "originator: 9G", RV_IDS,
	    "lacks request.originator" },
	{ "target: 00", "target: x0", RV_IDS, "lacks request.target" },
	{ "srv:", "srw:", RV_COMMAND, "lacks request.srv" },
	{ "cv: 1,", "cv: 1.5,", RV_COMMAND, "lacks request.cv" },
	{ "cv: 1,", "cv: 256,", RV_COMMAND, "lacks request.cv" },
};

START_TEST(view_names_what_is_missing)
{
	const char *good = VIEW_HEAD "received_at: 2026-03-02T10:15:00Z\n"
	    VIEW_REQ VIEW_SND VIEW_TAIL, *p;
	char text[1024], why[200];
	struct ynode *t;
	struct solr_record r;

	ck_assert_ptr_nonnull(p = strstr(good, spoilt[_i].from));
	snprintf(text, sizeof(text), "%.*s%s%s", (int)(p - good), good,
	    spoilt[_i].to, p + strlen(spoilt[_i].from));
	t = one_record(text);
	ck_assert_int_eq(rec_view(&r, t), 0);
	ck_assert_uint_eq(r.has & spoilt[_i].bit, 0);
	ck_assert_uint_eq(rec_lacks(&r, ~0u, why, sizeof(why)),
	    spoilt[_i].bit);
	ck_assert_msg(strstr(why, spoilt[_i].why) != NULL, "%s", why);
	/* a stage that does not need it is not stopped by it */
	ck_assert_uint_eq(rec_lacks(&r, ~0u & ~spoilt[_i].bit, why,
	    sizeof(why)), 0);
	rec_view_free(&r);
	yn_free(t);
}
END_TEST

/* The record layer writes request:, sender: and claimed: from their
 * structs, in the contract's order, each key as the form allows. */
START_TEST(writers_of_the_typed_parts)
{
	static char *roles[] = { "IS", "GS" };
	struct rec_header req = { .schema_version = "5.4",
	    .request_id = "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:"
	    "18446744073709551615", .originator = 0x90B3D51F30010000ULL,
	    .target = 0x00DB1234567890A0ULL, .counter = UINT64_MAX,
	    .counter_text = "18446744073709551615", .cv = 4, .srv = "2.1",
	    .body = "update-prepay-configuration" };
	struct rec_header resp = { .schema_version = "5.4", .response = 1,
	    .response_id = "", .response_code = "I0",
	    .response_datetime = "2026-03-02T10:15:00Z", .body = "response" };
	struct rec_sender snd = { .id = 0x90B3D51F30010000ULL,
	    .party = "Example", .user_roles = roles, .nuser_roles = 2,
	    .issuer = "CN=Z1", .serial = "7", .role = 0x87 };
	struct rec_claimed cl = { .request_id = "x:y:1", .srv = "" };
	struct ynode *a = rec_new(1, "a.xml", 0), *b = rec_new(2, "b.xml", 0);
	char *ta, *tb;

	ck_assert_int_eq(rec_request_set(a, &req), 0);
	ck_assert_int_eq(rec_sender_set(a, &snd), 0);
	ck_assert_int_eq(rec_request_set(b, &resp), 0);
	ck_assert_int_eq(rec_claimed_set(b, &cl), 0);
	ta = yaml_str(a);
	tb = yaml_str(b);
	ck_assert_ptr_nonnull(strstr(ta, "\n  counter: '18446744073709551615'"
	    "\n  cv: 4\n  srv: '2.1'\n  body: update-prepay-configuration\n"));
	ck_assert_ptr_nonnull(strstr(ta, "\nsender:\n  id: 90-B3-D5-1F-30-01-"
	    "00-00\n  party: Example\n  user_roles: [IS, GS]\n  status: "
	    "active\n  cert: {issuer: CN=Z1, serial: '7', role: 0x87}\n"));
	ck_assert_ptr_nonnull(strstr(tb, "\n  response_code: I0\n"));
	ck_assert_ptr_null(strstr(tb, "response_id"));
	ck_assert_ptr_null(strstr(tb, "cv:"));
	ck_assert_ptr_nonnull(strstr(tb, "claimed: {verified: false, "
	    "request_id: 'x:y:1'}"));
	free(ta);
	free(tb);
	yn_free(a);
	yn_free(b);
}
END_TEST

/* Every key of the record layer's table has its one name. */
START_TEST(every_key_named_once)
{
	int i, j;

	for (i = 0; i < RK_NKEYS; i++) {
		ck_assert_ptr_nonnull(rec_key_name((enum rec_key)i));
		for (j = 0; j < i; j++)
			ck_assert_str_ne(rec_key_name((enum rec_key)i),
			    rec_key_name((enum rec_key)j));
	}
	ck_assert_str_eq(rec_key_name(RK_COUNT), "count");
	ck_assert_str_eq(rec_key_name(RK_ADT_SHA256), "adt_sha256");
}
END_TEST

Suite *
record_suite(void)
{
	Suite *s = suite_create("record");
	TCase *tc = unit_tcase("core", 30);

	tcase_add_test(tc, reader_splits_and_recovers);
	tcase_add_test(tc, reader_bounds_a_record);
	tcase_add_loop_test(tc, reader_checks_the_envelope, 0, 10);
	tcase_add_loop_test(tc, reader_sees_line_starts_across_buffers, 0, 10);
	tcase_add_test(tc, writer_and_verdicts);
	tcase_add_test(tc, writer_reports_full_disk);
	tcase_add_loop_test(tc, reader_checks_the_seal, 0, sizeof(sealed) /
	    sizeof(sealed[0]));
	tcase_add_test(tc, writer_seals);
	tcase_add_test(tc, view_reads_every_field);
	tcase_add_test(tc, writers_of_the_typed_parts);
	tcase_add_test(tc, every_key_named_once);
	tcase_add_loop_test(tc, view_names_what_is_missing, 0,
	    sizeof(spoilt) / sizeof(spoilt[0]));
	suite_add_tcase(s, tc);
	return s;
}
