/* The Service Audit Trail: a hash-chained log of final records, with every
 * object they reference, in one directory an auditor can take anywhere. */
#ifndef SOLR_SAT_H
#define SOLR_SAT_H

#include <sys/stat.h>
#include <sys/types.h>

#include <limits.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"
#include "store/objstore.h"
#include "base/util.h"
#include "base/ytree.h"

#define SOLR_TRAIL_ID_HEX 33	/* 16 random bytes in hex, and a NUL */

struct sat {
	int fd;
	char dir[PATH_MAX];
	char log[PATH_MAX];
	struct solr_objstore objects;
	int unsynced;
	struct solr_appended app;	/* appended, not yet committed */
	int64_t cut;	/* bytes of a torn last entry cut at open */
	uint64_t cut_unsigned;	/* entries after the signed head, cut */
	struct solr_buf old_head;	/* the head before this batch's */
	struct solr_buf my_head;	/* the head this batch wrote */
	int had_head, head_changed;
	uint64_t n_before;	/* entries before this batch's first */
	int live_fd;		/* sat/live, held shared while open */
	int alone;		/* no other writer had it open at ours */
	/* the writer's: the world's trail key, which MACs each entry, and
	 * where the world keeps the last head it signed for each trail */
	unsigned char key[32];
	char heads[PATH_MAX];
	char trail[SOLR_TRAIL_ID_HEX];	/* the head's trail id */
	/* the entries checked (chain and MAC) so far: the first vn, ending
	 * at offset voff with hash vhash; and as they were before this
	 * batch's head, for a take-back */
	struct sat_pos { uint64_t n; char hash[SOLR_SHA256_HEX]; int64_t off; }
	    v, old_v;
	/* where this writer's last entry ended: while the log is that file
	 * and that size, no one appended after it, and the next entry
	 * follows it without reading the log's tail again.  Anything that
	 * cuts the log clears it. */
	struct sat_end { int valid; dev_t dev; ino_t ino; int64_t size;
	    uint64_t n; char hash[SOLR_SHA256_HEX]; } end;
	/* the writer's, or NULL: called under the log's lock before each
	 * entry is written, for what must be read in the order the entries
	 * are in (the device inventory a decision was made with, which
	 * only grows along the trail); nonzero: out of memory */
	int (*locked_fill)(void *arg, struct ynode *body);
	void *locked_arg;
	/* between sat_batch_begin and sat_batch_end: the log locked, the
	 * chain going on from batch_n and batch_prev, the entries' text
	 * held to be written at the end */
	int batch;
	struct stat batch_st;
	uint64_t batch_n, batch_n0;
	char batch_prev[SOLR_SHA256_HEX];
	struct solr_buf batch_text;
	int batch_entries;
	/* the names last copied without looking (SAT_COPY_NEW), one a slot
	 * by their first bytes: the same bytes fed again in a run (a
	 * document refused before any register kept it) are copied once */
	unsigned char (*copied)[32];
};

/* Under the lock: the number of entries and the last hash. */
int sat_tail(struct sat *s, uint64_t *n, char last[SOLR_SHA256_HEX],
    struct solr_err *e);

/* Opens (creating) the bundle for a writer of the world: key is the
 * world's trail key (each entry carries its MAC), world where the last
 * signed heads are kept (state/sat-heads).  The directory and its files
 * must be the owner's alone (solr_guard).  A last entry that is torn (its
 * write did not finish, so no record left after it) is cut: s->cut says
 * how much. */
int sat_open(const char *dir, const unsigned char key[32], const char *world,
    struct sat *s, struct solr_err *e);
/* Copies one object into the bundle from src (at: where it lies, or
 * NULL), checked against its name. */
/* How an object goes into the bundle: looked for there first (one an
 * earlier entry may have named: a duplicate's), or, when the decision
 * made it or read it first, copied without looking, so that no table of
 * the bundle's names is read into memory (should it be there already,
 * a second copy harms nothing). */
enum sat_copy { SAT_COPY_ONCE, SAT_COPY_NEW };
#define SAT_COPIED_SLOTS 4096
int sat_place(struct sat *s, struct solr_objstore *src, const char *name,
    const char *at, enum sat_copy how, struct solr_err *e);
/* Appends body (a mapping: the entry without n, prev and hash) under the
 * lock, after copying each object named in objects into the bundle:
 * from bytes[i] when the caller holds them (NULL, or a NULL entry: read
 * from src where at[i] says), bytes that hash to their name. */
int sat_append(struct sat *s, struct ynode *body, struct solr_objstore *src,
    char **objects, char **at, const struct solr_buf *const *bytes,
    size_t nobjects, enum sat_copy how, struct solr_err *e);
/* A batch's entries under one lock: sat_batch_begin locks the log and
 * finds where the chain goes on; each sat_append between adds its entry
 * to the batch; sat_batch_end writes the bundle's objects, then the
 * entries in one write (keep 0: none of them, after a failure), and
 * lets the log go.  Another writer waits for the batch. */
int sat_batch_begin(struct sat *s, struct solr_err *e);
int sat_batch_end(struct sat *s, int keep, struct solr_err *e);
/* The entries appended since the last sync to disk.  Nothing they record
 * may leave before.  Then sat_commit, or sat_take_back to take them back
 * (see solr_appended_undo). */
int sat_sync(struct sat *s, struct solr_err *e);
void sat_commit(struct sat *s);
/* Takes the batch back: its entries, and the head it wrote, only when no
 * other writer has built on them (appended after them, or signed a head
 * that covers them).  0; SOLR_ERR_VERIFY when they stay, or another
 * negative SOLR_ERR_*. */
int sat_take_back(struct sat *s, struct solr_err *e);
int sat_close(struct sat *s, struct solr_err *e);

/* The log's last entry, under the lock, its hash and its MAC checked,
 * as a tree (NULL for an empty log).  The caller frees it. */
int sat_last_entry(struct sat *s, struct ynode **out, struct solr_err *e);

/* What an entry records beside its place in the chain (solr-sat(5)): the
 * moment, the sender as actor, the tool, the world inputs that decided,
 * the record and the objects.  The record stays the caller's (the body
 * borrows it until sat_body_free); the lists are the body's from
 * sat_body_new on, made or not. */
struct sat_world_in {	/* the world inputs, by their hashes */
	const char *policy_sha256, *registry_sha256;
	const char *instructions_sha256;	/* NULL: none */
	const char *failed_suppliers_version, *failed_suppliers_sha256;
	const char *adt_sha256, *instruction;	/* NULL: none */
	const char *certificate_serials[3];	/* NULL: none */
};
struct sat_body_in {
	const char *at, *actor, *tool;
	const struct sat_world_in *world;
	struct ynode *record;
	struct ynode *objects, *objects_missing;	/* lists; missing NULL:
							 * none */
};
/* The body sat_append takes (NULL: out of memory), and its release,
 * which gives the record back to the caller. */
struct ynode *sat_body_new(const struct sat_body_in *in);
void sat_body_free(struct ynode *body);
/* The device inventory a decision was made with, into the body's world
 * (under the lock: locked_fill). */
int sat_body_inventory(struct ynode *body, uint64_t n,
    const char head[SOLR_SHA256_HEX]);
/* What an entry holds: its number, actor, world and record, and the
 * objects it names (NULL or 0 when it has none). */
uint64_t sat_entry_n(const struct ynode *entry);
const char *sat_entry_actor(const struct ynode *entry);
const struct ynode *sat_entry_world(const struct ynode *entry);
struct ynode *sat_entry_record(const struct ynode *entry);
const struct ynode *sat_entry_objects(const struct ynode *entry);

/* The device inventory an entry's world records (world.inventory), when
 * *has says it records one: its entries and the MAC of its last, in
 * lower-case hex.  0, or SOLR_ERR_FORMAT when it is not {entries, head}. */
int sat_entry_inventory(const struct ynode *entry, int *has, uint64_t *n,
    char head[SOLR_SHA256_HEX]);

/* Checks the chain, each entry's MAC with key (NULL: the MAC line must be
 * there, but is not checked) and every object; on the first broken link
 * returns SOLR_ERR_VERIFY with where and why.  *entries counts the good
 * ones; at[i].hash gets the hash of entry at[i].n (64 zeros for 0), last
 * the last good one's (may be NULL). */
int sat_verify(const char *dir, const unsigned char *key, struct sat_pos *at,
    size_t nat, uint64_t *entries, char last[SOLR_SHA256_HEX],
    struct solr_err *e);

/* A query's candidates, found while its chain is checked: the entries
 * whose text may (non-zero) match, by where each begins in the log. */
struct sat_query {
	int (*may)(void *arg, const char *text, size_t len);
	void *arg;
	int64_t *offs;		/* the caller frees them */
	char (*hashes)[65];	/* each one's hash, as checked */
	size_t n, cap;
};
/* The same but for the objects and what an entry says of the inventory:
 * the chain, each number and, with key, each MAC (a query's check; the
 * auditor's check is sat_verify); with q, the candidates into q. */
int sat_verify_chain(const char *dir, const unsigned char *key,
    struct sat_pos *at, size_t nat, uint64_t *entries,
    char last[SOLR_SHA256_HEX], struct sat_query *q, struct solr_err *e);
/* Under the writer's lock: checks every entry from s->v to the end of
 * the log (the chain on from s->v, each number, each MAC) and moves s->v
 * to the end.  SOLR_ERR_VERIFY names the first entry that fails. */
int sat_check_new(struct sat *s, struct solr_err *e);
/* Where entry n + 1 starts in the log (its "---" line), searched from the
 * end; SOLR_ERR_VERIFY when it is not there. */
int sat_entry_offset(struct sat *s, uint64_t n, int64_t *off,
    struct solr_err *e);

/* Calls fn with each entry (parsed), in order; stops on a non-zero
 * return.  The chain is not checked here. */
int sat_each(const char *dir, int (*fn)(void *, struct ynode *), void *arg,
    struct solr_err *e);
/* The entries of q (sat_verify_chain's candidates), parsed, in that
 * order; one that no longer hashes to what was checked (the log changed
 * since) is SOLR_ERR_VERIFY, before fn sees it. */
int sat_each_at(const char *dir, const struct sat_query *q,
    int (*fn)(void *, struct ynode *), void *arg, struct solr_err *e);

#endif
