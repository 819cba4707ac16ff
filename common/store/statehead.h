/*
 * The world's record of one piece of its state (a ledger, a register,
 * the ADT counters): how far the piece reached when its last writer had
 * synced it, and a digest of what it held, MACed under a key derived
 * from keys/records.key.  The piece put back to an older copy, cut
 * short, emptied or swapped for another no longer leads to its record;
 * without the key nobody can write a record to match (solr-world(5),
 * SECURITY).
 *
 * On disk, state/<piece>-head is a few lines of text:
 *
 *	solr-state-head 1
 *	piece: <name>
 *	size: <bytes, or generation>
 *	digest: <64 hex>
 *	tail: <64 hex>
 *	mac: <64 hex>
 *
 * the MAC over every line before it, so a record copied from one piece
 * to another does not hold either.
 */
#ifndef SOLR_STATEHEAD_H
#define SOLR_STATEHEAD_H

#include <stdint.h>

#include "base/err.h"

struct state_head {
	uint64_t size;
	unsigned char digest[32];
	unsigned char tail[32];
};

/* The record at path for the piece named name into *h, when *have says
 * there is one.  0; SOLR_ERR_VERIFY (naming the file) when it is not one
 * this world wrote, or another negative SOLR_ERR_*. */
int state_head_read(const unsigned char key[32], const char *path,
    const char *name, struct state_head *h, int *have, struct solr_err *e);
/* Writes the record in place of the old one, synced. */
int state_head_write(const unsigned char key[32], const char *path,
    const char *name, const struct state_head *h, struct solr_err *e);

/* A digest that moves with the piece: each line of a ledger (or each
 * slot of the counters) adds HMAC(key, its place and bytes) by XOR, so
 * adding a line and taking it away again are one operation, and only a
 * holder of the key can say what a changed line would leave. */
int state_digest_item(const unsigned char key[32], uint64_t where,
    const void *p, size_t n, unsigned char digest[32]);

/* The ledgers and registers a world keeps in state/, by name (each
 * state/NAME-ledger with its record state/NAME-head). */
extern const char *const state_ledgers[];

/* The world's state head: SHA-256 over every record of its state, in one
 * order (the ledgers' and the counters' records, the inventory's, the
 * Failed Suppliers history, the records of its trails and of the ADT
 * files submit accepted), each named, a missing one as such.  Printed
 * after a batch and kept apart from the world, it finds what no check
 * inside can: the whole of state/ put back to an older copy that is
 * consistent with itself (solr-world(5), SECURITY).  out: 64 hex. */
int state_world_head(const char *world, char out[65], struct solr_err *e);

#endif
