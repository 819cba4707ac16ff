/* Authority instructions, ADT files and the shared request counters. */
#ifndef SOLR_ADT_H
#define SOLR_ADT_H

#include <stddef.h>
#include <stdint.h>

#include "base/decision.h"
#include "store/ledger.h"
#include "store/live.h"
#include "base/err.h"
#include "prepay/safe.h"
#include "stage/stage.h"
#include "world/world.h"
#include "base/util.h"

struct instruction {
	char *ref;
	uint64_t supplier, srp;
	int64_t from, until;	/* [from, until) */
	int line;
};

struct instructions {
	struct instruction *i;
	size_t n;
	char sha256[SOLR_SHA256_HEX];
	int present;
};

/* instructions.yaml of the world; none is an empty set. */
int instructions_load(const char *world, struct instructions *is,
    struct solr_err *e);
void instructions_free(struct instructions *is);
/* The instruction for this supplier and SRP current at t (any supplier
 * when supplier is 0), or NULL. */
const struct instruction *instruction_find(const struct instructions *is,
    uint64_t supplier, uint64_t srp, int64_t t);

struct adt_threshold {
	char srv[16];
	int64_t window;		/* seconds */
	int64_t warning, quarantine;
	int line;
};

struct adt_file {
	uint64_t srp;
	struct adt_threshold *t;
	size_t n;
	char sha256[SOLR_SHA256_HEX];
};

int adt_parse(const char *buf, size_t len, const char *file,
    struct adt_file *a, struct solr_err *e);
/* adt/<SRP>.yaml of the world: 0, SOLR_ERR_NOTFOUND, or an error.  With
 * key (the world's adt_key), the file must be the one submit accepted:
 * its SHA-256 the one adt/<SRP>.accepted records under key's MAC. */
int adt_load(const char *world, const unsigned char *key, uint64_t srp,
    struct adt_file *a, struct solr_err *e);
/* What submit records of a file it accepted and installed, at t. */
int adt_accepted_write(const char *world, const unsigned char key[32],
    const struct adt_file *a, int64_t t, struct solr_err *e);
void adt_free(struct adt_file *a);
const struct adt_threshold *adt_find(const struct adt_file *a,
    const char *srv);
/* adt/<EUI>.yaml */

/* The counters: state/adt-counters, fixed slots shared by every process
 * under a lock, so parallel pipelines count together; a window is found
 * by its whole key from a home slot that a keyed hash places. */
struct adt_undo;
struct solr_sealer;
/* the bytes of the counter file's header */
#define ADT_COUNTERS_HEADER 192

struct adt_counters {
	int fd;
	char path[4096];
	char hpath[4096];	/* state/adt-counters.head: the world's record */
	unsigned char state_key[32];	/* its MAC's key */
	struct solr_sealer *hash;	/* the world's counters_key */
	struct adt_undo *undo;	/* counts made since the last commit */
	size_t nundo, capundo;
	int ro;			/* opened to be read only */
	uint64_t pending;	/* ro: the slot (1-based) a sync left unwritten */
	unsigned char pslot[64];	/* ... and what the header says it holds */
	int held;		/* locked for a batch (adt_counters_hold) */
	int hdr_valid;		/* held: hdr is the file's header */
	unsigned char hdr[ADT_COUNTERS_HEADER];
};

/* The counters of the world, their slots placed and their digest made
 * under key (the world's counters_key), their record MACed under
 * state_key.  A file changed in place, put back to an older copy, or
 * emptied, or whose record is gone or older: SOLR_ERR_VERIFY, naming it
 * (solr-world(5), SECURITY). */
int adt_counters_open(const char *world, const unsigned char key[32],
    const unsigned char state_key[32], struct adt_counters *c,
    struct solr_err *e);
/* The same, to be read only (solr-sat state, the listing): opened for
 * reading, under the shared lock, so that a world one may read but not
 * write can be checked; a file not yet made holds no count, and a slot
 * whose write a sync did not finish is read as the header says it is. */
int adt_counters_open_ro(const char *world, const unsigned char key[32],
    const unsigned char state_key[32], struct adt_counters *c,
    struct solr_err *e);
/* Locks the counters until the batch's sync or undo (or
 * adt_counters_release), their header read and checked once: the counts
 * made meanwhile take no lock and read no header, and every other writer
 * waits.  The caller holds its register the same while (adt-check holds
 * both for a batch) and lets both go before it waits on anything. */
int adt_counters_hold(struct adt_counters *c, struct solr_err *e);
void adt_counters_release(struct adt_counters *c);
/* The slot where the window's probe starts (for tests: which keys share
 * one). */
size_t adt_counters_home(const struct adt_counters *c, uint64_t srp,
    const char *srv, int64_t window, int64_t start);
/* Adds one request and returns the count in that window. */
int adt_count(struct adt_counters *c, uint64_t srp, const char *srv,
    int64_t window, int64_t window_start, uint64_t *count,
    struct solr_err *e);
/* Gives back one count made in this batch (before any of its records
 * left: another process decided the request first). */
int adt_uncount(struct adt_counters *c, uint64_t srp, const char *srv,
    int64_t window, int64_t start, struct solr_err *e);
/* Calls fn for every live counter. */
int adt_counters_each(struct adt_counters *c, void (*fn)(void *, uint64_t,
    const char *, int64_t, int64_t, uint64_t), void *arg, struct solr_err *e);
/* Group commit: the counts made since the last commit to disk, before
 * any record that carries them leaves; then adt_counters_commit, or
 * adt_counters_undo to take them back (0 when it could: no other process
 * counted on those slots since). */
int adt_counters_sync(struct adt_counters *c, struct solr_err *e);
void adt_counters_commit(struct adt_counters *c);
int adt_counters_undo(struct adt_counters *c);
int adt_counters_close(struct adt_counters *c, struct solr_err *e);

/*
 * The decisions of solr-adt-check, in their order, each pure:
 * R3, the SRV and CommandVariant for the sender's role (E2);
 * R5, the values a stage before read (values, the record's mapping of
 *     the row's values_key) held to the rule of the SRV's row, unless the
 *     row says they are not inspected (E020101 or E2 by the request's DUIS
 *     schema version);
 * R4/R6A, the Authority gate and the thresholds (quarantine AD1), with
 *     the request's count in its window.
 */
int adt_decide_role(const struct solr_role_policy *rp, const char *srv,
    int cv, struct decision *d);
int adt_decide_content(const struct srv_row *row,
    const struct safe_policy *sp, const struct ynode *values, int64_t t,
    const char *schema_version, const char *e020101_from,
    struct decision *d);
struct adt_gate {
	const struct instruction *instruction;	/* in force at t, or NULL */
	int have_adt;				/* an accepted ADT file */
	const struct adt_threshold *threshold;	/* for the SRV, or NULL */
	uint64_t count;				/* this request's, in the window */
	int64_t t, window, window_start;
	const char *sender, *originator, *srv;	/* for the reason */
};
int adt_decide_gate(const struct adt_gate *g, struct decision *d);
/* The window of t: [start, start + window). */
int64_t adt_window_start(int64_t t, int64_t window);

/* An SRP's ADT file submitted at t: thresholds of zero are always
 * accepted; any other needs an Authority instruction in force for the
 * SRP.  Rejects (no code: this is no DUIS request) with the reason. */
int adt_decide_submission(const struct adt_file *a,
    const struct instructions *is, int64_t t, struct decision *d);

/* The stage (ctx: struct adt_stage, set up by adt_stage_open). */
#define ADT_CACHE 64
#define ADT_DEFAULT_WINDOW 3600
struct adt_stage {
	const struct solr_world *world;
	int replay;		/* counts come from the record, not the state */
	struct instructions is;
	struct adt_counters counters;
	struct ledger requests;	/* state/adt-requests-*: counted once */
	struct solr_live live;	/* state/live: locks checked, at work */
	/* the SRPs' ADT files, read once a run */
	struct {
		uint64_t srp;
		int status;	/* 0, or SOLR_ERR_NOTFOUND */
		struct adt_file adt;
	} cache[ADT_CACHE];
	int ncache;
	struct adt_file spill;	/* beyond the cache: read each time */
};
int adt_stage_open(struct adt_stage *s, struct solr_err *e);
int adt_stage_close(struct adt_stage *s, struct solr_err *e);
extern const struct stage_ops adt_check_stage;

#endif
