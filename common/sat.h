/* The Service Audit Trail: a hash-chained log of final records, with every
 * object they reference, in one directory an auditor can take anywhere. */
#ifndef SOLR_SAT_H
#define SOLR_SAT_H

#include <limits.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "objstore.h"
#include "util.h"
#include "ytree.h"

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
};

/* Under the lock: the number of entries and the last hash. */
int sat_tail(struct sat *s, uint64_t *n, char last[SOLR_SHA256_HEX],
    struct solr_err *e);

/* Opens (creating) the bundle.  A last entry that is torn (its write did
 * not finish, so no record left after it) is cut: s->cut says how much. */
int sat_open(const char *dir, struct sat *s, struct solr_err *e);
/* Appends body (a mapping: the entry without n, prev and hash) under the
 * lock, after copying each object named in objects from src. */
int sat_append(struct sat *s, struct ynode *body, struct solr_objstore *src,
    char **objects, char **at, size_t nobjects, struct solr_err *e);
/* The entries appended since the last sync to disk.  Nothing they record
 * may leave before.  Then sat_commit, or sat_take_back to take them back
 * (see solr_appended_undo). */
int sat_sync(struct sat *s, struct solr_err *e);
void sat_commit(struct sat *s);
/* Takes the batch back: its entries, and the head it wrote, only when no
 * other writer has built on them (appended after them, or signed a head
 * that covers them); -1 when they stay. */
int sat_take_back(struct sat *s, struct solr_err *e);
int sat_close(struct sat *s, struct solr_err *e);

/* Checks the chain and every object; on the first broken link returns
 * SOLR_ERR_VERIFY with where and why.  *entries counts the good ones;
 * hash_at gets the hash of entry at, last the last good one's (either may
 * be NULL). */
int sat_verify(const char *dir, uint64_t at, uint64_t *entries,
    char hash_at[SOLR_SHA256_HEX], char last[SOLR_SHA256_HEX],
    struct solr_err *e);

/* Calls fn with each entry (parsed), in order; stops on a non-zero
 * return.  The chain is not checked here. */
int sat_each(const char *dir, int (*fn)(void *, struct ynode *), void *arg,
    struct solr_err *e);

#endif
