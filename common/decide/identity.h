/* solr-verify-sig's rules: the XML signature, then who signed.  The
 * signer's identity comes only from the certificate that verified and the
 * registry entry of its EUI. */
#ifndef SOLR_IDENTITY_H
#define SOLR_IDENTITY_H

#include <stdint.h>

#include "base/cert.h"
#include "base/decision.h"
#include "duis/duis.h"
#include "store/objstore.h"
#include "world/schema.h"
#include "stage/stage.h"
#include "world/world.h"

enum verify_mode {
	VERIFY_REQUEST,		/* a DUIS Request from a user */
	VERIFY_RESPONSE,	/* a DUIS Response (device alerts) */
	VERIFY_COUNTERSIGNED,	/* a SMETS1 service provider's checks */
};

/* How the Business Originator was checked, for the record. */
enum originator_check {
	ORIGINATOR_NOT_CHECKED,
	ORIGINATOR_IS_SIGNER,
	ORIGINATOR_DEFERRED,	/* to the Failed Suppliers stage */
};

/*
 * The identity rules for a document whose signature verified with cert:
 * a signer without an EUI (E65), not a DCC user (E1), a SolrContingency
 * sender asking an SRV its role may not send (S1VE2, SMETS1 checks only),
 * suspended (E3), and a signer who is not the Business Originator (E65),
 * unless the signer holds SolrContingency: then the Failed Suppliers
 * stage decides.  The SMETS1 service provider codes stand in for E1, E3
 * and E65 in VERIFY_COUNTERSIGNED.  Pure: no I/O.
 */
int identity_decide(const struct solr_world *w, const struct duis_header *h,
    const struct solr_cert *cert, enum verify_mode mode, struct decision *d,
    enum originator_check *oc);
/* The code for a signature that does not verify, in this mode. */
enum duis_code identity_signature_code(enum verify_mode mode);

/* The stage (ctx: struct verify_stage). */
struct verify_stage {
	struct solr_world *world;
	struct solr_objstore objects;
	enum verify_mode mode;
	struct duis_schemas schemas;	/* each schemaVersion's, parsed once */
};
extern const struct stage_ops verify_sig_stage;
/* The record of a document read from a file or stdin: stored, then
 * checked.  SOLR_ERR_TROUBLE when a check could not run (e says why). */
int verify_document(struct verify_stage *v, struct ynode *rec,
    const unsigned char *p, size_t n, struct solr_err *e);
/* The record of a document that could not be read (e says why):
 * oversized documents are a rejection (E65), others trouble. */
int verify_unreadable(struct verify_stage *v, struct ynode *rec,
    struct solr_err *e);

#endif
