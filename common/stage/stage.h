/*
 * Layer stage: may use base, store, prepay, world, duis, gbcs.  The one
 * stage driver every pipeline tool runs on.
 *
 * The one stage driver: every pipeline tool reads records, passes on
 * what is already final, decides the rest with its own function, and
 * writes each record out; a stage that keeps state (counts, ledger, SAT)
 * holds a batch of records until that state is on disk (group commit)
 * and takes the state back when none of the batch could leave.
 */
#ifndef SOLR_STAGE_H
#define SOLR_STAGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/decision.h"
#include "base/err.h"
#include "store/record.h"
#include "store/recview.h"
#include "base/ytree.h"

#define STAGE_BATCH 128		/* records in one group commit at most */

struct stage_ops {
	const char *name;	/* stages.<name> in the record */
	/* Decides one record (only records that still pass, unless
	 * every_record), read once into r by the driver, and writes the
	 * decision into it.  0; SOLR_ERR_TROUBLE when it was rejected because
	 * its check could not run (a world file, the object store: e says
	 * why, the stream goes on and the run ends with exit 2); or another
	 * negative SOLR_ERR_* that ends the run after this record. */
	int (*decide)(void *ctx, struct solr_record *r, struct solr_err *e);
	/* RV_* a record that still passes must have: the driver rejects
	 * one without them, with the one reason rec_lacks gives, and
	 * decide never sees it. */
	unsigned needs;
	/* Group commit (NULL for a stage without state): make the state
	 * the batch's records depend on durable; then commit, or undo (0
	 * when it could take the state back). */
	int (*sync)(void *ctx, struct ynode **recs, size_t n,
	    struct solr_err *e);
	void (*commit)(void *ctx);
	int (*undo)(void *ctx);
	const char *state;	/* "counts", "ledger and SAT entries" */
	int every_record;	/* decide sees final records too */
	int final_verdict;	/* "accept" is the only verdict that passes */
};

struct stage {
	const struct stage_ops *ops;
	void *ctx;
	int replay;		/* note whether each result is the recorded one */
	/* diagnostics go through the caller: common/ never prints */
	void (*warn)(const struct solr_err *e);
	struct rec_writer *out;
	int status;		/* SOLR_EXIT_* so far */
	int stopped;		/* a fatal error: read no more */
	int broken;		/* the output failed: write no more */
	int64_t nread;		/* records read (for seq of unreadable ones) */
	int64_t nwritten;	/* records written: none is exit 1 */
	const char *empty_why;	/* what was empty, for that message */
	struct ynode *held[STAGE_BATCH];
	size_t nheld;
	struct solr_sealer *sealer;	/* the world's record key */
	struct solr_sealer *foreign;	/* the other seal domain's */
	const char *foreign_why;
	/* told of each record as it is written (--progress) */
	void (*tally)(void *arg, const struct ynode *rec);
	void *tally_arg;
};

/* out: where the records go.  Returns SOLR_ERR_NOMEM. */
int stage_init(struct stage *s, const struct stage_ops *ops, void *ctx,
    FILE *out, void (*warn)(const struct solr_err *));
/* Records read must carry the world's seal, and records written get it
 * (solr-records(5)); a record whose seal fails is rejected, and nothing
 * it claims is acted on. */
void stage_seal(struct stage *s, struct solr_sealer *sealer);
/* Records of the other seal domain are refused with why. */
void stage_foreign(struct stage *s, struct solr_sealer *sealer,
    const char *why);
/* A reader of f for stage_run; a stage with group commit reads f
 * without stdio's buffer, so that it can tell when no input waits. */
struct rec_reader *stage_reader(struct stage *s, FILE *f, const char *name);
/* Reads every record of rd and passes each through the stage. */
void stage_run(struct stage *s, struct rec_reader *rd);
/* A record the caller made (the first stage's documents): decided like
 * one that was read, unless it is final already. */
void stage_put(struct stage *s, struct ynode *rec);
/* A record written as it is (the caller decided it). */
void stage_emit(struct stage *s, struct ynode *rec);
/* Commits what is held and ends the stream; returns the exit status,
 * which is 1, said on stderr, when no record at all was written. */
int stage_finish(struct stage *s);
void stage_free(struct stage *s);
/* After a record was decided, given solr_oom_count() from before: when a
 * library ran out of memory meanwhile, whatever it answered is no
 * verdict, and the record is rejected as not its fault, e says so, and
 * fail is returned; otherwise rc. */
int stage_oom_guard(struct ynode *rec, const char *stage,
    unsigned long before, int rc, int fail, struct solr_err *e);
/* Raises the exit status (never lowers it). */
void stage_status(struct stage *s, int status);

/* Writes a decision into the record: verdict, code and reason, and
 * stages.<stage>.  Returns the stage's result map, or NULL on no memory. */
struct ynode *rec_decide(struct ynode *rec, const char *stage,
    const struct decision *d);

#endif
