#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "decide/identity.h"
#include "store/record.h"
#include "base/util.h"
#include "duis/xmlsig.h"

#define STAGE "verify-sig"

static enum duis_code
mode_code(enum verify_mode mode, enum duis_code user, enum duis_code sp)
{
	return mode == VERIFY_COUNTERSIGNED ? sp : user;
}

enum duis_code
identity_signature_code(enum verify_mode mode)
{
	return mode_code(mode, DUIS_E65, DUIS_S1VE100);
}

int
identity_decide(const struct solr_world *w, const struct duis_header *h,
    const struct solr_cert *cert, enum verify_mode mode, struct decision *d,
    enum originator_check *oc)
{
	const struct solr_user *u;
	char eui[SOLR_EUI_STRLEN], bo[SOLR_EUI_STRLEN], sr[16];
	int solar;

	*oc = ORIGINATOR_NOT_CHECKED;
	if (!cert->has_eui)
		return decision_reject(d, DUIS_E65, "the signing certificate "
		    "has no x500UniqueIdentifier EUI-64 in its subject");
	solr_eui_format(cert->eui, eui);
	/* the ServiceReference is the variant's */
	duis_service_reference(h->srv, sr, sizeof(sr));
	if (mode != VERIFY_RESPONSE && strcmp(h->service_reference, sr) != 0)
		return decision_reject(d, duis_content_code(h->schema_version,
		    w->policy.e020101_from), "ServiceReference %s is not the "
		    "one of ServiceReferenceVariant %s (%s)",
		    h->service_reference, h->srv, sr);
	if ((u = world_user(w, cert->eui)) == NULL)
		return decision_reject(d, mode_code(mode, DUIS_E1,
		    DUIS_S1VE2), "the signer %s is not a DCC user in "
		    "registry.yaml", eui);
	solar = world_solr_path(w, cert->eui, h->originator);
	if (mode == VERIFY_COUNTERSIGNED && solar &&
	    !role_allows_srv(world_role_policy(w, SOLR_CONTINGENCY), h->srv))
		return decision_reject(d, DUIS_S1VE2, "the %s role may not "
		    "send SRV %s", SOLR_CONTINGENCY, h->srv);
	if (u->suspended)
		return decision_reject(d, mode_code(mode, DUIS_E3, DUIS_S1VE3),
		    "the signer %s (%s) is suspended in registry.yaml", eui,
		    u->party);
	decision_pass(d);
	if (mode == VERIFY_RESPONSE)
		return 0;
	if (solar) {
		/* the SoLR path: the Business Originator is a failed
		 * supplier, checked by the Failed Suppliers stage */
		*oc = ORIGINATOR_DEFERRED;
		return 0;
	}
	if (cert->eui != h->originator) {
		solr_eui_format(h->originator, bo);
		return decision_reject(d, mode_code(mode, DUIS_E65,
		    DUIS_S1VE100), "the signer %s is not the Business "
		    "Originator %s", eui, bo);
	}
	*oc = ORIGINATOR_IS_SIGNER;
	return 0;
}

static int
header_to_record(struct ynode *rec, const struct duis_header *h,
    enum verify_mode mode)
{
	struct rec_header rh = {
		.schema_version = h->schema_version,
		.request_id = h->has_request_id ? h->request_id : NULL,
		.originator = h->originator,
		.target = h->target,
		.counter = h->counter,
		.counter_text = h->request_id + 48,
		.response = mode == VERIFY_RESPONSE,
		.cv = h->cv,
		.srv = h->srv,
		.response_id = h->response_id,
		.response_code = h->response_code,
		.response_datetime = h->response_datetime,
		.body = h->body,
	};

	return rec_request_set(rec, &rh);
}

/* sender: from the verified certificate and the registry only. */
static int
sender_to_record(struct ynode *rec, const struct solr_world *w,
    const struct solr_cert *cert)
{
	const struct solr_user *u = world_user(w, cert->eui);
	struct rec_sender s = {
		.id = cert->eui,
		.party = u ? u->party : NULL,
		.user_roles = u ? u->roles : NULL,
		.nuser_roles = u ? u->nroles : 0,
		.suspended = u && u->suspended,
		.issuer = cert->issuer,
		.serial = cert->serial,
		.role = world_cert_role(w, cert),
	};

	return rec_sender_set(rec, &s);
}

static int
decided(struct verify_stage *v, struct ynode *rec,
    const struct duis_header *h, const struct solr_cert *cert)
{
	static const char *const checks[] = {
		[ORIGINATOR_NOT_CHECKED] = NULL,
		[ORIGINATOR_IS_SIGNER] = "signer-is-originator",
		[ORIGINATOR_DEFERRED] = "deferred-to-failed-suppliers",
	};
	enum originator_check oc;
	struct decision d;
	struct ynode *st;

	if (header_to_record(rec, h, v->mode) != 0)
		return SOLR_ERR_NOMEM;
	identity_decide(v->world, h, cert, v->mode, &d, &oc);
	if (cert->has_eui && sender_to_record(rec, v->world, cert) != 0)
		return SOLR_ERR_NOMEM;
	if ((st = rec_decide(rec, STAGE, &d)) == NULL)
		return SOLR_ERR_NOMEM;
	if (checks[oc] != NULL && rec_put_str(st, RK_ORIGINATOR_CHECK,
	    checks[oc]) != 0)
		return SOLR_ERR_NOMEM;
	return 0;
}

static int
verify_signature(struct verify_stage *v, xmlDocPtr doc, int64_t at,
    struct solr_cert **cert, struct solr_err *e)
{
	const struct solr_policy *pol = &v->world->policy;
	struct solr_cert *dcc;
	struct xmlsig sig;

	if (v->mode == VERIFY_COUNTERSIGNED)
		return xmlsig_verify_countersigned(doc, v->world, at,
		    pol->response_signer_roles, pol->n_response_signer_roles,
		    pol->xml_signer_roles, pol->n_xml_signer_roles, &dcc, cert,
		    e);
	if (v->mode == VERIFY_RESPONSE)
		return xmlsig_verify(doc, 1, v->world, at,
		    pol->response_signer_roles, pol->n_response_signer_roles,
		    cert, &sig, e);
	return xmlsig_verify(doc, 0, v->world, at, pol->xml_signer_roles,
	    pol->n_xml_signer_roles, cert, &sig, e);
}

/* The text of the header's element called name, trimmed, at most cap - 1
 * bytes; "" when there is none. */
static void
claimed_text(xmlDocPtr doc, const char *name, char *out, size_t cap)
{
	xmlNodePtr n = solr_xml_child(solr_xml_child(xmlDocGetRootElement(doc),
	    "Header"), name);
	xmlChar *t = n ? xmlNodeGetContent(n) : NULL;
	const char *s = (const char *)t;
	size_t len;

	out[0] = '\0';
	if (s == NULL)
		return;
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
	    s[len - 1] == '\n' || s[len - 1] == '\r'))
		len--;
	snprintf(out, cap, "%.*s", (int)(len < cap ? len : cap - 1), s);
	xmlFree(t);
}

/*
 * A rejected document that parsed: what it says of itself, apart from
 * everything verified (claimed:, solr-records(5)), so that an operator can
 * find a forged or tampered copy by its RequestID.  Nothing reads it.
 */
static int
claimed_to_record(struct ynode *rec, xmlDocPtr doc)
{
	char rid[128], srv[32];
	struct rec_claimed c = { .request_id = rid, .srv = srv };
	uint64_t counter;

	claimed_text(doc, "RequestID", rid, sizeof(rid));
	claimed_text(doc, "ServiceReferenceVariant", srv, sizeof(srv));
	if (rid[0] == '\0' && srv[0] == '\0')
		return 0;
	c.has_ids = duis_parse_request_id(rid, &c.originator, &c.target,
	    &counter) == 0;
	return rec_claimed_set(rec, &c);
}

/*
 * The schema of the document's DUIS version, before anything else reads
 * it.  A countersigned SMETS1 request is checked without the DCC's
 * countersignature (its last element), which no DUIS schema allows: what
 * is checked is the request as the SRP signed it.
 */
static int
check_schema(struct verify_stage *v, xmlDocPtr doc, struct solr_err *e)
{
	xmlDocPtr copy;
	xmlNodePtr last;
	int r;

	if (v->mode != VERIFY_COUNTERSIGNED)
		return duis_schema_validate(&v->schemas, doc, e);
	if ((copy = xmlCopyDoc(doc, 1)) == NULL)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	last = xmlDocGetRootElement(copy) ? xmlDocGetRootElement(copy)->last :
	    NULL;
	while (last != NULL && last->type != XML_ELEMENT_NODE)
		last = last->prev;
	if (last != NULL && strcmp((const char *)last->name, "Signature") == 0)
		xmlUnlinkNode(last);
	r = duis_schema_validate(&v->schemas, copy, e);
	if (last != NULL && last->parent == NULL)
		xmlFreeNode(last);
	xmlFreeDoc(copy);
	return r;
}

/* A document its DUIS schema refuses: no DUIS response code exists for
 * it (the DCC's gateway refuses it at the transport layer). */
static int
schema_refused(struct ynode *rec, const struct solr_err *e)
{
	struct decision d;
	struct ynode *st;

	decision_reject(&d, DUIS_NONE, "%s (refused at the transport layer: "
	    "DUIS has no response code for a document its schema refuses)",
	    e->msg);
	if ((st = rec_decide(rec, STAGE, &d)) == NULL ||
	    rec_put_str(st, RK_SCHEMA, "invalid") != 0)
		return SOLR_ERR_NOMEM;
	return 0;
}

/* The signature first; every field read after it is signed content. */
static int
check_bytes(struct verify_stage *v, struct ynode *rec, const unsigned char *p,
    size_t n, int64_t at, struct solr_err *e)
{
	struct duis_header h;
	struct solr_cert *cert = NULL;
	struct decision d;
	xmlDocPtr doc = NULL;
	size_t max = v->world->policy.max_document_bytes;
	int r, header = 0;

	if (n > max) {
		decision_reject(&d, identity_signature_code(v->mode),
		    "the document is %zu bytes; the limit is %zu (policy "
		    "max_document_bytes)", n, max);
		return rec_decide(rec, STAGE, &d) ? 0 : SOLR_ERR_NOMEM;
	}
	if ((r = solr_xml_parse(p, n, &doc, e)) == 0 &&
	    (r = check_schema(v, doc, e)) == SOLR_ERR_VERIFY) {
		r = schema_refused(rec, e);
		if (r == 0 && claimed_to_record(rec, doc) != 0)
			r = SOLR_ERR_NOMEM;
		xmlFreeDoc(doc);
		return r;
	}
	if (doc != NULL && r != 0 && r != SOLR_ERR_NOMEM) {
		/* the world's schema could not be used: nothing passes */
		char why[sizeof(e->msg) + PATH_MAX];

		snprintf(why, sizeof(why), "%s%s%s", e->file, e->file[0] ?
		    ": " : "", e->msg);
		decision_reject(&d, DUIS_NONE, "the DUIS schema could not be "
		    "used: %s", why);
		xmlFreeDoc(doc);
		if (rec_decide(rec, STAGE, &d) == NULL)
			return SOLR_ERR_NOMEM;
		solr_seterr(e, r, "%s", why);
		return SOLR_ERR_TROUBLE;
	}
	if (r == 0 && (r = verify_signature(v, doc, at, &cert, e)) == 0 &&
	    (r = header = duis_read_header(doc, v->mode == VERIFY_RESPONSE, &h,
	    e)) == 0)
		r = decided(v, rec, &h, cert);
	if (r == 0 || r == SOLR_ERR_NOMEM) {
		xmlFreeDoc(doc);
		return r;
	}
	/* a header the strict reader refuses is a format failure, not the
	 * signer's identity (E65): like the schema's, it has no code */
	if (header == SOLR_ERR_VERIFY)
		decision_reject(&d, DUIS_NONE, "the header: %s", e->msg);
	else
		decision_reject(&d, identity_signature_code(v->mode), "%s",
		    e->msg);
	if (rec_decide(rec, STAGE, &d) == NULL || (doc != NULL &&
	    rec_part(rec_part(rec, RK_REQUEST), RK_REQUEST_ID) == NULL &&
	    claimed_to_record(rec, doc) != 0)) {
		xmlFreeDoc(doc);
		return SOLR_ERR_NOMEM;
	}
	xmlFreeDoc(doc);
	if (r == SOLR_ERR_VERIFY)
		return 0;
	/* a check that could not run fails closed, and says so */
	solr_seterr_at(e, e->code, rec_str(rec, RK_SOURCE), 0, "%s",
	    d.reason);
	return SOLR_ERR_TROUBLE;
}

int
verify_document(struct verify_stage *v, struct ynode *rec,
    const unsigned char *p, size_t n, struct solr_err *e)
{
	struct decision d;
	char name[SOLR_SHA256_HEX], where[OBJSTORE_AT];
	unsigned long oom;
	int64_t at;
	int r;

	if (objstore_put_at(&v->objects, p, n, name, where, e) != 0) {
		decision_reject(&d, DUIS_NONE, "the request could not be "
		    "stored in the object store");
		return rec_decide(rec, STAGE, &d) ? SOLR_ERR_TROUBLE :
		    SOLR_ERR_NOMEM;
	}
	if (rec_object_set(rec, name, where, (int64_t)n) != 0 ||
	    rec_time(rec, &at) != 0)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	/* the first stage's documents are decided here, not by the stage
	 * driver: the same guard */
	oom = solr_oom_count();
	r = check_bytes(v, rec, p, n, at, e);
	return stage_oom_guard(rec, STAGE, oom, r, SOLR_ERR_TROUBLE, e);
}

int
verify_unreadable(struct verify_stage *v, struct ynode *rec,
    struct solr_err *e)
{
	struct decision d;

	if (e->code == SOLR_ERR_LIMIT) {
		/* an oversized document is a rejection, not trouble */
		decision_reject(&d, identity_signature_code(v->mode), "the "
		    "document exceeds the limit of %zu bytes (policy "
		    "max_document_bytes)", v->world->policy.max_document_bytes);
		return rec_decide(rec, STAGE, &d) ? 0 : SOLR_ERR_NOMEM;
	}
	if (e->code == SOLR_ERR_NOMEM)
		return SOLR_ERR_NOMEM;
	/* a name that is not there, a directory, a file it may not read:
	 * the document's rejection, and the batch goes on */
	decision_reject(&d, DUIS_NONE, "the document could not be read: %s",
	    e->msg);
	return rec_decide(rec, STAGE, &d) ? 0 : SOLR_ERR_NOMEM;
}

/* A record from an earlier stage: its bytes come from the store. */
static int
verify_record(void *ctx, struct solr_record *rec, struct solr_err *e)
{
	struct verify_stage *v = ctx;
	struct solr_buf b = { 0 };
	struct decision d;
	int r;

	/* a record is checked at the time the first stage gave it */
	if ((r = objstore_get_at(&v->objects, rec->request.object,
	    rec->request.at, v->world->policy.max_document_bytes, &b, e)) ==
	    0) {
		r = check_bytes(v, rec->tree, b.p, b.len, rec->received_at, e);
		solr_buf_free(&b);
		return r;
	}
	solr_buf_free(&b);
	decision_reject(&d, DUIS_NONE, "%s", e->msg);
	if (rec_decide(rec->tree, STAGE, &d) == NULL)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	/* a missing or changed object: the run is in trouble */
	return SOLR_ERR_TROUBLE;
}

const struct stage_ops verify_sig_stage = {
	.name = STAGE,
	.decide = verify_record,
	.needs = RV_TIME | RV_OBJECT,
};
