/*
 * The device inventory (solr-world(5)): what the DCC knows of each
 * device, checked once when it is imported.  state/devices is an
 * append-only log of fixed-size entries, each MACed under a key derived
 * from keys/records.key and chained to the one before; state/devices.idx
 * finds a device's latest entry in one slot, whatever the number of
 * devices.  The stages read public points from it, never a certificate.
 */
#ifndef SOLR_INVENTORY_H
#define SOLR_INVENTORY_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "world/world.h"

#define INV_ENTRY_LEN 512
#define INV_ENTRY_MAGIC "SOLRDEV1"	/* its first 8 bytes */
#define INV_ENTRY_MACED 480	/* bytes under its MAC, which follows */
#define INV_TYPE_MAX 8		/* "ESME", "GSME", "CHF", ... */

enum inv_use { INV_KA, INV_DS, INV_NUSES };
enum inv_op { INV_PUT = 1, INV_REMOVE = 2 };
enum inv_fuel { INV_FUEL_NONE, INV_FUEL_ELECTRICITY, INV_FUEL_GAS };

/* A device certificate as imported: what a use of it needs, without it. */
struct inv_cert {
	int present;
	unsigned char point[65];	/* P-256, uncompressed */
	unsigned char serial[20];	/* the serial number's magnitude */
	size_t serial_len;
	int64_t not_before, not_after;
	/* the file's identity when imported: a changed file is refused */
	uint64_t size;
	int64_t mtime_ns;
	unsigned char sha256[32];	/* of the certificate (DER) */
	unsigned char issuer16[16];	/* SHA-256 of the issuer's name, cut */
	unsigned char ca16[16];	/* of the issuing CA certificate, cut;
				 * zero when the policy pins (no chain) */
};

struct inv_entry {
	uint64_t seq;		/* its place in the log, from 0 */
	uint64_t eui;
	enum inv_op op;
	enum inv_fuel fuel;
	int chained;		/* certificates chain-checked on import */
	char type[INV_TYPE_MAX + 1];
	int64_t imported_at;
	int64_t chain_not_before, chain_not_after;
	struct inv_cert cert[INV_NUSES];
	unsigned char prev[32];	/* the MAC of the entry before */
	unsigned char mac[32];
};

const char *inv_use_name(enum inv_use u);	/* "ka", "ds" */
const char *inv_fuel_name(enum inv_fuel f);	/* "electricity", ... */
/* The fuel of a device type: ESME electricity, GSME gas, else none. */
enum inv_fuel inv_fuel_of(const char *type);
/* A device type as the inventory holds it: 1-8 of A-Z and 0-9. */
int inv_type_ok(const char *type);

/* The entry in its 512 bytes, with its MAC made under key (the world's
 * inventory_sealer); and back,
 * refused (SOLR_ERR_VERIFY, naming the rule) unless the MAC holds, the
 * entry is the seq-th and every field is in range. */
int inv_encode(struct solr_sealer *key, struct inv_entry *en,
    unsigned char out[INV_ENTRY_LEN]);
int inv_decode(struct solr_sealer *key, const unsigned char
    in[INV_ENTRY_LEN], uint64_t seq, struct inv_entry *en,
    struct solr_err *e);

/*
 * The device's latest entry, read through the index: SOLR_ERR_NOTFOUND
 * with the reason when the inventory has no entry for it or its latest
 * entry removed it.  The index and the log are checked against each
 * other whenever either file changes, and each entry and slot read is
 * MAC-checked on every use.
 */
int inv_lookup(struct solr_world *w, uint64_t eui, struct inv_entry *out,
    struct solr_err *e);
/* The inventory as a lookup reads it now: how many entries its log
 * holds, and the MAC of the last (all zero for none), the index checked
 * against both. */
int inv_head(struct solr_world *w, uint64_t *n, unsigned char head[32],
    struct solr_err *e);
/* Whether the inventory still holds the n entries a head recorded: its
 * n-th entry is there, whole, with that MAC (the chain before it is
 * what the MAC covers).  SOLR_ERR_VERIFY, naming what differs, when the
 * inventory was rolled back to fewer entries or replaced. */
int inv_holds(struct solr_world *w, uint64_t n, const unsigned char head[32],
    struct solr_err *e);
/* What inv_lookup keeps open in the world; world_free frees it. */
void inv_reader_free(struct inv_reader *r);

/*
 * A change to the inventory: inv_begin takes the inventory's lock and
 * checks the whole log (every MAC and link); inv_put adds an entry
 * (*unchanged when it would change nothing, and is left out), inv_remove a
 * removal; inv_commit appends them, syncs, and writes the index again.
 * inv_end lets the lock go.  cut: bytes of a torn last entry cut away.
 */
struct inv_writer;
int inv_begin(struct solr_world *w, struct inv_writer **out, int64_t *cut,
    struct solr_err *e);
int inv_put(struct inv_writer *wr, struct inv_entry *en, int *unchanged,
    struct solr_err *e);
int inv_remove(struct inv_writer *wr, uint64_t eui, int64_t at,
    struct solr_err *e);
/* The latest entry of eui among what the writer holds; NULL if none. */
const struct inv_entry *inv_latest(struct inv_writer *wr, uint64_t eui);
int inv_commit(struct inv_writer *wr, struct solr_err *e);
void inv_end(struct inv_writer *wr);

/* Calls fn for each device's latest entry, in the order of the log,
 * after checking every entry's MAC and link; removed devices are left
 * out unless all. */
int inv_each(struct solr_world *w, int all,
    int (*fn)(const struct inv_entry *, void *), void *arg,
    struct solr_err *e);

#endif
