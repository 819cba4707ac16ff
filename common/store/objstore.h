/*
 * Layer store: may use base.  What is kept on disk and only appended to:
 * the object store, the sealed record stream, the ledger and registers,
 * the Service Audit Trail and its signed head, and the live file.
 *
 * The content-addressed object store.  Objects are named by the SHA-256
 * of their bytes and checked against the name whenever they are read.
 * The store grows by append-only segments, one per writing process (a new
 * one past OBJSTORE_SEGMENT_MAX): <dir>/<id>.seg holds the objects, each
 * as "obj <name> <length>\n<bytes>\n", and <dir>/<id>.idx a line
 * "<name> <offset, 16 hex> <length, 8 hex>\n" for each.  A record carries
 * where its object lies ("<id>:<offset>", its "at") so that a reader
 * needs no index; without it, or when it does not hold, the indexes are
 * read.  Every process that opens the store holds a shared lock on
 * <dir>/lock; objstore_gc holds it alone.
 */
#ifndef SOLR_OBJSTORE_H
#define SOLR_OBJSTORE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/err.h"
#include "base/util.h"

#define OBJSTORE_AT 48		/* "<id>:<offset>" and its NUL */
#define OBJSTORE_ID 32		/* a segment's id and its NUL */
#define OBJSTORE_SEGMENT_MAX ((off_t)1 << 30)

struct objseg {
	char id[OBJSTORE_ID];
	int fd;			/* read (or, for ours, append); -1 closed */
	int ifd;		/* our index, append */
	off_t idx_read;		/* the index read up to here */
	int unsynced;		/* read from and not yet synced */
};

/* Where an object lies, by the first 8 bytes of its name: every read
 * checks the whole name (in the object's header) and the bytes, so the
 * table need not hold more, and a slot of the same key that holds
 * another object is passed over.  An offset is below
 * OBJSTORE_SEGMENT_MAX. */
#define OBJLOC_KEY 8
/* More objects than this of one key is no index the store wrote (it
 * would take 2^56 work and more to find them): refused, so that a
 * hostile index cannot make each lookup read them all. */
#define OBJLOC_SAME_MAX 16
struct objloc {
	unsigned char key[OBJLOC_KEY];
	uint32_t seg;
	uint32_t off;
};

struct solr_objstore {
	char dir[PATH_MAX];
	int lockfd;
	long wseg;		/* ours, in segs; -1 before the first put */
	off_t wsize;
	int wdirty;
	/* objstore_hold_writes: what is put waits here (the segment's bytes,
	 * the index's lines) until objstore_sync, a read of the segment, or
	 * OBJSTORE_HELD_MAX bytes */
	int hold;
	struct solr_buf wbuf, ibuf;
	struct objseg *segs;
	size_t nsegs, segcap;
	struct objloc *tab;	/* open addressing; seg UINT32_MAX empty */
	size_t tabn, tabcap;
	uint64_t salt;		/* random a process: where a key's slot
				 * lies cannot be chosen by who names it */
	/* $SOLR_OBJECTS_ALSO: a store read, never written, for what this
	 * one lacks (a replay writes aside from the bundle it reads) */
	struct solr_objstore *also;
};

int objstore_open(struct solr_objstore *os, const char *dir,
    struct solr_err *e);
/* For reading alone (an auditor's copy of a bundle): nothing is made,
 * nothing is locked, and objstore_close frees. */
void objstore_open_read(struct solr_objstore *os, const char *dir);
/* What is put from now on is written at objstore_sync (or a read of
 * the segment it goes to), a few writes a batch instead of two an
 * object: for a writer whose records leave only after that sync. */
void objstore_hold_writes(struct solr_objstore *os);
/* Writes what is held now, without a sync. */
int objstore_flush(struct solr_objstore *os, struct solr_err *e);
#define OBJSTORE_HELD_MAX (1 << 20)
/* Syncs what this process wrote, closes and frees. */
int objstore_close(struct solr_objstore *os, struct solr_err *e);
/* Stores p and returns its name (64 lower-case hex digits) and, when at
 * is not NULL, where it lies.  Written at once, durable after
 * objstore_sync. */
int objstore_put_at(struct solr_objstore *os, const void *p, size_t n,
    char name[SOLR_SHA256_HEX], char at[OBJSTORE_AT], struct solr_err *e);
/* The same for bytes made just now (a Command, a countersignature, a
 * Response), which a store holds only if a run that made them before
 * died undecided: not looked for first, so that a
 * writer of such objects never reads the indexes into memory.  Should
 * the bytes be there after all, they are there twice, which harms
 * nothing: a reader checks whichever copy it finds. */
int objstore_put_new(struct solr_objstore *os, const void *p, size_t n,
    char name[SOLR_SHA256_HEX], char at[OBJSTORE_AT], struct solr_err *e);
/* An object objstore_get has just read and checked, into this store
 * under its name (not hashed again). */
int objstore_copy(struct solr_objstore *os, const char *name,
    const struct solr_buf *b, struct solr_err *e);
/* Stores p unless the store holds it, looked for by reading each index
 * through once and keeping nothing of it: for the few objects a writer
 * stores run after run (a bundle's world files), where a table of every
 * name in memory would grow with the store. */
int objstore_put_scan(struct solr_objstore *os, const void *p, size_t n,
    char name[SOLR_SHA256_HEX], char at[OBJSTORE_AT], struct solr_err *e);
/* The same, not looked for first (see objstore_put_new). */
int objstore_copy_new(struct solr_objstore *os, const char *name,
    const struct solr_buf *b, struct solr_err *e);
/* Reads the object; at (may be NULL) is a hint, checked like the bytes.
 * SOLR_ERR_VERIFY if the bytes do not hash to name, SOLR_ERR_IO if the
 * store does not hold it. */
int objstore_get(struct solr_objstore *os, const char *name, size_t max,
    struct solr_buf *out, struct solr_err *e);
int objstore_get_at(struct solr_objstore *os, const char *name,
    const char *at, size_t max, struct solr_buf *out, struct solr_err *e);
/* Makes durable what this process wrote and the segments it read from
 * (objects other processes wrote), before anything that names them. */
int objstore_sync(struct solr_objstore *os, struct solr_err *e);
/* Calls fn for every object of every segment, checking each against its
 * name; stops at fn's first non-zero answer. */
int objstore_each(struct solr_objstore *os, size_t max,
    int (*fn)(void *arg, const char *name, const struct solr_buf *b,
    struct solr_err *e), void *arg, struct solr_err *e);
/* Keeps the objects keep() says yes to, in new segments, and removes the
 * rest; the store must be in no other process's use.  *kept and *dropped
 * count objects. */
int objstore_gc(struct solr_objstore *os, int (*keep)(void *arg,
    const char *name), void *arg, size_t *kept, size_t *dropped,
    struct solr_err *e);

#endif
