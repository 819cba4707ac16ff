/* The Failed Suppliers list: its file, its validation against the world,
 * and the lookups the pipeline makes. */
#ifndef SOLR_FSLIST_H
#define SOLR_FSLIST_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/util.h"
#include "base/decision.h"
#include "stage/stage.h"
#include "world/world.h"

struct fs_entry {
	uint64_t id;
	char *name;
	int has_srp;
	uint64_t srp;
	int line;
};

struct fs_list {
	int present;		/* 0: no list applied (an empty list) */
	int64_t version;
	struct fs_entry *entry;
	size_t n;
	char sha256[SOLR_SHA256_HEX];
	int version_line, suppliers_line;	/* in the file parsed */
};

struct fs_finding {
	const char *code;	/* stable: see solr-failed-suppliers(1) */
	uint64_t supplier;
	int line;
	int note;		/* told, not a finding: nothing to accept */
	char msg[512];
};

/* The codes of findings (and notes), for --accept and the help. */
extern const char *const fslist_codes[];
#define FS_CODES_HELP \
"                  not-registered, not-a-supplier, name-mismatch,\n" \
"                  not-suspended, never-certified, active-certificates,\n" \
"                  srp-not-registered, srp-not-solr, srp-suspended,\n" \
"                  removed, version-not-newer\n"
/* Whether an --accept value names a known code (and a valid EUI after
 * a colon). */
int fslist_accept_valid(const char *accept);
/* The policy's anti-malware scanner on the bytes of an upload, before
 * anything parses them (the seed, 4.2.1): a private copy is scanned, so
 * the bytes checked are the bytes used.  SOLR_ERR_VERIFY with the
 * scanner's verdict when it refuses; SOLR_ERR_CONFIG when the policy
 * names no scanner. */
int fslist_scan(const struct solr_world *w, const char *file,
    const unsigned char *p, size_t n, struct solr_err *e);

/* Parses a list strictly: version, suppliers with id (EUI-64), name and
 * an optional srp, no duplicates, no other keys.  SOLR_ERR_FORMAT names
 * the file, the line, the field and the rule. */
int fslist_parse(const char *buf, size_t len, const char *file,
    struct fs_list *l, struct solr_err *e);
/* The applied list of the world; a world with none has an empty list. */
int fslist_load(const char *world, struct fs_list *l, struct solr_err *e);
void fslist_free(struct fs_list *l);
const struct fs_entry *fslist_find(const struct fs_list *l, uint64_t id);

/* The operator's review: every finding about the list in this world at
 * time at, and how it differs from the installed list (suppliers added
 * are notes; removed ones, and a version not above the installed one,
 * are findings). */
int fslist_validate(struct solr_world *w, const struct fs_list *installed,
    const struct fs_list *l, int64_t at, struct fs_finding **out, size_t *n,
    struct solr_err *e);

/* The history of applies (state/failed-suppliers.history): fn sees each
 * entry in order (doc, or damage for one that does not parse); last
 * says what the last entry installed. */
struct fs_history_entry {
	int line;
	const struct ynode *doc;	/* NULL for a damaged entry */
	const char *damage;
};
struct fs_history_last {
	int found;
	char sha_new[SOLR_SHA256_HEX];
	int damaged;		/* line of a damaged entry (a torn append) */
	char chain[SOLR_SHA256_HEX];	/* the last whole entry's SHA-256 */
	long torn_at;		/* where a torn last entry starts, or -1 */
};
/* Reads the history, entry by entry to fn; 0, or an error in e (the
 * history refused by the guard, or no memory). */
int fslist_history(const struct solr_world *w, void (*fn)(void *,
    const struct fs_history_entry *), void *arg, struct fs_history_last *last,
    struct solr_err *e);
/* What the history says of the list in force: 0 when its last entry
 * installed it (or none was ever applied to the world's first list);
 * otherwise SOLR_ERR_VERIFY and the break. */
int fslist_history_holds(const struct fs_list *l,
    const struct fs_history_last *le, struct solr_err *e);

/* Whether an operator's --accept CODE or CODE:EUI covers the finding. */
int fslist_accepted(const struct fs_finding *f, char *const *accept,
    size_t naccept);

/*
 * apply: under the state lock, the uploaded list reviewed at time at; if
 * every finding is accepted, installed as the next version with its
 * history entry.  SOLR_ERR_VERIFY when findings are not accepted
 * (nothing changed); another error after the list was written (tried)
 * restores the old list (restored says whether that worked).
 */
struct fs_apply {
	struct solr_world *world;
	const char *file, *by, *reason;
	char *const *accept;
	size_t naccept;
	int64_t at;
	/* results */
	struct fs_finding *findings;
	size_t nfindings;
	int *accepted;
	size_t refused;
	int64_t version;
	char sha256[SOLR_SHA256_HEX];
	int tried, restored;
	int scan_refused;	/* the anti-malware scanner refused it */
	char history[PATH_MAX];
};
int fslist_apply(struct fs_apply *a, struct solr_err *e);
void fslist_apply_free(struct fs_apply *a);

/* The pipeline's check of a SolrContingency request: the Business
 * Originator is on the applied list, and the sender is the SRP the list
 * names for it (when it names one).  Other senders are skipped. */
int fslist_decide(const struct solr_world *w, const struct fs_list *l,
    uint64_t sender, uint64_t originator, struct decision *d);

/* R6 B/C (seed §3.3): the Business Originator is an identity that held
 * supplier-role (0x02) SMKI certificates, and none of them is valid and
 * unrevoked at t.  E65 otherwise.  SOLR_ERR_* when a check cannot run. */
int fslist_decide_revoked(struct solr_world *w, uint64_t originator,
    int64_t t, struct decision *d, struct solr_err *e);

/* Where a device alert for a failed supplier goes: on to its own
 * endpoint; a safety-critical one is also flagged for its SRP.
 * 0 when the recipient is on the list, 1 when it is not. */
struct fs_route {
	uint64_t deliver_to;
	int has_forward;
	uint64_t forward_to;
	int safety_critical;
};
int fslist_route(const struct solr_world *w, const struct fs_list *l,
    uint64_t recipient, uint64_t alert_code, struct fs_route *out);

/* The stages: check and route (ctx: struct fs_stage). */
struct fs_stage {
	struct solr_world *world;
	struct fs_list list;
};
extern const struct stage_ops fslist_check_stage, fslist_route_stage;

/* The list as YAML, with the given version. */
char *fslist_render(const struct fs_list *l, int64_t version);

#endif
