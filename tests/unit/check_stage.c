/* The stage driver: one record out for each in, in order; final records
 * passed on untouched; a record that cannot be read kept as a rejection;
 * the exit status; and group commit, with the state taken back when no
 * record of a batch could leave. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stage/stage.h"
#include "unit.h"

struct fake {
	int decided, synced, committed, undone;
	int answer;		/* what decide returns for record seq 2 */
	int sync_fails, undo_fails;
	size_t batch_sizes[8], nbatches;
};

static int
fake_decide(void *ctx, struct solr_record *rec, struct solr_err *e)
{
	struct fake *f = ctx;
	struct decision d;

	f->decided++;
	if (rec_seq(rec->tree) == 2 && f->answer != 0) {
		solr_seterr(e, SOLR_ERR_IO, "record 2 met an error");
		return f->answer;
	}
	if (rec_seq(rec->tree) == 3)
		decision_reject(&d, DUIS_E65, "three is rejected");
	else
		decision_pass(&d);
	return rec_decide(rec->tree, "fake", &d) ? 0 : SOLR_ERR_NOMEM;
}

static int
fake_sync(void *ctx, struct ynode **recs, size_t n, struct solr_err *e)
{
	struct fake *f = ctx;

	(void)recs;
	f->synced++;
	if (f->nbatches < 8)
		f->batch_sizes[f->nbatches++] = n;
	if (f->sync_fails)
		return solr_seterr(e, SOLR_ERR_IO, "state: fsync failed");
	return 0;
}

static void
fake_commit(void *ctx)
{
	((struct fake *)ctx)->committed++;
}

static int
fake_undo(void *ctx)
{
	struct fake *f = ctx;

	f->undone++;
	return f->undo_fails ? -1 : 0;
}

static const struct stage_ops plain = { .name = "fake",
	.decide = fake_decide };
static const struct stage_ops batched = { .name = "fake",
	.decide = fake_decide, .sync = fake_sync, .commit = fake_commit,
	.undo = fake_undo, .state = "fake state" };
static const struct stage_ops every = { .name = "fake",
	.decide = fake_decide, .every_record = 1 };
static const struct stage_ops needy = { .name = "fake",
	.decide = fake_decide, .needs = RV_TIME | RV_SENDER | RV_IDS };

static char warnings[4096];

static void
warn(const struct solr_err *e)
{
	size_t l = strlen(warnings);

	snprintf(warnings + l, sizeof(warnings) - l, "%s: %s|", e->file,
	    e->msg);
}

#define REC(seq, verdict) "---\nrecord: 1\nseq: " #seq "\nsource: s" #seq \
    "\nverdict: " verdict "\ncode: null\nreason: null\nstages: {}\n"

/* Runs ops over the input; returns the output, and the status in *st. */
static char *
run(const struct stage_ops *ops, struct fake *f, const char *input, int *st)
{
	FILE *in = tmpfile(), *out = tmpfile();
	struct stage s;
	struct rec_reader *rd;
	char *text;
	long n;

	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_nonnull(out);
	fputs(input, in);
	rewind(in);
	warnings[0] = '\0';
	ck_assert_int_eq(stage_init(&s, ops, f, out, warn), 0);
	ck_assert_ptr_nonnull(rd = stage_reader(&s, in, "(in)"));
	stage_run(&s, rd);
	*st = stage_finish(&s);
	rec_reader_free(rd);
	stage_free(&s);
	fflush(out);
	n = ftell(out);
	text = calloc(1, (size_t)n + 1);
	rewind(out);
	ck_assert_uint_eq(fread(text, 1, (size_t)n, out), (size_t)n);
	fclose(in);
	fclose(out);
	return text;
}

static int
count(const char *s, const char *what)
{
	int n = 0;

	for (; (s = strstr(s, what)) != NULL; s++)
		n++;
	return n;
}

START_TEST(conserved_in_order)
{
	struct fake f = { 0 };
	char *out;
	int st;

	out = run(&plain, &f, REC(1, "pass") REC(2, "pass") REC(3, "pass")
	    "---\nnot: [a record\n" REC(5, "reject"), &st);
	ck_assert_int_eq(count(out, "\n---\n") + (strncmp(out, "---", 3) == 0),
	    5);
	ck_assert_ptr_nonnull(strstr(out, "seq: 1"));
	ck_assert(strstr(out, "seq: 1") < strstr(out, "seq: 2"));
	ck_assert(strstr(out, "seq: 3") < strstr(out, "source: (in):"));
	ck_assert(strstr(out, "source: (in):") < strstr(out, "seq: 5"));
	/* decided: 1, 2, 3; the final one and the unreadable one are not */
	ck_assert_int_eq(f.decided, 3);
	ck_assert_int_eq(count(out, "fake: {result: pass}"), 2);
	ck_assert_int_eq(count(out, "fake: {result: reject, code: E65}"), 1);
	ck_assert_int_eq(count(out, "fake: {result: reject}"), 1);
	ck_assert_int_eq(st, SOLR_EXIT_REJECT);
	ck_assert_ptr_nonnull(strstr(warnings, "(in)"));
	free(out);
}
END_TEST

START_TEST(final_records_untouched)
{
	struct fake f = { 0 };
	char *out;
	int st;

	out = run(&plain, &f, REC(1, "reject") REC(2, "quarantine")
	    REC(4, "accept"), &st);
	ck_assert_int_eq(f.decided, 0);
	ck_assert_ptr_null(strstr(out, "fake:"));
	ck_assert_int_eq(st, SOLR_EXIT_REJECT);
	free(out);
	out = run(&every, &f, REC(1, "reject"), &st);
	ck_assert_int_eq(f.decided, 1);
	free(out);
}
END_TEST

START_TEST(all_pass_is_zero)
{
	struct fake f = { 0 };
	char *out = NULL;
	int st;

	out = run(&plain, &f, REC(1, "pass") REC(2, "pass"), &st);
	ck_assert_int_eq(st, SOLR_EXIT_PASS);
	free(out);
}
END_TEST

/* exit 0 means something was checked: nothing in, exit 1 */
START_TEST(empty_is_not_pass)
{
	struct fake f = { 0 };
	char *out = NULL;
	int st;

	out = run(&plain, &f, "", &st);
	ck_assert_int_eq(st, SOLR_EXIT_REJECT);
	ck_assert_str_eq(out, "");
	free(out);
}
END_TEST

#define HEAD(seq) "---\nrecord: 1\nseq: " #seq "\nsource: s" #seq "\n"
#define TAIL "verdict: pass\ncode: null\nreason: null\nstages: {}\n"
#define IDS "request: {request_id: '00-00-00-00-00-00-00-01:00-00-00-00-00-" \
    "00-00-02:1', originator: 00-00-00-00-00-00-00-01, target: " \
    "00-00-00-00-00-00-00-02}\n"

/* The checks every stage shares are the driver's: a stage that needs the
 * sender, the request's ids and the time never sees a record without
 * them, and each refusal names what is missing. */
START_TEST(driver_checks_needs)
{
	struct fake f = { 0 };
	char *out;
	int st;

	out = run(&needy, &f,
	    HEAD(1) "received_at: 2026-03-02T10:00:00Z\n" IDS
	    "sender: {id: 00-00-00-00-00-00-00-03}\n" TAIL
	    HEAD(2) "received_at: yesterday\n" IDS
	    "sender: {id: 00-00-00-00-00-00-00-03}\n" TAIL
	    HEAD(3) "received_at: 2026-03-02T10:00:00Z\n" IDS TAIL
	    HEAD(4) "received_at: 2026-03-02T10:00:00Z\n"
	    "request: {request_id: x, originator: nonsense, target: "
	    "00-00-00-00-00-00-00-02}\n"
	    "sender: {id: 00-00-00-00-00-00-00-03}\n" TAIL, &st);
	ck_assert_int_eq(f.decided, 1);
	ck_assert_int_eq(count(out, "fake: {result: pass}"), 1);
	ck_assert_ptr_nonnull(strstr(out, "received_at is not an RFC 3339"));
	ck_assert_ptr_nonnull(strstr(out, "lacks sender.id: solr-verify-sig "
	    "must run first"));
	ck_assert_ptr_nonnull(strstr(out, "lacks request.originator:"));
	ck_assert_int_eq(st, SOLR_EXIT_REJECT);
	free(out);
}
END_TEST

/* what decide says for record 2, and what follows */
static const struct {
	int answer, status, records, warned;
} answers[] = {
	{ SOLR_ERR_TROUBLE, SOLR_EXIT_TROUBLE, 3, 1 },	/* goes on */
	{ SOLR_ERR_IO, SOLR_EXIT_TROUBLE, 2, 1 },	/* stops after it */
};

START_TEST(decide_errors)
{
	struct fake f = { 0 };
	char *out;
	int st;

	f.answer = answers[_i].answer;
	out = run(&plain, &f, REC(1, "pass") REC(2, "pass") REC(3, "pass"),
	    &st);
	ck_assert_int_eq(st, answers[_i].status);
	ck_assert_int_eq(count(out, "seq: "), answers[_i].records);
	ck_assert_int_eq(strstr(warnings, "record 2 met an error") != NULL,
	    answers[_i].warned);
	if (answers[_i].answer != SOLR_ERR_TROUBLE)
		/* the record that met the error is kept, rejected */
		ck_assert_ptr_nonnull(strstr(out, "reason: record 2 met an "
		    "error"));
	free(out);
}
END_TEST

START_TEST(group_commit)
{
	struct fake f = { 0 };
	char input[STAGE_BATCH * 3 * 100] = "", one[128];
	char *out;
	int st, i;

	for (i = 1; i <= STAGE_BATCH + 5; i++) {
		snprintf(one, sizeof(one), "---\nrecord: 1\nseq: %d\nsource: "
		    "s\nverdict: pass\ncode: null\nreason: null\nstages: "
		    "{}\n", i);
		strcat(input, one);
	}
	out = run(&batched, &f, input, &st);
	ck_assert_int_eq(count(out, "seq: "), STAGE_BATCH + 5);
	ck_assert_int_eq(f.synced, f.committed);
	ck_assert_int_ge(f.synced, 2);
	for (i = 0; i < (int)f.nbatches; i++)
		ck_assert_uint_le(f.batch_sizes[i], STAGE_BATCH);
	ck_assert_int_eq(f.undone, 0);
	free(out);
}
END_TEST

START_TEST(nothing_leaves_before_sync)
{
	struct fake f = { 0 };
	char *out;
	int st;

	f.sync_fails = 1;
	out = run(&batched, &f, REC(1, "pass") REC(2, "pass"), &st);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(st, SOLR_EXIT_TROUBLE);
	ck_assert_int_eq(f.undone, 1);
	ck_assert_int_eq(f.committed, 0);
	ck_assert_ptr_nonnull(strstr(warnings, "state: fsync failed"));
	ck_assert_ptr_nonnull(strstr(warnings, "its fake state are taken "
	    "back"));
	free(out);
	memset(&f, 0, sizeof(f));
	f.sync_fails = f.undo_fails = 1;
	out = run(&batched, &f, REC(1, "pass"), &st);
	ck_assert_str_eq(out, "");
	ck_assert_ptr_nonnull(strstr(warnings, "another process wrote after "
	    "them"));
	free(out);
}
END_TEST

static const struct {
	enum verdict verdict;
	enum duis_code code;
	const char *verdict_text, *stage_text;
} decisions[] = {
	{ VERDICT_PASS, DUIS_NONE, "pass", "{result: pass}" },
	{ VERDICT_SKIPPED, DUIS_NONE, "pass", "{result: skipped}" },
	{ VERDICT_REJECT, DUIS_E020101, "reject",
	    "{result: reject, code: E020101}" },
	{ VERDICT_REJECT, DUIS_NONE, "reject", "{result: reject}" },
	{ VERDICT_QUARANTINE, DCC_AD1, "quarantine",
	    "{result: quarantine, code: AD1}" },
};

START_TEST(decision_into_record)
{
	struct ynode *rec = rec_new(1, "s", 0);
	struct decision d = { decisions[_i].verdict, decisions[_i].code,
	    "why" };
	char *y, want[128];

	ck_assert_ptr_nonnull(rec_decide(rec, "st", &d));
	ck_assert_str_eq(rec_verdict(rec), decisions[_i].verdict_text);
	y = yaml_str(yn_get(rec, "stages"));
	snprintf(want, sizeof(want), "st: %s", decisions[_i].stage_text);
	ck_assert_msg(strstr(y, want) != NULL, "'%s' lacks '%s'", y, want);
	if (d.verdict >= VERDICT_REJECT) {
		ck_assert_str_eq(yn_get_str(rec, "reason"), "why");
		if (d.code != DUIS_NONE)
			ck_assert_str_eq(yn_get_str(rec, "code"),
			    duis_code_name(d.code));
		else
			ck_assert_ptr_null(yn_get_str(rec, "code"));
	}
	free(y);
	yn_free(rec);
}
END_TEST

Suite *
stage_suite(void)
{
	Suite *s = suite_create("stage");
	TCase *tc = unit_tcase("core", 30);

	tcase_add_test(tc, conserved_in_order);
	tcase_add_test(tc, final_records_untouched);
	tcase_add_test(tc, all_pass_is_zero);
	tcase_add_test(tc, empty_is_not_pass);
	tcase_add_test(tc, driver_checks_needs);
	tcase_add_loop_test(tc, decide_errors, 0, sizeof(answers) /
	    sizeof(answers[0]));
	tcase_add_test(tc, group_commit);
	tcase_add_test(tc, nothing_leaves_before_sync);
	tcase_add_loop_test(tc, decision_into_record, 0, sizeof(decisions) /
	    sizeof(decisions[0]));
	suite_add_tcase(s, tc);
	return s;
}
