/* The countersign ledger: which APDU was MACed for each (originator,
 * counter, recipient), so that no two different APDUs ever share a GMAC
 * key and IV. */
#ifndef SOLR_LEDGER_H
#define SOLR_LEDGER_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/err.h"
#include "base/util.h"

#define LEDGER_NOTE_MAX 2048	/* bytes of an entry's note */

struct ledger_entry {
	uint64_t originator, counter, recipient;
	unsigned char sha[32];
	const char *note;	/* "" when none */
};

/* On disk, the ledger file is the truth and state/countersign-index
 * finds a key in it: a header (magic, slots, the ledger bytes it covers, entries, clean)
 * and an open-addressing table of 16-byte slots (a fingerprint of the
 * key, the offset of its line).  A process reads the slots it needs,
 * so its memory stays the same whatever the ledger's size.  Every process
 * with the ledger open holds state/countersign-live shared.  The index is
 * marked unclean (and synced) before a process first changes it, and
 * clean again, after a sync, when it closes; one found unclean at open,
 * or behind a ledger that was cut, is built again from the ledger. */
struct ledger {
	int fd;
	char path[PATH_MAX];
	off_t read_upto;
	off_t seen_size;	/* the ledger's size when last looked at under
				 * the lock, -1 when unknown */
	int held;		/* locked for a batch (ledger_hold) */
	int hdr_dirty;		/* the index's header to write at release */
	/* in memory only (a replay) */
	struct ledger_entry *e;
	size_t n, cap;
	size_t *index;		/* open addressing, SIZE_MAX empty */
	size_t icap;
	/* on disk */
	int ifd, lfd;
	char ipath[PATH_MAX];
	uint64_t nslots, covered, count, clean;
	int dirty;		/* written, not yet synced */
	struct solr_appended app;	/* written, not yet committed */
	const char *reuse;	/* how a second sha for a key is refused */
	unsigned bytes_per_slot;	/* of the file, when the index is built */
	char notebuf[LEDGER_NOTE_MAX + 1];	/* the note of an entry read */
	/* state/NAME-head: the world's record of the ledger (store/statehead.h)
	 * as its last writer left it, after its sync, MACed under key */
	char hpath[PATH_MAX];
	char name[64];
	unsigned char key[32];
};

/* The countersign ledger, its record MACed under key (the world's
 * state_key).  A ledger that is shorter than its record, or whose bytes
 * before the recorded end are not those recorded, or that holds entries
 * with no record, was put back, cut, emptied or swapped: SOLR_ERR_VERIFY,
 * naming it.  Bytes after the recorded end were written by a process that
 * died after its sync and before its record: the next sync takes them in. */
int ledger_open(const char *world, const unsigned char key[32],
    struct ledger *l, struct solr_err *e);
/* Another ledger of the same kind: state/NAME-ledger, -index, -live and
 * -head; reuse says what a second sha for a key would be ("decided before
 * for another document"). */
int ledger_open_named(const char *world, const char *name, const char *reuse,
    const unsigned char key[32], struct ledger *l, struct solr_err *e);
/* The whole ledger against its record, line by line (solr-sat verify -C):
 * 0, SOLR_ERR_VERIFY naming it when a line was changed, or when it does
 * not lead to its record; a ledger that was never made is 0. */
int ledger_check(const char *world, const char *name,
    const unsigned char key[32], struct solr_err *e);
/* The entry of a key: *found, and its sha and note in x (valid until the
 * next call).  0 or a negative SOLR_ERR_*. */
int ledger_lookup(struct ledger *l, uint64_t originator, uint64_t counter,
    uint64_t recipient, struct ledger_entry *x, int *found,
    struct solr_err *e);
/* ledger_record with a note kept with a new entry (one line of text, at
 * most LEDGER_NOTE_MAX bytes); when the key and sha were recorded before,
 * the first entry keeps its note. */
int ledger_record_note(struct ledger *l, uint64_t originator,
    uint64_t counter, uint64_t recipient, const unsigned char sha[32],
    const char *note, int *again, struct solr_err *e);
/* Records the APDU's SHA-256 for the key, under the lock.  0 when new or
 * the same APDU again (*again = 1); SOLR_ERR_VERIFY when a different APDU
 * was recorded for the key.  The entry is written at once but synced by
 * ledger_sync: nothing made from it may leave before that. */
int ledger_record(struct ledger *l, uint64_t originator, uint64_t counter,
    uint64_t recipient, const unsigned char sha[32], int *again,
    struct solr_err *e);
/* The entries to disk, then the ledger's record moved to its end. */
int ledger_sync(struct ledger *l, struct solr_err *e);
/* The ledger locked for a batch: caught up once, then every lookup and
 * entry until ledger_release is made under that one lock, its index's
 * header written at the release.  A writer holds it only while it
 * decides, never while it waits for input, and never while it waits for
 * a RequestID's lock (reg_lock lets it go first).  ledger_sync,
 * ledger_undo and ledger_close release it first. */
int ledger_hold(struct ledger *l, struct solr_err *e);
int ledger_release(struct ledger *l, struct solr_err *e);
/* After the sync and whatever else the batch needed: what was written
 * stays.  ledger_undo instead takes it back (see solr_appended_undo). */
void ledger_commit(struct ledger *l);
int ledger_undo(struct ledger *l);
/* A ledger that lives in memory only (for a replay). */
void ledger_memory(struct ledger *l);
void ledger_close(struct ledger *l);

#endif
