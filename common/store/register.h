/* The register of decided requests that a stage with state keeps (a
 * ledger of its own, solr-world(5)): for each RequestID (originator,
 * counter, target) the document first decided under it and that first
 * decision.  The same document again is a duplicate and gets the first
 * decision again, with nothing counted or made; another document under a
 * RequestID already used is a replay, and is refused. */
#ifndef SOLR_REGISTER_H
#define SOLR_REGISTER_H

#include <stdint.h>

#include "base/err.h"
#include "store/ledger.h"
#include "store/recview.h"
#include "base/ytree.h"

struct reg_key {
	uint64_t originator, counter, target;
	unsigned char sha[32];	/* of the document (request.object) */
	const char *request_id;
};

/* The key of a record whose sender may use its RequestID: 0, or -1 when
 * it has no RequestID and object, or when its sender was not found
 * entitled to the Business Originator's RequestIDs (solr-verify-sig did
 * not pass it, or solr-failed-suppliers did not pass or skip it), so that
 * nobody can take a RequestID from the party it belongs to. */
int reg_key_of(const struct solr_record *rec, struct reg_key *k);

/* What the register holds for a key. */
enum reg_found {
	REG_NEW,	/* nothing: the record is the first */
	REG_DUPLICATE,	/* the first decision for the same document */
	REG_REPLAY,	/* a decision for another document: a replay */
};
/* Looks the key up into *found: with REG_DUPLICATE the first decision in
 * *first (the caller frees it), with REG_REPLAY the reason in *e's
 * message (a second document for the RequestID).  0 or a negative
 * SOLR_ERR_*. */
int reg_find(struct ledger *l, const struct reg_key *k, struct ynode **first,
    enum reg_found *found, struct solr_err *e);
/* Registers the record's decision as the first for its key; fields names
 * the keys of the record (dotted paths) kept with it besides seq,
 * received_at, source, verdict, code and reason.  *found is REG_NEW when
 * it did; REG_DUPLICATE or REG_REPLAY when another process registered the
 * key since reg_find (the caller takes back what it did and decides
 * again).  0 or a negative SOLR_ERR_*. */
int reg_put(struct ledger *l, const struct reg_key *k, const struct ynode *rec,
    const char *const *fields, enum reg_found *found, struct solr_err *e);
/* A copy of a field reg_put kept, in flow style (as a stage writes its
 * entry); NULL when it is not there. */
struct ynode *reg_first_field(const struct ynode *first, const char *field);
/* The key's lock, across processes (a byte of the register's live file,
 * locked with an open file description lock): held from reg_find to
 * reg_put, so that two processes never both decide one RequestID.  With
 * the register held for a batch (ledger_hold), a lock another process has
 * is waited for only after the register is let go.  No-op for a register
 * in memory. */
int reg_lock(struct ledger *l, const struct reg_key *k, struct solr_err *e);
/* The key's lock if no other process has it: 0, or -1 (nothing waited
 * on, nothing let go).  A caller that holds more than the register lets
 * that go too before reg_lock waits. */
int reg_trylock(struct ledger *l, const struct reg_key *k);
void reg_unlock(struct ledger *l, const struct reg_key *k);
/* duplicate_of: the first one's seq, received_at and source. */
struct ynode *reg_duplicate_of(const struct ynode *first);

#endif
