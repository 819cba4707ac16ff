/*
 * Layer decide: may use base, store, prepay, world, duis, gbcs, stage.
 * Each stage's decisions: identity, the Failed Suppliers list, the SR 2.1
 * values, the ADT, and what the DCC sends on.
 *
 * The stage solr-countersign: for a record that passed every required
 * stage, what the DCC sends on (the Command for SMETS2+, the
 * countersigned request for SMETS1), and for every record the DUIS
 * Response to its sender; the SAT entry of each final record.
 */
#ifndef SOLR_COUNTERSIGN_H
#define SOLR_COUNTERSIGN_H

#include <sys/stat.h>

#include <openssl/evp.h>

#include "base/cert.h"
#include "decide/adt.h"
#include "base/decision.h"
#include "decide/fslist.h"
#include "store/tarout.h"
#include "store/ledger.h"
#include "store/live.h"
#include "store/objstore.h"
#include "store/sat.h"
#include "stage/stage.h"
#include "world/world.h"

struct countersign_stage {
	struct solr_world *world;
	struct solr_objstore objects;
	struct ledger ledger;
	/* state/countersign-requests-*: the first decision of each
	 * RequestID, so that the same request again makes nothing new */
	struct ledger requests;
	struct solr_live live;	/* state/live: locks checked, at work */
	EVP_PKEY *acb;		/* keys/acb.ka.key */
	struct solr_ka *acb_ka;	/* its key agreement */
	EVP_PKEY *dcc;		/* keys/dcc.xmlsign.key */
	struct solr_cert *dcc_cert;
	/* the files they were read from, as they were: a run signs and
	 * MACs only while each is the same (a key rotated stops it) */
	struct stat key_st[3];
	int nkeys;
	uint64_t keys_fresh_in;	/* the world's batch they were found in */
	const char *outdir;	/* -o: a copy of each artifact, or NULL */
	struct tar_out tar;	/* -o ARCHIVE.tar: into it instead */
	struct sat sat;
	int have_sat;
	int replay;		/* recompute and compare; sign and record nothing */
	int have_at;
	int64_t at;
	/* what can change after the stages before decided: checked again */
	struct fs_list list;
	struct instructions is;
	/* the objects this batch read or made, up to a few MiB, for the
	 * trail's bundle: copied from here, not read back */
	struct batch_obj {
		char name[SOLR_SHA256_HEX];
		struct solr_buf b;
	} *batch;
	size_t nbatch, capbatch, batch_bytes;
	/* the ADT files already put into the trail's bundle this run */
#define ADT_KEPT 64
	char adt_kept[ADT_KEPT][SOLR_SHA256_HEX];
	unsigned nadt_kept;
};
extern const struct stage_ops countersign_stage;

/* The DCC's keys: the ACB key always; with need_dcc the XML-signing key
 * and its certificate, which must have role 0x89 and match the key. */
int countersign_keys(struct countersign_stage *c, int need_dcc,
    struct solr_err *e);
void countersign_free(struct countersign_stage *c);

/* The one path from a Signed Pre-Command to its Command: framing, the
 * kind of device its message code is for as the SRV's row says (NULL:
 * the row of the table whose messages include it), the ledger, the
 * device's key-agreement certificate at time at, the MAC.  A refusal the
 * device store decides is SOLR_ERR_VERIFY with *code E11 or E19; any
 * other leaves *code DUIS_NONE. */
int countersign_command(struct countersign_stage *c,
    const struct srv_row *row, const unsigned char *spc, size_t n,
    int64_t at, struct solr_buf *cmd, enum duis_code *code,
    struct solr_err *e);

/* The checks of solr-gbcs-parse on a Signed Pre-Command given alone (-x,
 * -b): strict framing, the message code and values of an SRV of the
 * table, and the supplier's signature; nothing is MACed that they
 * refuse. */
int countersign_precommand_check(struct countersign_stage *c,
    const unsigned char *spc, size_t n, struct solr_err *e);

/* The facts that can change between the stages and the moment of use,
 * checked again at time t: the signer's certificate valid and unrevoked
 * (E65); for the SoLR path, the Business Originator still on the applied
 * list with this SRP (E65) and an Authority instruction in force (AD1).
 * SOLR_ERR_* when a check could not run. */
int countersign_recheck(struct countersign_stage *c,
    const struct solr_record *rec, int64_t t, struct decision *d,
    struct solr_err *e);
/* The list and the instructions, read once a run. */
int countersign_open(struct countersign_stage *c, struct solr_err *e);
/* With a trail: the world files the decisions read (policy.yaml,
 * registry.yaml, failed-suppliers.yaml, instructions.yaml) into its
 * bundle, one copy each, so that a replay can name the key of one that
 * changed, not only its SHA-256. */
int countersign_keep_world(struct countersign_stage *c, struct solr_err *e);
/* The trail's locked_fill: the device inventory into an entry's world. */
int countersign_inventory_input(void *arg, struct ynode *body);
/* Whether the device inventory still holds what the trail's last entry
 * recorded of it (world.inventory): SOLR_ERR_VERIFY when it was rolled
 * back or replaced since, so that no decision rests on it. */
int countersign_check_inventory(struct countersign_stage *c,
    struct solr_err *e);

/* The first stage policy.yaml requires that did not pass the record
 * (pass or skipped), or NULL.  Pure. */
const char *countersign_missing_stage(const struct solr_policy *p,
    const struct ynode *rec);

/* The code of the DUIS Response for a final record: I99 for accept, I0
 * with the DCC alert for quarantine, the record's code for reject;
 * DUIS_NONE when no DUIS rule decided (no response is sent).  Pure. */
enum duis_code countersign_response_code(const char *verdict,
    enum duis_code code, enum duis_code *alert);

#endif
