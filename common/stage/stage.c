#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stage/stage.h"
#include "base/util.h"

int
stage_init(struct stage *s, const struct stage_ops *ops, void *ctx,
    FILE *out, void (*warn)(const struct solr_err *))
{
	memset(s, 0, sizeof(*s));
	s->ops = ops;
	s->ctx = ctx;
	s->warn = warn;
	if ((s->out = rec_writer_new(out)) == NULL)
		return SOLR_ERR_NOMEM;
	return 0;
}

void
stage_status(struct stage *s, int status)
{
	if (status > s->status)
		s->status = status;
}

static void
fatal(struct stage *s, const struct solr_err *e)
{
	s->warn(e);
	stage_status(s, SOLR_EXIT_TROUBLE);
	s->stopped = 1;
}

static void
nomem(struct stage *s)
{
	struct solr_err e = { 0 };

	solr_seterr(&e, SOLR_ERR_NOMEM, "out of memory");
	fatal(s, &e);
}

static int
rejected(const struct stage *s, const struct ynode *rec)
{
	const char *v = rec_verdict(rec);

	if (v == NULL)
		return 1;
	if (strcmp(v, "accept") == 0)
		return 0;
	return s->ops->final_verdict || strcmp(v, "pass") != 0;
}

/* One record to the writer (which may hold it for the batch). */
static void
write_one(struct stage *s, struct ynode *rec)
{
	struct solr_err e = { 0 };

	if (rejected(s, rec))
		stage_status(s, SOLR_EXIT_REJECT);
	s->nwritten++;
	if (!s->broken && rec_write(s->out, rec) != 0) {
		solr_seterr_at(&e, SOLR_ERR_IO, "(stdout)", 0,
		    "write error: %s", strerror(rec_writer_errno(s->out)));
		fatal(s, &e);
		s->broken = 1;
	}
	if (s->tally != NULL)
		s->tally(s->tally_arg, rec);
	yn_free(rec);
}

/* The writer's error, said as standard output's (its message copied
 * first: e's own text cannot be formatted into itself). */
static void
stdout_error(struct stage *s, struct solr_err *e)
{
	char msg[sizeof(e->msg)];

	snprintf(msg, sizeof(msg), "%s", e->msg);
	solr_seterr_at(e, SOLR_ERR_IO, "(stdout)", 0, "%s", msg);
	s->warn(e);
}

static void
drop_held(struct stage *s)
{
	while (s->nheld > 0)
		yn_free(s->held[--s->nheld]);
}

static void
batch_message(struct stage *s, const char *fmt, size_t n)
{
	struct solr_err e = { 0 };

	solr_seterr(&e, SOLR_ERR_IO, fmt, n, s->ops->state);
	s->warn(&e);
}

/* Group commit: the state the held records depend on goes to disk, then
 * the records go out; when none of them could, the state is taken back. */
static void
commit(struct stage *s)
{
	struct solr_err e = { 0 };
	size_t i, n = s->nheld, sent = 0;
	int r;

	if (n == 0)
		return;
	if ((r = s->ops->sync(s->ctx, s->held, n, &e)) != 0)
		s->warn(&e);
	else {
		rec_writer_hold(s->out);
		for (i = 0; i < n; i++)
			write_one(s, s->held[i]);
		s->nheld = 0;
		if ((r = rec_writer_release(s->out, &sent, &e)) != 0)
			stdout_error(s, &e);
	}
	drop_held(s);
	if (r == 0) {
		s->ops->commit(s->ctx);
		return;
	}
	stage_status(s, SOLR_EXIT_TROUBLE);
	s->stopped = s->broken = 1;
	if (sent > 0)
		batch_message(s, "part of a batch of %zu records was written "
		    "before the error; its %s stay", n);
	else if (s->ops->undo(s->ctx) != 0)
		batch_message(s, "none of a batch of %zu records was written, "
		    "but its %s stay: another process wrote after them", n);
	else
		batch_message(s, "none of a batch of %zu records was written, "
		    "and its %s are taken back", n);
}

static void
hold(struct stage *s, struct ynode *rec)
{
	if (s->ops->sync == NULL) {
		write_one(s, rec);
		return;
	}
	if (s->broken) {
		yn_free(rec);
		return;
	}
	s->held[s->nheld++] = rec;
	if (s->nheld == STAGE_BATCH)
		commit(s);
}

void
stage_emit(struct stage *s, struct ynode *rec)
{
	if (rec == NULL) {
		nomem(s);
		return;
	}
	hold(s, rec);
}

/* The record read into its fields once, the checks every stage shares
 * made here, then the stage's own decision. */
static int
decide(struct stage *s, struct ynode *rec, struct solr_err *e)
{
	struct solr_record r;
	char why[DECISION_REASON_MAX];
	unsigned long oom;
	int rc;

	if (rec_view(&r, rec) != 0)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	if (r.verdict == RV_PASS && rec_lacks(&r, s->ops->needs, why,
	    sizeof(why)) != 0)
		rc = rec_reject(rec, s->ops->name, NULL, why) != 0 ?
		    solr_seterr(e, SOLR_ERR_NOMEM, "out of memory") : 0;
	else {
		oom = solr_oom_count();
		rc = stage_oom_guard(rec, s->ops->name, oom, s->ops->decide(
		    s->ctx, &r, e), SOLR_ERR_NOMEM, e);
	}
	rec_view_free(&r);
	return rc;
}

int
stage_oom_guard(struct ynode *rec, const char *stage, unsigned long before,
    int rc, int fail, struct solr_err *e)
{
	if (solr_oom_count() == before)
		return rc;
	/* a library ran out of memory while the record was decided: what
	 * it answered is no verdict on the record */
	if (rec_reject(rec, stage, NULL, "out of memory while it was decided "
	    "(not the record's fault): decided again, it may pass") != 0)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	solr_seterr(e, SOLR_ERR_NOMEM, "out of memory (a library could not "
	    "allocate while a record was decided)");
	return fail;
}

void
stage_put(struct stage *s, struct ynode *rec)
{
	struct solr_err e = { 0 };
	char why[sizeof(e.file) + sizeof(e.msg) + 16];
	int r;

	if (rec == NULL) {
		nomem(s);
		return;
	}
	if (s->ops->every_record || rec_is_pass(rec)) {
		r = decide(s, rec, &e);
		if (r == SOLR_ERR_TROUBLE) {
			s->warn(&e);
			stage_status(s, SOLR_EXIT_TROUBLE);
		} else if (r < 0) {
			/* the record that met the error is kept, rejected */
			fatal(s, &e);
			if (rec_is_pass(rec) && rec_reject(rec, s->ops->name,
			    NULL, solr_err_text(&e, why, sizeof(why))) != 0) {
				yn_free(rec);
				return;
			}
		}
		if (s->replay && rec_replay_note(rec, s->ops->name) != 0) {
			nomem(s);
			yn_free(rec);
			return;
		}
	}
	hold(s, rec);
}

void
stage_seal(struct stage *s, struct solr_sealer *sealer)
{
	s->sealer = sealer;
	rec_writer_seal(s->out, sealer);
}

void
stage_foreign(struct stage *s, struct solr_sealer *sealer, const char *why)
{
	s->foreign = sealer;
	s->foreign_why = why;
}

/* Before the reader waits for input, even in the middle of a record: the
 * batch so far leaves, and what its state holds locked is let go. */
static void
idle(void *arg)
{
	struct stage *s = arg;

	if (!s->broken && s->nheld > 0)
		commit(s);
}

struct rec_reader *
stage_reader(struct stage *s, FILE *f, const char *name)
{
	struct rec_reader *rd;

	if (s->ops->sync != NULL)
		setvbuf(f, NULL, _IONBF, 0);
	if ((rd = rec_reader_new(f, name)) != NULL && s->ops->sync != NULL) {
		rec_reader_raw(rd);
		rec_reader_idle(rd, idle, s);
	}
	if (rd != NULL && s->sealer != NULL) {
		rec_reader_seal(rd, s->sealer);
		if (s->foreign != NULL)
			rec_reader_foreign(rd, s->foreign, s->foreign_why);
	}
	return rd;
}

/* A record whose seal failed: its place in the stream is kept, with the
 * sequence number and source it claims, and nothing else it says. */
static void
unsealed(struct stage *s, struct ynode *claimed, const char *where,
    const struct solr_err *e)
{
	const struct ynode *src = rec_part(claimed, RK_SOURCE);
	int64_t seq = claimed ? rec_seq(claimed) : 0;

	s->warn(e);
	stage_emit(s, rec_new_unreadable(seq >= 1 ? seq : s->nread, src &&
	    yn_is_scalar(src) && !yn_is_null(src) ? src->str : where,
	    s->ops->name, e->msg));
	yn_free(claimed);
}

void
stage_run(struct stage *s, struct rec_reader *rd)
{
	struct solr_err e = { 0 };
	struct ynode *rec;
	char src[64];
	int r, line;

	while (!s->stopped && (r = rec_read(rd, &rec, &line, &e)) != REC_EOF) {
		s->nread++;
		snprintf(src, sizeof(src), "%s:%d", rec_reader_name(rd), line);
		if (r == REC_OK)
			stage_put(s, rec);
		else if (r == REC_UNSEALED)
			unsealed(s, rec, src, &e);
		else if (r == REC_BAD) {
			/* kept as a rejection: nothing vanishes */
			s->warn(&e);
			stage_emit(s, rec_new_unreadable(s->nread, src,
			    s->ops->name, e.msg));
		} else {
			fatal(s, &e);
			break;
		}
		if (s->nheld > 0 && !rec_reader_waiting(rd))
			commit(s);
	}
}

int
stage_finish(struct stage *s)
{
	struct solr_err e = { 0 };

	if (!s->broken && s->nheld > 0)
		commit(s);
	drop_held(s);
	/* exit 0 means something was checked: an input with nothing in it
	 * is not a batch that passed */
	if (s->nwritten == 0 && s->status == SOLR_EXIT_PASS) {
		solr_seterr(&e, SOLR_ERR_FORMAT, "nothing was checked: %s",
		    s->empty_why ? s->empty_why : "no record on standard input");
		s->warn(&e);
		stage_status(s, SOLR_EXIT_REJECT);
		solr_err_clear(&e);
	}
	if (rec_writer_finish(s->out, &e) != 0) {
		stdout_error(s, &e);
		stage_status(s, SOLR_EXIT_TROUBLE);
	}
	return s->status;
}

void
stage_free(struct stage *s)
{
	drop_held(s);
	rec_writer_free(s->out);
	s->out = NULL;
}

struct ynode *
rec_decide(struct ynode *rec, const char *stage, const struct decision *d)
{
	struct ynode *st;
	const char *code = duis_code_name(d->code);

	switch (d->verdict) {
	case VERDICT_PASS:
		return rec_stage_pass(rec, stage);
	case VERDICT_SKIPPED:
		if ((st = rec_stage_pass(rec, stage)) == NULL ||
		    rec_put(st, RK_RESULT, yn_new_plain("skipped")) != 0)
			return NULL;
		return st;
	case VERDICT_REJECT:
		if (rec_reject(rec, stage, code, d->reason) != 0)
			return NULL;
		break;
	case VERDICT_QUARANTINE:
		if (rec_quarantine(rec, stage, code, d->reason) != 0)
			return NULL;
		break;
	}
	return rec_stage(rec, stage);
}
